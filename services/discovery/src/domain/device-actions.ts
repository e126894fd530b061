/**
 * The bound actions on windowsAutopilotDeviceIdentity that admin tools call:
 * updateDeviceProperties, assignUserToDevice, unassignUserFromDevice, and beta's collection
 * action deleteDevices. A group tag lives on identity's placeholder too (as `[OrderID]:`), so
 * changing it queues the placeholder message again, in the transaction that changes it.
 */
import { TOPICS } from '@baton/contracts';
import type { AutopilotDevice, DevicePatch } from '../store/types.js';
import { discoveryErrors } from '../errors.js';
import type { DiscoveryDeps } from './deps.js';
import { placeholderMessage } from './registration.js';

type Body = Record<string, unknown>;

const LIMITS = { userPrincipalName: 320, addressableUserName: 256, groupTag: 256, displayName: 256 } as const;

/** Field names match ignoring case, as Graph's JSON reader does for this action. */
function field(body: Body, name: keyof typeof LIMITS): string | null | undefined {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  const value = body[key];
  if (value === null) return null;
  if (typeof value !== 'string') throw discoveryErrors.badRequest(`${name} must be a string.`);
  if (value.length > LIMITS[name]) throw discoveryErrors.badRequest(`${name} is longer than ${LIMITS[name]} characters.`);
  // Graph stores an empty string as "no value"; so does Baton.
  return value.trim() === '' ? null : value.trim();
}

function requireObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw discoveryErrors.badRequest('The request body must be a JSON object.');
  return body as Body;
}

async function applyPatch(deps: DiscoveryDeps, tenantId: string, id: string, patch: DevicePatch, traceParent?: string): Promise<AutopilotDevice> {
  const before = await deps.store.getDevice(tenantId, id);
  if (!before) throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', id);
  const groupTagChanges = patch.groupTag !== undefined && (patch.groupTag ?? null) !== (before.groupTag ?? null);
  const updated = await deps.store.updateDevice(tenantId, id, patch, (device) =>
    groupTagChanges ? { topic: TOPICS.placeholderDeviceRequested, payload: placeholderMessage(device), traceParent } : undefined,
  );
  if (!updated) throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', id);
  if (groupTagChanges) deps.outboxWritten?.();
  return updated;
}

export function updateDeviceProperties(deps: DiscoveryDeps, tenantId: string, id: string, rawBody: unknown, traceParent?: string): Promise<AutopilotDevice> {
  const body = requireObject(rawBody);
  const patch: DevicePatch = {};
  for (const name of Object.keys(LIMITS) as Array<keyof typeof LIMITS>) {
    const value = field(body, name);
    if (value !== undefined) patch[name] = value;
  }
  return applyPatch(deps, tenantId, id, patch, traceParent);
}

export function assignUserToDevice(deps: DiscoveryDeps, tenantId: string, id: string, rawBody: unknown): Promise<AutopilotDevice> {
  const body = requireObject(rawBody);
  const userPrincipalName = field(body, 'userPrincipalName');
  if (!userPrincipalName) throw discoveryErrors.badRequest('userPrincipalName is required.');
  const patch: DevicePatch = { userPrincipalName };
  const addressableUserName = field(body, 'addressableUserName');
  if (addressableUserName !== undefined) patch.addressableUserName = addressableUserName;
  return applyPatch(deps, tenantId, id, patch);
}

export function unassignUserFromDevice(deps: DiscoveryDeps, tenantId: string, id: string): Promise<AutopilotDevice> {
  return applyPatch(deps, tenantId, id, { userPrincipalName: null, addressableUserName: null });
}

export interface DeletedDeviceState {
  serialNumber: string;
  deviceRegistrationId: string;
  deletionState: 'accepted' | 'failed';
  errorMessage: string;
}

const MAX_DELETE = 500;

/** Answers one state per serial number asked for, in the order asked. */
export async function deleteDevices(deps: DiscoveryDeps, tenantId: string, rawBody: unknown): Promise<DeletedDeviceState[]> {
  const body = requireObject(rawBody);
  const serials = body.serialNumbers;
  if (!Array.isArray(serials) || serials.length === 0 || serials.length > MAX_DELETE || !serials.every((s) => typeof s === 'string' && s.length <= 256)) {
    throw discoveryErrors.badRequest(`serialNumbers must be an array of 1 to ${MAX_DELETE} strings.`);
  }
  const deleted = await deps.store.deleteDevicesBySerial(tenantId, serials as string[]);
  const bySerial = new Map<string, AutopilotDevice[]>();
  for (const d of deleted) bySerial.set(d.serialNumber.toLowerCase(), [...(bySerial.get(d.serialNumber.toLowerCase()) ?? []), d]);
  return (serials as string[]).map((serialNumber) => {
    const found = bySerial.get(serialNumber.toLowerCase());
    if (!found || found.length === 0) {
      return { serialNumber, deviceRegistrationId: '', deletionState: 'failed', errorMessage: 'No Autopilot device has this serial number.' };
    }
    return { serialNumber, deviceRegistrationId: found.map((d) => d.id).join(','), deletionState: 'accepted', errorMessage: '' };
  });
}
