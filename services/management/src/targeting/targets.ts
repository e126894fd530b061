/**
 * Assignment targets of deviceCompliancePolicyAssignment and deviceConfigurationAssignment,
 * as Graph spells them, and which devices they select: all devices, all devices with a user
 * (allLicensedUsers), or the members of a group, minus the members of excluded groups
 * (exclusion wins, as in Intune).
 */
import { GraphError } from '@baton/kit';

const invalid = (message: string) => new GraphError(400, 'BadRequest', message);

export const TARGET_TYPES = {
  allDevices: '#microsoft.graph.allDevicesAssignmentTarget',
  allLicensedUsers: '#microsoft.graph.allLicensedUsersAssignmentTarget',
  group: '#microsoft.graph.groupAssignmentTarget',
  exclusionGroup: '#microsoft.graph.exclusionGroupAssignmentTarget',
} as const;

const TYPES: ReadonlySet<string> = new Set(Object.values(TARGET_TYPES));
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AssignmentTarget {
  '@odata.type': string;
  groupId?: string;
  deviceAndAppManagementAssignmentFilterId?: string | null;
  deviceAndAppManagementAssignmentFilterType?: string;
}

/** Validates one target object; a Graph 400 for anything else. */
export function parseTarget(raw: unknown): AssignmentTarget {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid("Each assignment needs a 'target' object.");
  const t = raw as Record<string, unknown>;
  const type = t['@odata.type'];
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw invalid(`Unsupported assignment target '@odata.type'; expected one of ${[...TYPES].join(', ')}.`);
  }
  if (type === TARGET_TYPES.group || type === TARGET_TYPES.exclusionGroup) {
    if (typeof t.groupId !== 'string' || !GUID_RE.test(t.groupId)) throw invalid(`A ${type.slice(17)} needs a 'groupId' GUID.`);
    return { '@odata.type': type, groupId: t.groupId.toLowerCase() };
  }
  return { '@odata.type': type };
}

export function needsGroups(targets: readonly AssignmentTarget[]): boolean {
  return targets.some((t) => t.groupId !== undefined);
}

/** Whether targets select a device in `groups` (its groups, and its user's). */
export function targetsDevice(targets: readonly AssignmentTarget[], device: { userId: string | null }, groups: ReadonlySet<string>): boolean {
  let included = false;
  for (const t of targets) {
    switch (t['@odata.type']) {
      case TARGET_TYPES.exclusionGroup:
        if (groups.has(t.groupId!)) return false;
        break;
      case TARGET_TYPES.allDevices:
        included = true;
        break;
      case TARGET_TYPES.allLicensedUsers:
        if (device.userId) included = true;
        break;
      case TARGET_TYPES.group:
        if (groups.has(t.groupId!)) included = true;
        break;
    }
  }
  return included;
}
