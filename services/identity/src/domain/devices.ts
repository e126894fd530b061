/**
 * The directory's device objects as Graph shows them, and the Autopilot placeholder
 * upsert discovery sends through its outbox (at least once, so it must be idempotent).
 */
import { randomUUID } from 'node:crypto';
import { identityGraphErrors } from '../errors.js';
import { StoreConflictError, ztdIdFromPhysicalIds, type DeviceOwnership, type DevicePatch, type DeviceQuery, type DeviceRecord, type IdentityStore } from '../store/store.js';
import { profileTypeOf } from './autopilot-mode.js';
import { releaseDeviceCredentials, revokeDeviceCredentials } from './device-revocation.js';
import { isGuid } from './ids.js';
import { directorySkiptoken } from './directory-cursor.js';
import type { IdentityDeps } from './deps.js';
import type { DirectoryFeed } from './notifications/feed.js';

export interface GraphDevice {
  id: string;
  deviceId: string;
  displayName: string;
  physicalIds: string[];
  trustType: string | null;
  accountEnabled: boolean;
  operatingSystem: string | null;
  operatingSystemVersion: string | null;
  isCompliant: boolean | null;
  isManaged: boolean | null;
  approximateLastSignInDateTime: string | null;
  createdDateTime: string;
  registrationDateTime: string | null;
  mdmAppId: string | null;
  complianceExpirationDateTime: string | null;
  deviceOwnership: string | null;
  enrollmentProfileName: string | null;
  profileType: string | null;
  extensionAttributes: Record<string, string | null>;
}

export const EXTENSION_ATTRIBUTE_NAMES = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);

/** Graph lists all fifteen, null where unset. */
function extensionAttributesOf(d: DeviceRecord): Record<string, string | null> {
  return Object.fromEntries(EXTENSION_ATTRIBUTE_NAMES.map((name) => [name, d.extensionAttributes?.[name] ?? null]));
}

/** The properties `$select` may name on a device. */
export const DEVICE_SELECT = [
  'id',
  'deviceId',
  'displayName',
  'physicalIds',
  'trustType',
  'accountEnabled',
  'operatingSystem',
  'operatingSystemVersion',
  'isCompliant',
  'isManaged',
  'approximateLastSignInDateTime',
  'createdDateTime',
  'registrationDateTime',
  'mdmAppId',
  'complianceExpirationDateTime',
  'deviceOwnership',
  'enrollmentProfileName',
  'profileType',
  'extensionAttributes',
] as const satisfies ReadonlyArray<keyof GraphDevice>;

export function graphDevice(d: DeviceRecord): GraphDevice {
  return {
    id: d.id,
    deviceId: d.deviceId,
    displayName: d.displayName,
    physicalIds: d.physicalIds,
    trustType: d.trustType,
    accountEnabled: d.accountEnabled,
    operatingSystem: d.operatingSystem,
    operatingSystemVersion: d.operatingSystemVersion,
    isCompliant: d.isCompliant,
    isManaged: d.isManaged,
    approximateLastSignInDateTime: d.approximateLastSignIn,
    createdDateTime: d.createdAt,
    registrationDateTime: d.registeredAt,
    mdmAppId: d.mdmAppId ?? null,
    complianceExpirationDateTime: d.complianceExpiration ?? null,
    deviceOwnership: d.deviceOwnership ?? null,
    enrollmentProfileName: d.enrollmentProfileName ?? null,
    // Entra shows RegisteredDevice for joined and registered devices alike, Shared for a self-deploying one.
    profileType: profileTypeOf(d),
    extensionAttributes: extensionAttributesOf(d),
  };
}

export interface DeviceUpsert {
  displayName?: string;
  physicalIds?: string[];
  operatingSystem?: string;
  operatingSystemVersion?: string;
  accountEnabled?: boolean;
  deviceOwnership?: DeviceOwnership;
  /** Null clears it. */
  enrollmentProfileName?: string | null;
  /** Merged into the stored ones; a null value removes that attribute. */
  extensionAttributes?: Record<string, string | null>;
}


/**
 * PATCH devices(deviceId='…'): updates the object, or with create-if-missing creates
 * it. Join state (trust type, certificate, owner) is never touched here, so a late
 * redelivery cannot undo a join.
 */
export async function upsertDevice(
  store: IdentityStore,
  feed: DirectoryFeed,
  tenantId: string,
  deviceId: string,
  input: DeviceUpsert,
  createIfMissing: boolean,
  now: Date,
): Promise<{ created: boolean; mergedInto?: DeviceRecord; device: DeviceRecord }> {
  if (!isGuid(deviceId)) throw identityGraphErrors.invalidValue(`deviceId '${deviceId.slice(0, 64)}' is not a GUID.`);
  const at = now.toISOString();
  const update = async (s: IdentityStore, existing: DeviceRecord) => {
    const patch = { ...patchFrom(existing, input), modifiedAt: at };
    await s.updateDevice(tenantId, existing.id, patch);
    const device = { ...existing, ...patch };
    await feed.deviceWritten(s, tenantId, existing, device);
    return { created: false, device };
  };
  const attempt = () =>
    store.transaction(async (tx) => {
      const existing = await tx.findDeviceByDeviceId(tenantId, deviceId);
      if (existing) return update(tx, existing);
      if (!createIfMissing) throw identityGraphErrors.deviceNotFound(deviceId);
      // The device may have joined before the Autopilot placeholder arrived (the outbox
      // delivers at least once, not before the device boots). The object the join made
      // for that ZTDId is the device: merge the registration's physical ids into it and
      // tell the caller its real device id, instead of creating a second object.
      const ztdId = ztdIdFromPhysicalIds(input.physicalIds ?? []);
      const joined = ztdId ? await tx.findDeviceByZtdId(tenantId, ztdId) : undefined;
      // The same placeholder committed by a concurrent delivery is an ordinary update.
      if (joined && joined.deviceId === deviceId.toLowerCase()) return update(tx, joined);
      if (joined) {
        const physicalIds = [...new Set([...joined.physicalIds, ...(input.physicalIds ?? [])])];
        // The Autopilot profile's name is the registration's to say, as its physical ids are.
        const patch = { physicalIds, modifiedAt: at, ...(input.enrollmentProfileName !== undefined ? { enrollmentProfileName: input.enrollmentProfileName } : {}) };
        await tx.updateDevice(tenantId, joined.id, patch);
        const merged = { ...joined, ...patch };
        await feed.deviceWritten(tx, tenantId, joined, merged);
        return { created: false, mergedInto: merged, device: merged };
      }
      if (!input.displayName) throw identityGraphErrors.invalidValue('displayName is required to create a device.');
      const device: DeviceRecord = {
        id: randomUUID(),
        deviceId: deviceId.toLowerCase(),
        tenantId,
        displayName: input.displayName,
        physicalIds: input.physicalIds ?? [],
        ztdId: null,
        trustType: null,
        accountEnabled: input.accountEnabled ?? true,
        operatingSystem: input.operatingSystem ?? null,
        operatingSystemVersion: input.operatingSystemVersion ?? null,
        isCompliant: null,
        isManaged: null,
        certThumbprint: null,
        certPem: null,
        transportKey: null,
        registeredOwnerUserId: null,
        approximateLastSignIn: null,
        registeredAt: null,
        createdAt: at,
        modifiedAt: at,
        ...patchFrom(undefined, { deviceOwnership: input.deviceOwnership, enrollmentProfileName: input.enrollmentProfileName, extensionAttributes: input.extensionAttributes }),
      };
      await tx.insertDevice(device);
      await feed.deviceWritten(tx, tenantId, undefined, device);
      return { created: true, device };
    });
  try {
    const result = await attempt();
    feed.committed();
    return result;
  } catch (error) {
    // Two deliveries raced to create the same object: the loser becomes an update.
    if (!(error instanceof StoreConflictError)) throw error;
    const ztdConflict = () => identityGraphErrors.conflict('Another device object already holds this [ZTDID] physical id.');
    const existing = await store.findDeviceByDeviceId(tenantId, deviceId);
    if (!existing) throw ztdConflict();
    try {
      const result = await store.transaction((tx) => update(tx, existing));
      feed.committed();
      return result;
    } catch (retryError) {
      if (retryError instanceof StoreConflictError) throw ztdConflict();
      throw retryError;
    }
  }
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The store patch an upsert makes: extension attributes merge into the stored ones. */
function patchFrom(existing: DeviceRecord | undefined, input: DeviceUpsert): DevicePatch {
  const { extensionAttributes, ...rest } = input;
  const patch: DevicePatch = definedOnly(rest);
  if (extensionAttributes) {
    const merged: Record<string, string> = { ...(existing?.extensionAttributes ?? {}) };
    for (const [name, value] of Object.entries(extensionAttributes)) {
      if (!EXTENSION_ATTRIBUTE_NAMES.includes(name)) throw identityGraphErrors.invalidValue(`'${name.slice(0, 40)}' is not one of extensionAttribute1..15.`);
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    patch.extensionAttributes = merged;
  }
  return patch;
}

/** PATCH devices/{id}: the attributes an administrator may change, disabling included. */
export async function patchDevice(deps: IdentityDeps, tenantId: string, id: string, input: DeviceUpsert): Promise<void> {
  const at = deps.now().toISOString();
  await deps.store.transaction(async (tx) => {
    const existing = await getDevice(tx, tenantId, id);
    const patch = { ...patchFrom(existing, input), modifiedAt: at };
    try {
      await tx.updateDevice(tenantId, existing.id, patch);
    } catch (error) {
      if (error instanceof StoreConflictError) throw identityGraphErrors.conflict('Another device object already holds this [ZTDID] physical id.');
      throw error;
    }
    if (existing.accountEnabled && patch.accountEnabled === false) await revokeDeviceCredentials(tx, existing, 'certificateHold', at);
    if (!existing.accountEnabled && patch.accountEnabled === true) await releaseDeviceCredentials(tx, existing);
    await deps.feed.deviceWritten(tx, tenantId, existing, { ...existing, ...patch });
  });
  deps.feed.committed();
}

/** DELETE devices/{id}: the object leaves every group it was in. */
export async function deleteDevice(deps: IdentityDeps, tenantId: string, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const existing = await getDevice(tx, tenantId, id);
    await revokeDeviceCredentials(tx, existing, 'cessationOfOperation', deps.now().toISOString());
    await tx.deleteDevice(tenantId, existing.id);
    await deps.feed.deviceWritten(tx, tenantId, existing, undefined);
  });
  deps.feed.committed();
}

export async function getDevice(store: IdentityStore, tenantId: string, id: string): Promise<DeviceRecord> {
  const device = isGuid(id) ? await store.findDevice(tenantId, id) : undefined;
  if (!device) throw identityGraphErrors.deviceNotFound(id);
  return device;
}

export async function getDeviceByDeviceId(store: IdentityStore, tenantId: string, deviceId: string): Promise<DeviceRecord> {
  const device = isGuid(deviceId) ? await store.findDeviceByDeviceId(tenantId, deviceId) : undefined;
  if (!device) throw identityGraphErrors.deviceNotFound(deviceId);
  return device;
}

/** One page of `/devices` (see DeviceQuery), with the token of the next if there is one. */
export async function listDevices(store: IdentityStore, tenantId: string, query: DeviceQuery) {
  const rows = await store.listDevices(tenantId, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  return { devices: page, nextSkiptoken: rows.length > query.limit ? directorySkiptoken({ ...graphDevice(page[page.length - 1]!) }, query.orderby) : undefined };
}
