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
