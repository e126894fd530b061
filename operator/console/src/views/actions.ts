/** Intune's remote actions the console offers, with what each does to the device. Pure. */
export interface RemoteAction {
  /** The Graph action's segment: POST managedDevices/{id}/{name}. */
  name: 'syncDevice' | 'rebootNow' | 'retire' | 'wipe';
  label: string;
  warning: string;
  body?: Record<string, unknown>;
}

export const REMOTE_ACTIONS: RemoteAction[] = [
  { name: 'syncDevice', label: 'Sync', warning: 'The device checks in at its next OMA-DM session and receives its policies and apps again.' },
  { name: 'rebootNow', label: 'Restart', warning: 'The device restarts at its next check-in; unsaved work on it is lost.' },
  { name: 'retire', label: 'Retire', warning: 'Company data, policies and apps are removed and the device leaves management.' },
  {
    name: 'wipe',
    label: 'Wipe',
    warning: 'The device is reset to factory settings: every user and all data on it are removed.',
    body: { keepEnrollmentData: false, keepUserData: false },
  },
];

export function actionPath(managedDevicesPath: string, deviceId: string, action: RemoteAction): string {
  return `${managedDevicesPath}/${encodeURIComponent(deviceId)}/${action.name}`;
}
