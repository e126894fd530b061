/**
 * Profile assignments, and what a change to them or to group membership moves: events,
 * recorded profile changes and placeholders. Which profile a device gets is
 * profile-resolution.ts.
 */
import type { OutboxWrite, ProfileAssignment } from '../store/types.js';
import { discoveryErrors } from '../errors.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { assignmentEvent, traceIdOf, type AssignmentChangeReason } from './events.js';
import { needsPlaceholder, placeholderResend } from './placeholder-resends.js';
import { TARGET_TYPES, tenantResolver, type ProfileEntry } from './profile-resolution.js';
import { requireProfile } from './profiles.js';
import { startWalk, tenantWalk } from './tenant-walk.js';

/**
 * Intune's id for its All Devices virtual group (Entra has no such group). Intune tooling
 * resolves it by name (e.g. IntuneManagement, community assignment reports), and Intune builds
 * assignment ids from it as it does from a real group's id.
 */
export const ALL_DEVICES_GROUP_ID = 'adadadad-808e-44e2-905a-0b7873a8a531';

/**
 * Graph's assignment id, `{profileId}_{groupId}_0`, which WindowsAutopilotIntune(Community)
 * also sends on POST and deletes by (reference §1.4). An exclusion of a group gets the same
 * form, so including and excluding one group on one profile conflict rather than coexist.
 */
export function assignmentIdFor(profileId: string, target: ProfileAssignment['target']): string {
  const groupId = typeof target.groupId === 'string' ? target.groupId : ALL_DEVICES_GROUP_ID;
  return `${profileId}_${groupId}_0`;
}

const KNOWN_TARGETS = new Map(Object.values(TARGET_TYPES).map((t) => [t.slice(1).toLowerCase(), t]));
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILTER_TYPES = new Set(['none', 'include', 'exclude']);

function parseTarget(raw: unknown): ProfileAssignment['target'] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw discoveryErrors.badRequest('target is required.');
  const body = raw as Record<string, unknown>;
  const typeName = typeof body['@odata.type'] === 'string' ? body['@odata.type'].replace(/^#/, '').toLowerCase() : '';
  const type = KNOWN_TARGETS.get(typeName);
  if (!type) {
    throw discoveryErrors.badRequest(
      `target @odata.type must be one of ${Object.values(TARGET_TYPES).join(', ')}.`,
    );
  }
  const target: ProfileAssignment['target'] = { '@odata.type': type };
  if (type !== TARGET_TYPES.allDevices) {
    if (typeof body.groupId !== 'string' || !GUID_RE.test(body.groupId)) throw discoveryErrors.badRequest('target.groupId must be a GUID.');
    target.groupId = body.groupId.toLowerCase();
  }
  const filterId = body.deviceAndAppManagementAssignmentFilterId;
  const filterType = body.deviceAndAppManagementAssignmentFilterType;
  if (filterId !== undefined && filterId !== null) {
    if (typeof filterId !== 'string' || !GUID_RE.test(filterId)) {
      throw discoveryErrors.badRequest('deviceAndAppManagementAssignmentFilterId must be a GUID.');
    }
    target.deviceAndAppManagementAssignmentFilterId = filterId;
  }
  if (filterType !== undefined && filterType !== null) {
    if (typeof filterType !== 'string' || !FILTER_TYPES.has(filterType)) {
      throw discoveryErrors.badRequest('deviceAndAppManagementAssignmentFilterType must be none, include or exclude.');
    }
    target.deviceAndAppManagementAssignmentFilterType = filterType;
  }
  return target;
}

export async function addAssignment(
  deps: DiscoveryDeps,
  tenantId: string,
  profileId: string,
  body: Record<string, unknown>,
  traceParent?: string,
): Promise<ProfileAssignment> {
  const profile = await requireProfile(deps, tenantId, profileId);
  const target = parseTarget(body.target);
  if (body.id !== undefined && body.id !== null && body.id !== '') {
    if (typeof body.id !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(body.id)) {
      throw discoveryErrors.badRequest('id must be letters, digits, hyphens and underscores.');
    }
  }
  // The id follows from the target, as Graph's does; a client's own id is not kept.
  const id = assignmentIdFor(profileId, target);
  const assignment: ProfileAssignment = { id, profileId, tenantId, target, createdDateTime: nowIso(deps) };
  const before = await deps.store.tenantAssignments(tenantId);
  const walk = (await mayMoveDevices(deps, tenantId, target))
    ? transitionWalk(deps, tenantId, before, [...before, { assignment, profile }], { reason: 'assignmentCreated', traceParent, assignmentId: id })
    : undefined;
  if (!(await deps.store.addAssignment(assignment, walk ? [walk] : []))) {
    throw discoveryErrors.conflict(`The profile already has an assignment with id '${id}'.`);
  }
  if (walk) await startWalk(deps, walk);
  // Identity being down must not fail the admin's write: the devices show `pending` and the
  // watcher's retry loop finishes the subscription later.
  if (typeof target.groupId === 'string') await deps.groups?.watch(tenantId, target.groupId);
  return assignment;
}

export async function getAssignment(deps: DiscoveryDeps, tenantId: string, profileId: string, id: string): Promise<ProfileAssignment> {
  await requireProfile(deps, tenantId, profileId);
  const assignment = await deps.store.getAssignment(tenantId, profileId, id);
  if (!assignment) throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfileAssignment', id);
  return assignment;
}

export async function deleteAssignment(deps: DiscoveryDeps, tenantId: string, profileId: string, id: string, traceParent?: string): Promise<void> {
  const before = await deps.store.tenantAssignments(tenantId);
  const existing = before.find((e) => e.assignment.profileId === profileId && e.assignment.id === id)?.assignment;
  if (!existing) throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfileAssignment', id);
  const walk = (await mayMoveDevices(deps, tenantId, existing.target))
    ? transitionWalk(deps, tenantId, before, before.filter((e) => e.assignment !== existing), { reason: 'assignmentDeleted', traceParent, assignmentId: id })
    : undefined;
  if (!(await deps.store.deleteAssignment(tenantId, profileId, id, walk ? [walk] : []))) {
    throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfileAssignment', id);
  }
  if (walk) await startWalk(deps, walk);
  if (typeof existing.target.groupId === 'string') await deps.groups?.release(tenantId, existing.target.groupId);
}

export async function deleteProfile(deps: DiscoveryDeps, tenantId: string, profileId: string, traceParent?: string): Promise<void> {
  const before = await deps.store.tenantAssignments(tenantId);
  const assignments = before.filter((e) => e.assignment.profileId === profileId).map((e) => e.assignment);
  const walk =
    assignments.length > 0
      ? transitionWalk(deps, tenantId, before, before.filter((e) => e.assignment.profileId !== profileId), { reason: 'assignmentDeleted', traceParent })
      : undefined;
  if (!(await deps.store.deleteProfile(tenantId, profileId, walk ? [walk] : []))) throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfile', profileId);
  if (walk) await startWalk(deps, walk);
  const groups = new Set(assignments.flatMap((a) => (typeof a.target.groupId === 'string' ? [a.target.groupId] : [])));
  for (const groupId of groups) await deps.groups?.release(tenantId, groupId);
}

/**
 * A group target moves only the group's mirrored members; with no mirror yet nobody moves
 * now, and the first sync reports the members as a membership change instead.
 */
async function mayMoveDevices(deps: DiscoveryDeps, tenantId: string, target: ProfileAssignment['target']): Promise<boolean> {
  if (typeof target.groupId !== 'string') return true;
  return (await deps.store.getGroupWatch(tenantId, target.groupId)) !== undefined;
}

/**
 * The walk that records, for each device of the tenant whose profile differs between the two
 * sets of assignments, an event, and queues its placeholder again when identity may hold
 * another profile name (tenant-walk.ts).
 */
function transitionWalk(
  deps: DiscoveryDeps,
  tenantId: string,
  before: ProfileEntry[],
  after: ProfileEntry[],
  change: { reason: AssignmentChangeReason; traceParent?: string; assignmentId?: string },
) {
  const { reason, traceParent, assignmentId } = change;
  const transition = { before, after, reason, traceId: traceIdOf(traceParent), at: nowIso(deps), ...(assignmentId ? { assignmentId } : {}) };
  return tenantWalk({ tenantId, transition }, traceParent);
}

export function renderAssignment(assignment: ProfileAssignment): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment',
    id: assignment.id,
    source: 'direct',
    sourceId: assignment.profileId,
    target: assignment.target,
  };
}

/**
 * Records when membership changed these devices' profile, so deploymentProfileAssignedDateTime
 * says when the device got the profile it has rather than when the assignment was made, and
 * queues the placeholder of each device whose profile name identity may not have. That is
 * judged against the name identity last accepted, not the recorded profile: a device with no
 * record, or one an assignment moved since, would otherwise be missed.
 */
export async function recordMembershipChange(deps: DiscoveryDeps, tenantId: string, deviceIds: string[]): Promise<void> {
  if (deviceIds.length === 0) return;
  const resolver = await tenantResolver(deps, tenantId);
  const [groups, states, devices] = await Promise.all([
    deps.store.groupsOfDevices(tenantId, deviceIds),
    deps.store.profileStates(tenantId, deviceIds),
    deps.store.devicesByDeviceIds(tenantId, deviceIds),
  ]);
  const byDeviceId = new Map(devices.map((d) => [d.azureActiveDirectoryDeviceId, d]));
  const at = nowIso(deps);
  // A notification carries no request of the provisioning it affects, so its events start a trace of their own.
  const traceId = traceIdOf(undefined);
  const messages: OutboxWrite[] = [];
  for (const deviceId of new Set(deviceIds)) {
    const profile = resolver.resolve(groups.get(deviceId))?.profile;
    const now = profile?.id ?? null;
    const device = byDeviceId.get(deviceId);
    if (device && needsPlaceholder(device, profile?.displayName ?? null)) messages.push(placeholderResend(device));
    const before = states.has(deviceId) ? states.get(deviceId)!.profileId : (resolver.resolve(undefined)?.profile.id ?? null);
    if (now === before) continue;
    const event = device ? assignmentEvent(deps, device, { before, after: now, reason: 'membershipChanged', traceId, at }) : undefined;
    await deps.store.putProfileState(tenantId, deviceId, now, at, event);
  }
  if (messages.length === 0) return;
  // Not woken for: the relay's next poll (a second at most) sends these. Sending them at once,
  // while the imports that caused the membership change are still being delivered, held other
  // devices' placeholders back by about a second (assignment-latency p95 55 ms → 1.05 s).
  await deps.store.enqueueMessages(messages);
}
