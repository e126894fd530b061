/** The words and order of the device page's BitLocker section. Pure. */

export interface RecoveryKey {
  id: string;
  createdDateTime: string;
  volumeType: string;
  deviceId: string;
  /** Present only on a single-key read that asked for it with `$select=key`. */
  key?: string;
}

const VOLUMES: Record<string, string> = {
  operatingSystemVolume: 'Operating system volume',
  fixedDataVolume: 'Fixed data volume',
  removableDataVolume: 'Removable data volume',
};

export function volumeLabel(volumeType: string): string {
  return VOLUMES[volumeType] ?? volumeType;
}

/**
 * Newest first: after a rotation the helpdesk wants the current password on top. Identity pages
 * the list by key id, so the order is the console's to make.
 */
export function newestFirst(keys: readonly RecoveryKey[]): RecoveryKey[] {
  return [...keys].sort((a, b) => (Date.parse(b.createdDateTime) || 0) - (Date.parse(a.createdDateTime) || 0) || a.id.localeCompare(b.id));
}

/** Intune's azureADDeviceId is empty or all zeros for a device that never joined Entra. */
export function hasEntraDeviceId(deviceId: string | undefined): deviceId is string {
  return !!deviceId && !/^[0-]+$/.test(deviceId);
}
