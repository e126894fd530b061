/**
 * The bodies of the remote actions that take parameters: windowsDefenderScan's `quickScan` and
 * setDeviceName's `deviceName`. Anything else is a Graph 400 before a command is queued.
 */
import { graphErrorsManagement } from '../errors.js';

/** Windows' NetBIOS limit: a longer computer name is cut on the network, so Windows refuses it. */
export const MAX_DEVICE_NAME = 15;

function object(raw: unknown, action: string): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw graphErrorsManagement.badQuery(`The ${action} body must be a JSON object.`);
  return raw as Record<string, unknown>;
}

/**
 * windowsDefenderScan: `quickScan` is an Edm.Boolean; the Intune portal sends "true"/"false"
 * strings as it does for wipe. Left out, the scan is a full one, as `false` would ask.
 */
export function readScanBody(raw: unknown): { quickScan: boolean } {
  const value = object(raw, 'windowsDefenderScan').quickScan;
  if (value === undefined || value === null) return { quickScan: false };
  if (typeof value === 'boolean') return { quickScan: value };
  if (value === 'true' || value === 'false') return { quickScan: value === 'true' };
  throw graphErrorsManagement.badQuery('quickScan must be a boolean.');
}

/**
 * A Windows computer name: 1 to 15 characters, letters, digits and hyphens only (a DNS host
 * label: no spaces, dots or the characters NetBIOS forbids), and not digits alone, which
 * Windows refuses because a numeric name reads as an address. The CSP's naming macros
 * (%SERIAL%, %RAND:n%) are not taken: Baton shows the name it set, so it must be the name.
 */
export function isComputerName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_DEVICE_NAME && /^[A-Za-z0-9-]+$/.test(name) && !/^\d+$/.test(name);
}

/** `deviceName` of a setDeviceName body (or of a bulk executeAction's). */
export function readDeviceName(raw: unknown, field = 'deviceName'): string {
  const value = object(raw, 'setDeviceName')[field];
  if (typeof value !== 'string') throw graphErrorsManagement.badQuery(`Property '${field}' is required: the device's new name.`);
  if (!isComputerName(value)) {
    throw graphErrorsManagement.badQuery(
      `'${value.slice(0, 32)}' is not a valid device name: at most ${MAX_DEVICE_NAME} letters, digits or hyphens, not digits alone.`,
    );
  }
  return value;
}
