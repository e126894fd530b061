/** How the Intune portal names a profile's join type and an assignment's target. Pure. */
import { targetName, type AssignmentTarget } from './assignment-text.js';

export type { AssignmentTarget };

/** `#microsoft.graph.azureADWindowsAutopilotDeploymentProfile` → `Entra joined`. */
export function profileKind(type: string | undefined): string {
  if (type?.endsWith('activeDirectoryWindowsAutopilotDeploymentProfile')) return 'Hybrid joined';
  if (type?.endsWith('azureADWindowsAutopilotDeploymentProfile')) return 'Entra joined';
  return type?.replace('#microsoft.graph.', '') ?? '—';
}

/** A profile's deployment mode as the portal names it, from its `deviceUsageType`. */
export function deploymentMode(deviceUsageType: string | undefined): string {
  if (deviceUsageType === 'shared') return 'Self-deploying';
  if (deviceUsageType === 'singleUser') return 'User-driven';
  return '—';
}

/** One string for a target, for places without an "included or excluded" column of their own. */
export function describeTarget(target: AssignmentTarget, groupName?: string): string {
  const name = targetName(target, groupName);
  if (target['@odata.type'].endsWith('exclusionGroupAssignmentTarget')) return `Excluded: ${name}`;
  return target.groupId ? `Group ${name}` : name;
}
