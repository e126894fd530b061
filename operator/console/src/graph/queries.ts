/** Graph queries the views send, built in one place so their quoting is tested. Pure. */
import { PATHS } from './paths.js';
import { odataString } from './links.js';

/** Autopilot devices whose serial number contains the text; every device for blank text. */
export function serialFilterPath(serial: string): string {
  const trimmed = serial.trim();
  if (!trimmed) return PATHS.autopilotDevices;
  return `${PATHS.autopilotDevices}?$filter=${encodeURIComponent(`contains(serialNumber,${odataString(trimmed)})`)}`;
}

/** Managed devices in one compliance state, as a $count path. */
export function complianceCountPath(state: string): string {
  return `${PATHS.managedDevices}/$count?$filter=${encodeURIComponent(`complianceState eq ${odataString(state)}`)}`;
}

/** A device's BitLocker recovery keys (never the key itself), by its Entra device id. */
export function recoveryKeysPath(deviceId: string): string {
  return `${PATHS.recoveryKeys}?$filter=${encodeURIComponent(`deviceId eq ${odataString(deviceId)}`)}`;
}

/** One recovery key with its 48-digit password: identity audits every read of this path. */
export function recoveryKeyPasswordPath(keyId: string): string {
  return `${PATHS.recoveryKeys}/${encodeURIComponent(keyId)}?$select=key`;
}
