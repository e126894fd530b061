/**
 * An Enrollment Status Page configuration's key settings in words, as the portal's ESP blade
 * states them. `selectedMobileAppIds` name the blocking apps; the caller passes their names. Pure.
 */
export const ESP_TYPE = '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration';

export interface EspConfiguration {
  '@odata.type'?: string;
  id: string;
  displayName: string;
  priority?: number;
  showInstallationProgress?: boolean;
  installProgressTimeoutInMinutes?: number;
  blockDeviceSetupRetryByUser?: boolean;
  allowDeviceResetOnInstallFailure?: boolean;
  allowDeviceUseOnInstallFailure?: boolean;
  allowLogCollectionOnInstallFailure?: boolean;
  customErrorMessage?: string | null;
  selectedMobileAppIds?: string[];
  trackInstallProgressForAutopilotOnly?: boolean;
}

/** deviceEnrollmentConfigurations holds other kinds too (limits, Windows Hello); the ESP is one. */
export function isEsp(config: { '@odata.type'?: string }): boolean {
  return config['@odata.type'] === ESP_TYPE;
}

const yesNo = (value: boolean | undefined) => (value ? 'Yes' : 'No');

export function espRows(c: EspConfiguration, appNames: ReadonlyMap<string, string> = new Map()): Array<[string, string]> {
  const apps = c.selectedMobileAppIds ?? [];
  const shown = c.showInstallationProgress === true;
  return [
    ['Show app and profile progress', yesNo(shown)],
    ['Time limit', shown ? `${c.installProgressTimeoutInMinutes ?? 60} minutes` : '—'],
    ['Blocking apps', apps.length === 0 ? 'All assigned required apps' : apps.map((id) => appNames.get(id) ?? id).join(', ')],
    ['Allow the user to retry', yesNo(c.blockDeviceSetupRetryByUser !== true)],
    ['Allow reset on failure', yesNo(c.allowDeviceResetOnInstallFailure)],
    ['Allow use on failure', yesNo(c.allowDeviceUseOnInstallFailure)],
    ['Collect logs on failure', yesNo(c.allowLogCollectionOnInstallFailure)],
    ['Only for Autopilot devices', yesNo(c.trackInstallProgressForAutopilotOnly)],
    ['Error message', c.customErrorMessage || '—'],
  ];
}
