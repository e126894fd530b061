/**
 * Deployment profiles. Graph's beta carries two generations of property names and clients
 * split between them, so a profile is stored under the current names and written back
 * under both.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentProfile, ProfileOdataType } from '../store/types.js';
import { discoveryErrors } from '../errors.js';
import { deviceNameTemplateProblem } from './device-name-template.js';
import { nowIso, type DiscoveryDeps } from './deps.js';
import { startWalk, tenantWalk } from './tenant-walk.js';

const PROFILE_TYPES: Record<string, ProfileOdataType> = {
  'microsoft.graph.azureadwindowsautopilotdeploymentprofile': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
  'microsoft.graph.activedirectorywindowsautopilotdeploymentprofile': '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile',
};

/** Legacy OOBE (outOfBoxExperienceSettings) name → current (outOfBoxExperienceSetting) name. */
const LEGACY_OOBE_NAMES = {
  hidePrivacySettings: 'privacySettingsHidden',
  hideEULA: 'eulaHidden',
  userType: 'userType',
  deviceUsageType: 'deviceUsageType',
  skipKeyboardSelectionPage: 'keyboardSelectionPageSkipped',
  hideEscapeLink: 'escapeLinkHidden',
} as const;

export interface OobeSetting {
  privacySettingsHidden: boolean;
  eulaHidden: boolean;
  userType: 'administrator' | 'standard';
  deviceUsageType: 'singleUser' | 'shared';
  keyboardSelectionPageSkipped: boolean;
  escapeLinkHidden: boolean;
}

export interface ProfileSettings {
  locale: string;
  hardwareHashExtractionEnabled: boolean;
  preprovisioningAllowed: boolean;
  deviceNameTemplate: string | null;
  deviceType: string;
  outOfBoxExperienceSetting: OobeSetting;
  enrollmentStatusScreenSettings: Record<string, unknown> | null;
  roleScopeTagIds: string[];
  managementServiceAppId: string | null;
  hybridAzureADJoinSkipConnectivityCheck?: boolean;
}

const DEFAULT_OOBE: OobeSetting = {
  privacySettingsHidden: false,
  eulaHidden: false,
  userType: 'administrator',
  deviceUsageType: 'singleUser',
  keyboardSelectionPageSkipped: false,
  escapeLinkHidden: false,
};

const DEVICE_TYPES = new Set(['windowsPc', 'holoLens', 'surfaceHub2', 'surfaceHub2S', 'virtualMachine']);

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value under the current name, else under the legacy one. */
function pick(body: Body, current: string, legacy: string): unknown {
  return body[current] !== undefined ? body[current] : body[legacy];
}

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw discoveryErrors.badRequest(`${name} must be a boolean.`);
  return value;
}

function text(value: unknown, name: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw discoveryErrors.badRequest(`${name} must be a string.`);
  if (value.length > max) throw discoveryErrors.badRequest(`${name} is longer than ${max} characters.`);
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw discoveryErrors.badRequest(`${name} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

export function profileOdataType(value: unknown): ProfileOdataType {
  if (typeof value !== 'string') {
    throw discoveryErrors.badRequest('@odata.type is required: a deployment profile is abstract in Graph.');
  }
  const type = PROFILE_TYPES[value.replace(/^#/, '').toLowerCase()];
  if (!type) throw discoveryErrors.badRequest(`@odata.type '${value}' is not a Windows Autopilot deployment profile type.`);
  return type;
}

function parseOobe(body: Body): OobeSetting {
  const current = body.outOfBoxExperienceSetting;
  const legacy = body.outOfBoxExperienceSettings;
  if (current !== undefined && current !== null && !isObject(current)) {
    throw discoveryErrors.badRequest('outOfBoxExperienceSetting must be an object.');
  }
  if (legacy !== undefined && legacy !== null && !isObject(legacy)) {
    throw discoveryErrors.badRequest('outOfBoxExperienceSettings must be an object.');
  }
  const cur = (current ?? {}) as Body;
  const old = (legacy ?? {}) as Body;
  const get = (legacyName: keyof typeof LEGACY_OOBE_NAMES) => {
    const name = LEGACY_OOBE_NAMES[legacyName];
    return cur[name] !== undefined ? cur[name] : old[legacyName];
  };
  return {
    privacySettingsHidden: bool(get('hidePrivacySettings'), 'privacySettingsHidden', DEFAULT_OOBE.privacySettingsHidden),
    eulaHidden: bool(get('hideEULA'), 'eulaHidden', DEFAULT_OOBE.eulaHidden),
    userType: oneOf(get('userType'), 'userType', ['administrator', 'standard'] as const, DEFAULT_OOBE.userType),
    deviceUsageType: oneOf(get('deviceUsageType'), 'deviceUsageType', ['singleUser', 'shared'] as const, DEFAULT_OOBE.deviceUsageType),
    keyboardSelectionPageSkipped: bool(get('skipKeyboardSelectionPage'), 'keyboardSelectionPageSkipped', DEFAULT_OOBE.keyboardSelectionPageSkipped),
    escapeLinkHidden: bool(get('hideEscapeLink'), 'escapeLinkHidden', DEFAULT_OOBE.escapeLinkHidden),
  };
}

export interface ProfileInput {
  odataType: ProfileOdataType;
  displayName: string;
  description: string | null;
  settings: ProfileSettings;
}

/** Validates a POSTed profile body, accepting legacy and current names alike. */
export function parseProfileInput(body: Body): ProfileInput {
  const odataType = profileOdataType(body['@odata.type']);
  const displayName = text(body.displayName, 'displayName', 200);
  if (!displayName || displayName.trim() === '') throw discoveryErrors.badRequest('displayName is required.');
  const description = text(body.description, 'description', 1500);
  const locale = text(pick(body, 'locale', 'language'), 'locale', 85) ?? 'os-default';
  const deviceNameTemplate = text(body.deviceNameTemplate, 'deviceNameTemplate', 63);
  // A hybrid-joined device takes its name from the domain join profile, so its template is never used and not judged.
  if (deviceNameTemplate && odataType !== '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile') {
    const problem = deviceNameTemplateProblem(deviceNameTemplate);
    if (problem) throw discoveryErrors.badRequest(`Invalid deviceNameTemplate '${deviceNameTemplate}': ${problem}.`);
  }
  const deviceType = text(body.deviceType, 'deviceType', 40) ?? 'windowsPc';
  if (!DEVICE_TYPES.has(deviceType)) throw discoveryErrors.badRequest(`deviceType '${deviceType}' is not a Windows Autopilot device type.`);
  const esp = body.enrollmentStatusScreenSettings;
  if (esp !== undefined && esp !== null && !isObject(esp)) throw discoveryErrors.badRequest('enrollmentStatusScreenSettings must be an object.');
  const roleScopeTagIds = body.roleScopeTagIds ?? ['0'];
  if (!Array.isArray(roleScopeTagIds) || !roleScopeTagIds.every((t) => typeof t === 'string')) {
    throw discoveryErrors.badRequest('roleScopeTagIds must be an array of strings.');
  }
  const settings: ProfileSettings = {
    locale,
    hardwareHashExtractionEnabled: bool(pick(body, 'hardwareHashExtractionEnabled', 'extractHardwareHash'), 'hardwareHashExtractionEnabled', false),
    preprovisioningAllowed: bool(pick(body, 'preprovisioningAllowed', 'enableWhiteGlove'), 'preprovisioningAllowed', false),
    deviceNameTemplate,
    deviceType,
    outOfBoxExperienceSetting: parseOobe(body),
    enrollmentStatusScreenSettings: (esp as Body | null | undefined) ?? null,
    roleScopeTagIds: roleScopeTagIds as string[],
    managementServiceAppId: text(body.managementServiceAppId, 'managementServiceAppId', 100),
  };
  if (odataType === '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile') {
    settings.hybridAzureADJoinSkipConnectivityCheck = bool(
      body.hybridAzureADJoinSkipConnectivityCheck,
      'hybridAzureADJoinSkipConnectivityCheck',
      false,
    );
  }
  return { odataType, displayName, description, settings };
}

/** Reads stored settings, filling what an older row may lack. */
export function profileSettings(profile: DeploymentProfile): ProfileSettings {
  const s = profile.settings as Partial<ProfileSettings>;
  return {
    locale: s.locale ?? 'os-default',
    hardwareHashExtractionEnabled: s.hardwareHashExtractionEnabled ?? false,
    preprovisioningAllowed: s.preprovisioningAllowed ?? false,
    deviceNameTemplate: s.deviceNameTemplate ?? null,
    deviceType: s.deviceType ?? 'windowsPc',
    outOfBoxExperienceSetting: { ...DEFAULT_OOBE, ...(s.outOfBoxExperienceSetting ?? {}) },
    enrollmentStatusScreenSettings: s.enrollmentStatusScreenSettings ?? null,
    roleScopeTagIds: s.roleScopeTagIds ?? ['0'],
    managementServiceAppId: s.managementServiceAppId ?? null,
    ...(s.hybridAzureADJoinSkipConnectivityCheck !== undefined
      ? { hybridAzureADJoinSkipConnectivityCheck: s.hybridAzureADJoinSkipConnectivityCheck }
      : {}),
  };
}

/** The Graph representation, under both generations of names. */
export function renderProfile(profile: DeploymentProfile): Record<string, unknown> {
  const s = profileSettings(profile);
  const oobe = s.outOfBoxExperienceSetting;
  const legacyOobe: Record<string, unknown> = {};
  for (const [legacy, current] of Object.entries(LEGACY_OOBE_NAMES)) legacyOobe[legacy] = oobe[current as keyof OobeSetting];
  const out: Record<string, unknown> = {
    '@odata.type': profile.odataType,
    id: profile.id,
    displayName: profile.displayName,
    description: profile.description,
    language: s.locale,
    locale: s.locale,
    createdDateTime: profile.createdDateTime,
    lastModifiedDateTime: profile.lastModifiedDateTime,
    outOfBoxExperienceSettings: legacyOobe,
    outOfBoxExperienceSetting: { ...oobe },
    enrollmentStatusScreenSettings: s.enrollmentStatusScreenSettings,
    extractHardwareHash: s.hardwareHashExtractionEnabled,
    hardwareHashExtractionEnabled: s.hardwareHashExtractionEnabled,
    deviceNameTemplate: s.deviceNameTemplate,
    deviceType: s.deviceType,
    enableWhiteGlove: s.preprovisioningAllowed,
    preprovisioningAllowed: s.preprovisioningAllowed,
    roleScopeTagIds: s.roleScopeTagIds,
    managementServiceAppId: s.managementServiceAppId,
  };
  if (s.hybridAzureADJoinSkipConnectivityCheck !== undefined) {
    out.hybridAzureADJoinSkipConnectivityCheck = s.hybridAzureADJoinSkipConnectivityCheck;
  }
  return out;
}

export async function createProfile(deps: DiscoveryDeps, tenantId: string, body: Body): Promise<DeploymentProfile> {
  const input = parseProfileInput(body);
  const now = nowIso(deps);
  const profile: DeploymentProfile = {
    id: randomUUID(),
    tenantId,
    odataType: input.odataType,
    displayName: input.displayName,
    description: input.description,
    settings: input.settings as unknown as Record<string, unknown>,
    createdDateTime: now,
    lastModifiedDateTime: now,
  };
  await deps.store.createProfile(profile);
  return profile;
}

/** Legacy top-level name → current name, for PATCH bodies that carry only one of them. */
const LEGACY_NAMES: Record<string, string> = {
  language: 'locale',
  extractHardwareHash: 'hardwareHashExtractionEnabled',
  enableWhiteGlove: 'preprovisioningAllowed',
  outOfBoxExperienceSettings: 'outOfBoxExperienceSetting',
};

/**
 * PATCH: the body's properties replace the stored ones, under either generation of names; a
 * complex value (the OOBE settings) is replaced whole, as Graph replaces complex properties.
 * `managementServiceAppId` may be sent or left out (IntuneManagement strips it); the profile's
 * type may be restated but not changed.
 */
export async function updateProfile(deps: DiscoveryDeps, tenantId: string, id: string, patch: Body, traceParent?: string): Promise<DeploymentProfile> {
  const existing = await requireProfile(deps, tenantId, id);
  if (patch['@odata.type'] !== undefined && patch['@odata.type'] !== null) {
    const requested = typeof patch['@odata.type'] === 'string' ? PROFILE_TYPES[patch['@odata.type'].replace(/^#/, '').toLowerCase()] : undefined;
    if (requested !== existing.odataType) {
      throw discoveryErrors.badRequest(`@odata.type cannot change from '${existing.odataType}'; delete the profile and create one of the other type.`);
    }
  }
  const base: Body = { ...renderProfile(existing) };
  for (const [legacy, current] of Object.entries(LEGACY_NAMES)) {
    delete base[legacy];
    // The body names only the legacy spelling: it must win over the stored current one.
    if (patch[legacy] !== undefined && patch[current] === undefined) delete base[current];
  }
  const input = parseProfileInput({ ...base, ...patch, '@odata.type': existing.odataType });
  const updated: DeploymentProfile = {
    ...existing,
    displayName: input.displayName,
    description: input.description,
    settings: input.settings as unknown as Record<string, unknown>,
    lastModifiedDateTime: nowIso(deps),
  };
  // Identity's device objects carry the profile's name (enrollmentProfileName), which dynamic
  // groups read: a walk sends the new name to each device whose profile this is.
  const renamed = updated.displayName !== existing.displayName && (await deps.store.tenantAssignments(tenantId)).some((e) => e.profile.id === id);
  const walk = renamed ? tenantWalk({ tenantId }, traceParent) : undefined;
  if (!(await deps.store.updateProfile(updated, walk ? [walk] : []))) throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfile', id);
  if (walk) await startWalk(deps, walk);
  return updated;
}

export const PROFILE_PROPERTY_NAMES = [
  'id', 'displayName', 'description', 'language', 'locale', 'createdDateTime', 'lastModifiedDateTime', 'outOfBoxExperienceSettings',
  'outOfBoxExperienceSetting', 'enrollmentStatusScreenSettings', 'extractHardwareHash', 'hardwareHashExtractionEnabled',
  'deviceNameTemplate', 'deviceType', 'enableWhiteGlove', 'preprovisioningAllowed', 'roleScopeTagIds', 'managementServiceAppId',
  'hybridAzureADJoinSkipConnectivityCheck',
] as const;

export async function requireProfile(deps: DiscoveryDeps, tenantId: string, id: string): Promise<DeploymentProfile> {
  const profile = await deps.store.getProfile(tenantId, id);
  if (!profile) throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfile', id);
  return profile;
}
