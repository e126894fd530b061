/**
 * How the Intune portal names an assignment's target and an app assignment's intent. Group
 * targets carry only an id; the caller passes the names it resolved through identity. Pure.
 */
export interface AssignmentTarget {
  '@odata.type': string;
  groupId?: string;
}

/** The group ids an assignment list names, once each, for resolving through /groups/{id}. */
export function groupIdsOf(targets: AssignmentTarget[]): string[] {
  return [...new Set(targets.map((t) => t.groupId).filter((id): id is string => typeof id === 'string' && id !== ''))];
}

/** `groupName` is the resolved display name, or undefined while (or if) it cannot be read. */
export function targetName(target: AssignmentTarget, groupName?: string): string {
  const type = target['@odata.type'].replace('#microsoft.graph.', '');
  const group = groupName ?? target.groupId ?? 'unknown group';
  switch (type) {
    case 'allDevicesAssignmentTarget':
      return 'All devices';
    case 'allLicensedUsersAssignmentTarget':
      return 'All users';
    // Included or excluded is said by targetMode, in a column of its own.
    case 'groupAssignmentTarget':
    case 'exclusionGroupAssignmentTarget':
      return group;
    default:
      return type;
  }
}

/** Whether the target includes or excludes, as the portal's "Included/Excluded" column says. */
export function targetMode(target: AssignmentTarget): 'Included' | 'Excluded' {
  return target['@odata.type'].endsWith('exclusionGroupAssignmentTarget') ? 'Excluded' : 'Included';
}

const INTENTS: Record<string, string> = {
  required: 'Required',
  available: 'Available for enrolled devices',
  uninstall: 'Uninstall',
  availableWithoutEnrollment: 'Available with or without enrollment',
};

export function intentLabel(intent: string): string {
  return Object.hasOwn(INTENTS, intent) ? INTENTS[intent]! : intent;
}
