/**
 * BitLocker recovery keys escrowed by joined devices (Entra's "BitLocker keys" of a device)
 * and read back by administrators through Graph's `informationProtection/bitlocker/recoveryKeys`.
 * The recovery password is sealed with identity's secret box before it reaches the store and
 * opened only for a single-key read that asks for `key`, which is audited first.
 */
import { BITLOCKER_VOLUME_TYPES, type BitLockerVolumeType } from '@baton/contracts';
import { parseFilter, type FilterNode } from '@baton/protocols';
import { drsErrors } from '../errors.js';
import type { BitLockerKeyRecord } from '../store/bitlocker-keys-store.js';
import type { DeviceRecord, TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { GUID_RE, isGuid } from './ids.js';
const PASSWORD_RE = /^\d{6}(?:-\d{6}){7}$/;

/**
 * A BitLocker recovery password: 48 digits in eight groups of six, each group a 16-bit value
 * times 11, so a group is divisible by 11 and below 65536 × 11 (the check BitLocker's own
 * recovery screen applies to each group as it is typed).
 */
export function isRecoveryPassword(value: string): boolean {
  if (!PASSWORD_RE.test(value)) return false;
  return value.split('-').every((group) => {
    const n = Number(group);
    return n % 11 === 0 && n / 11 < 65536;
  });
}

export interface EscrowedKey {
  kid: string;
  key: string;
  vol: BitLockerVolumeType;
}

/**
 * The escrow request's claims, checked one by one so that anything else is the 400 of DRS's
 * error shape, never an exception of another kind.
 */
export function readEscrowClaims(payload: unknown): EscrowedKey {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw drsErrors.invalidBody('The escrow request carries no claims.');
  const { kid, key, vol } = payload as Record<string, unknown>;
  if (typeof kid !== 'string' || !GUID_RE.test(kid)) throw drsErrors.invalidBody("'kid' must be the key protector's id, a GUID.");
  if (typeof key !== 'string' || !isRecoveryPassword(key)) throw drsErrors.invalidBody("'key' must be a 48-digit BitLocker recovery password.");
  const volume = vol === undefined ? 'operatingSystemVolume' : vol;
  if (typeof volume !== 'string' || !(BITLOCKER_VOLUME_TYPES as readonly string[]).includes(volume) || volume === 'unknownFutureValue') {
    throw drsErrors.invalidBody("'vol' must be operatingSystemVolume, fixedDataVolume or removableDataVolume.");
  }
  return { kid: kid.toLowerCase(), key, vol: volume as BitLockerVolumeType };
}

export interface EscrowOutcome {
  record: BitLockerKeyRecord;
  /** False when the device had escrowed this key id already (a retry, or a re-run of the backup). */
  created: boolean;
}

/**
 * Stores the device's key. The same key id again is a no-op; a key id another device
 * escrowed is refused, since a device may only speak for its own volumes.
 */
export async function escrowRecoveryKey(deps: IdentityDeps, tenant: TenantRecord, device: DeviceRecord, key: EscrowedKey): Promise<EscrowOutcome> {
  const record: BitLockerKeyRecord = {
    tenantId: tenant.id,
    id: key.kid,
    deviceObjectId: device.id,
    deviceId: device.deviceId,
    volumeType: key.vol,
    sealedKey: deps.secrets.seal(key.key),
    createdAt: deps.now().toISOString(),
  };
  if (await deps.bitLockerKeys.insertIfAbsent(record)) return { record, created: true };
  const existing = await deps.bitLockerKeys.find(tenant.id, key.kid);
  if (!existing || existing.deviceObjectId !== device.id) throw drsErrors.keyOfAnotherDevice();
  return { record: existing, created: false };
}

/** Graph's bitlockerRecoveryKey; `key` only when the caller asked for it and may read it. */
export function graphRecoveryKey(record: BitLockerKeyRecord, key?: string) {
  return {
    id: record.id,
    createdDateTime: record.createdAt,
    volumeType: record.volumeType,
    deviceId: record.deviceId,
    ...(key !== undefined ? { key } : {}),
  };
}

/**
 * `deviceId eq '…'`, the one filter Graph documents for the list, read by the shared OData
 * parser; undefined when there is none, null for any other filter.
 */
export function deviceIdFilter(filter: string | undefined): string | undefined | null {
  if (filter === undefined || filter.trim() === '') return undefined;
  let node: FilterNode;
  try {
    node = parseFilter(filter);
  } catch {
    return null;
  }
  if (node.kind !== 'compare' || node.op !== 'eq' || node.left.kind !== 'property' || node.left.path.join('/') !== 'deviceId') return null;
  const value = node.right.kind === 'literal' && (node.right.type === 'string' || node.right.type === 'guid') ? node.right.value : undefined;
  return value !== undefined && isGuid(value) ? value.toLowerCase() : null;
}

export { GUID_RE as BITLOCKER_KEY_ID_RE };
