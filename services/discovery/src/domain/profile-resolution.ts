/**
 * Which profile a device gets. Group targets are resolved against discovery's mirror of the
 * groups' members (group-membership.ts), which identity's change notifications keep current;
 * identity owns the groups, discovery only reads them.
 */
import type { AutopilotDevice, DeploymentProfile, ProfileAssignment } from '../store/types.js';
import type { DiscoveryDeps } from './deps.js';

export const TARGET_TYPES = {
  allDevices: '#microsoft.graph.allDevicesAssignmentTarget',
  group: '#microsoft.graph.groupAssignmentTarget',
  exclusionGroup: '#microsoft.graph.exclusionGroupAssignmentTarget',
} as const;

export const NO_GROUPS: ReadonlySet<string> = new Set();

export interface EffectiveProfile {
  profile: DeploymentProfile;
  assignment: ProfileAssignment;
}

export type AssignmentStatus = 'assignedInSync' | 'notAssigned' | 'pending';

export interface DeviceProfileView {
  effective: EffectiveProfile | undefined;
  status: AssignmentStatus;
  /** When the device got its current profile; undefined when it has none. */
  assignedDateTime: string | undefined;
}

export type ProfileEntry = { assignment: ProfileAssignment; profile: DeploymentProfile };

const olderProfileFirst = (a: ProfileEntry, b: ProfileEntry) =>
  a.profile.createdDateTime.localeCompare(b.profile.createdDateTime) ||
  a.profile.id.localeCompare(b.profile.id) ||
  a.assignment.createdDateTime.localeCompare(b.assignment.createdDateTime);

/**
 * Precedence as Microsoft documents it ("Autopilot profile priority", Configure Autopilot
 * profiles, learn.microsoft.com/autopilot/profiles): a device in several groups with
 * different profiles gets the oldest created profile; the profile assigned to all devices
 * is the default, applied only when no group-assigned profile applies. An exclusion group
 * removes its profile from the device whatever includes it, as Intune exclusions do.
 * Among several all-devices assignments the newest wins, as discovery has always done,
 * since Microsoft documents no rule for that case.
 */
export function resolveProfile(entries: ProfileEntry[], groups: ReadonlySet<string>): EffectiveProfile | undefined {
  const excluded = new Set(
    entries
      .filter((e) => e.assignment.target['@odata.type'] === TARGET_TYPES.exclusionGroup && groups.has(String(e.assignment.target.groupId)))
      .map((e) => e.profile.id),
  );
  const applicable = entries.filter((e) => !excluded.has(e.profile.id));
  const byGroup = applicable
    .filter((e) => e.assignment.target['@odata.type'] === TARGET_TYPES.group && groups.has(String(e.assignment.target.groupId)))
    .sort(olderProfileFirst);
  if (byGroup[0]) return { profile: byGroup[0].profile, assignment: byGroup[0].assignment };
  const fallback = applicable
    .filter((e) => e.assignment.target['@odata.type'] === TARGET_TYPES.allDevices)
    .sort((a, b) => b.assignment.createdDateTime.localeCompare(a.assignment.createdDateTime) || b.assignment.id.localeCompare(a.assignment.id));
  return fallback[0] && { profile: fallback[0].profile, assignment: fallback[0].assignment };
}

/** Everything a tenant's devices are resolved against, read once for a batch of devices. */
export async function tenantResolver(deps: DiscoveryDeps, tenantId: string) {
  const [entries, unsynced] = await Promise.all([deps.store.tenantAssignments(tenantId), deps.store.unsyncedGroups(tenantId)]);
  return {
    entries,
    /** A targeted group's members are not known yet, so any device may still change profile. */
    pending: unsynced.length > 0,
    resolve: (groups: ReadonlySet<string> | undefined) => resolveProfile(entries, groups ?? NO_GROUPS),
  };
}

/** Profile, status and assignment time of each device, keyed by ZTDId. */
export async function describeDevices(deps: DiscoveryDeps, tenantId: string, devices: AutopilotDevice[]): Promise<Map<string, DeviceProfileView>> {
  const resolver = await tenantResolver(deps, tenantId);
  const ids = devices.map((d) => d.azureActiveDirectoryDeviceId);
  const [groups, states] = await Promise.all([deps.store.groupsOfDevices(tenantId, ids), deps.store.profileStates(tenantId, ids)]);
  const out = new Map<string, DeviceProfileView>();
  for (const device of devices) {
    const effective = resolver.resolve(groups.get(device.azureActiveDirectoryDeviceId));
    const state = states.get(device.azureActiveDirectoryDeviceId);
    let assignedDateTime: string | undefined;
    if (effective) {
      assignedDateTime =
        state && state.profileId === effective.profile.id
          ? state.changed
          : [effective.assignment.createdDateTime, device.createdDateTime].sort().at(-1);
    }
    const status: AssignmentStatus = resolver.pending ? 'pending' : effective ? 'assignedInSync' : 'notAssigned';
    out.set(device.id, { effective, status, assignedDateTime });
  }
  return out;
}

/** The display name of the profile a device gets now, null when it gets none: what its placeholder carries. */
export async function currentProfileName(deps: DiscoveryDeps, device: AutopilotDevice): Promise<string | null> {
  const [resolver, groups] = await Promise.all([
    tenantResolver(deps, device.tenantId),
    deps.store.groupsOfDevices(device.tenantId, [device.azureActiveDirectoryDeviceId]),
  ]);
  return resolver.resolve(groups.get(device.azureActiveDirectoryDeviceId))?.profile.displayName ?? null;
}

/** The profile one device gets now. */
export async function effectiveProfile(deps: DiscoveryDeps, device: AutopilotDevice): Promise<EffectiveProfile | undefined> {
  return (await describeDevices(deps, device.tenantId, [device])).get(device.id)?.effective;
}
