import { createHash } from 'node:crypto';
import type { DecodedHardwareHash } from './types.js';

const clean = (value: string | undefined) => (value ?? '').trim();

/**
 * A stable device identity from the parts of the hash that survive OS updates (no build
 * numbers, no RAM or disk sizes). Hashed so the identity can be indexed and logged without
 * exposing the serials it is made of.
 */
export function hardwareIdentity(decoded: DecodedHardwareHash): string {
  const canonical = JSON.stringify([
    clean(decoded.smbiosManufacturer),
    clean(decoded.smbiosProduct),
    clean(decoded.smbiosSerial),
    clean(decoded.smbiosUuid).toUpperCase(),
    clean(decoded.disks[0]?.serial),
    decoded.networkAdapters.map((n) => n.mac.toUpperCase()).sort(),
    clean(decoded.tpmEkPub),
  ]);
  return `hwid1:${createHash('sha256').update(canonical).digest('hex')}`;
}

export type RequiredHashField = 'SmbiosSerial' | 'SmbiosManufacturer' | 'SmbiosProduct' | 'SmbiosUuid' | 'DiskSerial' | 'Mac';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** Fields Autopilot needs to identify a device, reported in order when missing or blank. */
export function requiredFieldsMissing(decoded: DecodedHardwareHash): RequiredHashField[] {
  const missing: RequiredHashField[] = [];
  if (!clean(decoded.smbiosSerial)) missing.push('SmbiosSerial');
  if (!clean(decoded.smbiosManufacturer)) missing.push('SmbiosManufacturer');
  if (!clean(decoded.smbiosProduct)) missing.push('SmbiosProduct');
  if (!clean(decoded.smbiosUuid) || decoded.smbiosUuid === ZERO_GUID) missing.push('SmbiosUuid');
  if (!decoded.disks.some((d) => clean(d.serial))) missing.push('DiskSerial');
  if (!decoded.networkAdapters.some((n) => n.mac !== '00:00:00:00:00:00')) missing.push('Mac');
  return missing;
}
