/**
 * Graph `windows10EnrollmentCompletionPageConfiguration` (the Enrollment Status Page) under
 * `deviceManagement/deviceEnrollmentConfigurations`. Beta carries the ESP's real settings;
 * v1.0 shows only the base properties and allowNonBlockingAppInstallation.
 */
import { appErrors, type GraphVersion } from './mobile-app.js';
import type { EspConfiguration } from './store.js';

export const ESP_TYPE = '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Kind = 'boolean' | 'text' | 'minutes' | 'appIds' | 'tags';
const SETTINGS: Record<string, Kind> = {
  showInstallationProgress: 'boolean',
  blockDeviceSetupRetryByUser: 'boolean',
  allowDeviceResetOnInstallFailure: 'boolean',
  allowLogCollectionOnInstallFailure: 'boolean',
  customErrorMessage: 'text',
  installProgressTimeoutInMinutes: 'minutes',
  allowDeviceUseOnInstallFailure: 'boolean',
  selectedMobileAppIds: 'appIds',
  allowNonBlockingAppInstallation: 'boolean',
  installQualityUpdates: 'boolean',
  trackInstallProgressForAutopilotOnly: 'boolean',
  disableUserStatusTrackingAfterFirstUser: 'boolean',
  roleScopeTagIds: 'tags',
};
const V1_SETTINGS = new Set(['allowNonBlockingAppInstallation']);

export function defaultEspSettings(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(SETTINGS)) out[name] = kind === 'boolean' ? false : kind === 'minutes' ? 60 : kind === 'appIds' ? [] : kind === 'tags' ? ['0'] : null;
  return out;
}

export interface EspInput {
  displayName?: string;
  description?: string | null;
  priority?: number;
  settings: Record<string, unknown>;
}

export function parseEspInput(body: unknown, mode: 'create' | 'update'): EspInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw appErrors.invalid('The request body must be a JSON object.');
  const raw = body as Record<string, unknown>;
  const type = raw['@odata.type'];
  if (mode === 'create' || type !== undefined) {
    const t = typeof type === 'string' ? (type.startsWith('#') ? type : `#${type}`) : undefined;
    if (t !== ESP_TYPE) throw appErrors.invalid(`Unsupported '@odata.type'; this collection takes ${ESP_TYPE}.`);
  }
  const input: EspInput = { settings: {} };
  const bad = (name: string, what: string) => appErrors.invalid(`Invalid value for property '${name}': expected ${what}.`);
  for (const [name, value] of Object.entries(raw)) {
    if (name === '@odata.type' || name === 'id' || name === 'createdDateTime' || name === 'lastModifiedDateTime' || name === 'version' || name === 'deviceEnrollmentConfigurationType') continue;
    if (name === 'displayName') {
      if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw bad(name, 'a non-empty string of at most 200 characters');
      input.displayName = value;
      continue;
    }
    if (name === 'description') {
      if (value !== null && (typeof value !== 'string' || value.length > 1500)) throw bad(name, 'a string of at most 1500 characters');
      input.description = value as string | null;
      continue;
    }
    if (name === 'priority') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) throw bad(name, 'an integer from 0 to 10000');
      input.priority = value;
      continue;
    }
    const kind = Object.hasOwn(SETTINGS, name) ? SETTINGS[name] : undefined;
    if (!kind) throw appErrors.invalid(`Property '${name}' does not exist on windows10EnrollmentCompletionPageConfiguration or cannot be set.`);
    switch (kind) {
      case 'boolean':
        if (typeof value !== 'boolean') throw bad(name, 'a boolean');
        break;
      case 'text':
        if (value !== null && (typeof value !== 'string' || value.length > 10_000)) throw bad(name, 'a string of at most 10000 characters');
        break;
      case 'minutes':
        // The DMClient CSP takes 1 to 1,440 minutes.
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1440) throw bad(name, 'an integer from 1 to 1440');
        break;
      case 'appIds':
        if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && GUID.test(v))) throw bad(name, 'at most 100 app ids (GUIDs)');
        input.settings[name] = (value as string[]).map((v) => v.toLowerCase());
        continue;
      case 'tags':
        if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && v.length <= 64)) throw bad(name, 'an array of scope tag ids');
        break;
    }
    input.settings[name] = value;
  }
  if (mode === 'create' && input.displayName === undefined) throw appErrors.invalid("'displayName' is required.");
  return input;
}

export function toGraphEsp(c: EspConfiguration, version: GraphVersion): Record<string, unknown> {
  const settings = Object.fromEntries(Object.entries(c.properties).filter(([k]) => k !== 'description' && (version === 'beta' || V1_SETTINGS.has(k))));
  return {
    '@odata.type': ESP_TYPE,
    id: c.id,
    displayName: c.displayName,
    description: (c.properties.description as string | null | undefined) ?? null,
    priority: c.priority,
    createdDateTime: c.createdAt,
    lastModifiedDateTime: c.modifiedAt,
    version: c.version,
    ...(version === 'beta' ? { deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration' } : {}),
    ...settings,
  };
}

/** The ESP's settings as the device is told them (DMClient FirstSyncStatus). */
export function espBehaviour(c: EspConfiguration): { shown: boolean; timeoutMinutes: number; blockInStatusPage: number; allowCollectLogs: boolean; customErrorText: string | null; selectedAppIds: string[] } {
  const p = c.properties;
  const on = (name: string) => p[name] === true;
  return {
    shown: on('showInstallationProgress'),
    timeoutMinutes: typeof p.installProgressTimeoutInMinutes === 'number' ? p.installProgressTimeoutInMinutes : 60,
    // 1 reset, 2 try again, 4 continue anyway: the remediations the page offers on failure.
    blockInStatusPage: (on('allowDeviceResetOnInstallFailure') ? 1 : 0) | (on('blockDeviceSetupRetryByUser') ? 0 : 2) | (on('allowDeviceUseOnInstallFailure') ? 4 : 0),
    allowCollectLogs: on('allowLogCollectionOnInstallFailure'),
    customErrorText: typeof p.customErrorMessage === 'string' && p.customErrorMessage !== '' ? p.customErrorMessage : null,
    selectedAppIds: Array.isArray(p.selectedMobileAppIds) ? (p.selectedMobileAppIds as string[]) : [],
  };
}
