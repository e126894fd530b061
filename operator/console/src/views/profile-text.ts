/** How the Intune portal names a profile's join type and an assignment's target. Pure. */
export interface AssignmentTarget {
  '@odata.type': string;
  groupId?: string;
}

/** `#microsoft.graph.azureADWindowsAutopilotDeploymentProfile` → `Entra joined`. */
export function profileKind(type: string | undefined): string {
  if (type?.endsWith('activeDirectoryWindowsAutopilotDeploymentProfile')) return 'Hybrid joined';
  if (type?.endsWith('azureADWindowsAutopilotDeploymentProfile')) return 'Entra joined';
  return type?.replace('#microsoft.graph.', '') ?? '—';
}

export function describeTarget(target: AssignmentTarget): string {
  const type = target['@odata.type'].replace('#microsoft.graph.', '');
  if (type === 'allDevicesAssignmentTarget') return 'All devices';
  if (type === 'exclusionGroupAssignmentTarget') return `Excluded group ${target.groupId}`;
  if (type === 'groupAssignmentTarget') return `Group ${target.groupId}`;
  return type;
}
