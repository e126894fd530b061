/**
 * Profile assignments and which profile a device gets. Every target is recorded as sent,
 * but only all-devices targets decide a device's profile for now: group targets need group
 * membership, which identity owns and discovery does not read yet.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentProfile, ProfileAssignment } from '../store/types.js';
import { discoveryErrors } from '../errors.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { requireProfile } from './profiles.js';

export const TARGET_TYPES = {
  allDevices: '#microsoft.graph.allDevicesAssignmentTarget',
  group: '#microsoft.graph.groupAssignmentTarget',
  exclusionGroup: '#microsoft.graph.exclusionGroupAssignmentTarget',
} as const;

/** Targets that currently resolve a device's profile. */
export const HONOURED_TARGET_TYPES: string[] = [TARGET_TYPES.allDevices];

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
): Promise<ProfileAssignment> {
  await requireProfile(deps, tenantId, profileId);
  const target = parseTarget(body.target);
  // Clients such as WindowsAutopilotIntune choose ids like {profileId}_{groupId}_0 and delete by them.
  let id: string = randomUUID();
  if (body.id !== undefined && body.id !== null && body.id !== '') {
    if (typeof body.id !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(body.id)) {
      throw discoveryErrors.badRequest('id must be letters, digits, hyphens and underscores.');
    }
    id = body.id;
  }
  const assignment: ProfileAssignment = { id, profileId, tenantId, target, createdDateTime: nowIso(deps) };
  if (!(await deps.store.addAssignment(assignment))) {
    throw discoveryErrors.conflict(`The profile already has an assignment with id '${id}'.`);
  }
  return assignment;
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

export interface EffectiveProfile {
  profile: DeploymentProfile;
  assignment: ProfileAssignment;
}

/** The profile devices in the tenant get: the newest honoured assignment wins. */
export function effectiveProfile(deps: DiscoveryDeps, tenantId: string): Promise<EffectiveProfile | undefined> {
  return deps.store.newestAssignment(tenantId, HONOURED_TARGET_TYPES);
}
