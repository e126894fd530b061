/** What a group member is, from the @odata.type Graph gives each member of a mixed collection. Pure. */
export interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  userPrincipalName?: string;
  deviceId?: string;
}

export function memberKind(member: DirectoryObject): 'User' | 'Device' | 'Group' | 'Other' {
  switch (member['@odata.type']) {
    case '#microsoft.graph.user':
      return 'User';
    case '#microsoft.graph.device':
      return 'Device';
    case '#microsoft.graph.group':
      return 'Group';
    default:
      return 'Other';
  }
}

/** A user by its sign-in name, a device by its Entra device id: what tells two of the same name apart. */
export function memberDetail(member: DirectoryObject): string {
  return member.userPrincipalName ?? member.deviceId ?? '—';
}
