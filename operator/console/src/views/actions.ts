/** Intune's remote actions the console offers, with what each does to the device. Pure. */
import { PATHS } from '../graph/paths.js';

export type ActionName =
  | 'syncDevice'
  | 'rebootNow'
  | 'retire'
  | 'wipe'
  | 'windowsDefenderScan'
  | 'windowsDefenderUpdateSignatures'
  | 'rotateBitLockerKeys'
  | 'setDeviceName';

export interface RemoteAction {
  /** Unique per button: a quick and a full scan are one Graph action with two bodies. */
  id: string;
  /** The Graph action's segment: POST managedDevices/{id}/{name}. */
  name: ActionName;
  label: string;
  warning: string;
  body?: Record<string, unknown>;
  /** Graph has rotateBitLockerKeys and setDeviceName in beta only; the rest are in v1.0 too. */
  version: 'v1.0' | 'beta';
  /** Retire and wipe take the device out of use: the toolbar sets them apart from the routine ones. */
  destructive?: boolean;
}

export const REMOTE_ACTIONS: RemoteAction[] = [
  { id: 'sync', name: 'syncDevice', version: 'v1.0', label: 'Sync', warning: 'The device checks in at its next OMA-DM session and receives its policies and apps again.' },
  { id: 'restart', name: 'rebootNow', version: 'v1.0', label: 'Restart', warning: 'The device restarts at its next check-in; unsaved work on it is lost.' },
  {
    id: 'quickScan',
    name: 'windowsDefenderScan',
    version: 'v1.0',
    label: 'Quick scan',
    warning: 'Microsoft Defender runs a quick scan at the next check-in and then reports its health.',
    body: { quickScan: true },
  },
  {
    id: 'fullScan',
    name: 'windowsDefenderScan',
    version: 'v1.0',
    label: 'Full scan',
    warning: 'Microsoft Defender scans every file on the device at the next check-in, which can take hours and slows the device meanwhile.',
    body: { quickScan: false },
  },
  {
    id: 'updateSignatures',
    name: 'windowsDefenderUpdateSignatures',
    version: 'v1.0',
    label: 'Update Defender signatures',
    warning: 'Microsoft Defender fetches its latest security intelligence at the next check-in.',
  },
  {
    id: 'rotateBitLocker',
    name: 'rotateBitLockerKeys',
    version: 'beta',
    label: 'Rotate BitLocker keys',
    warning: 'The device replaces its BitLocker recovery passwords at the next check-in; the current ones stop working.',
  },
  { id: 'retire', name: 'retire', version: 'v1.0', destructive: true, label: 'Retire', warning: 'Company data, policies and apps are removed and the device leaves management.' },
  {
    id: 'wipe',
    name: 'wipe',
    version: 'v1.0',
    destructive: true,
    label: 'Wipe',
    warning: 'The device is reset to factory settings: every user and all data on it are removed.',
    body: { keepEnrollmentData: false, keepUserData: false },
  },
];

/** The rename is its own dialog (it needs the new name), so it is not in REMOTE_ACTIONS. */
export const RENAME_ACTION: RemoteAction = {
  id: 'rename',
  name: 'setDeviceName',
  version: 'beta',
  label: 'Rename',
  warning: 'Windows takes the new name at its next restart.',
};

/** Graph's names for the action results table, as the Intune portal shows them. */
const RESULT_LABELS: Record<ActionName, string> = {
  syncDevice: 'Sync',
  rebootNow: 'Restart',
  retire: 'Retire',
  wipe: 'Wipe',
  windowsDefenderScan: 'Defender scan',
  windowsDefenderUpdateSignatures: 'Defender signature update',
  rotateBitLockerKeys: 'BitLocker key rotation',
  setDeviceName: 'Rename',
};

export function resultLabel(actionName: string): string {
  return Object.hasOwn(RESULT_LABELS, actionName) ? RESULT_LABELS[actionName as ActionName] : actionName;
}

export function actionPath(deviceId: string, action: RemoteAction): string {
  const base = action.version === 'beta' ? PATHS.managedDevicesBeta : PATHS.managedDevices;
  return `${base}/${encodeURIComponent(deviceId)}/${action.name}`;
}
