/**
 * `#microsoft.graph.windows10CompliancePolicy` as Graph spells it: which properties exist
 * (v1.0, and the security ones only beta has), their types, and the validation that turns
 * an administrator's JSON into a stored policy or a Graph 400.
 */
import { GraphError } from '@baton/kit';

export const WINDOWS10_COMPLIANCE_TYPE = '#microsoft.graph.windows10CompliancePolicy';

type Kind = 'boolean' | 'version' | 'int' | 'passwordType' | 'threatLevel' | 'string' | 'buildRanges';

/** v1.0 CSDL properties of windows10CompliancePolicy. */
const V1_PROPERTIES: Record<string, Kind> = {
  bitLockerEnabled: 'boolean',
  codeIntegrityEnabled: 'boolean',
  earlyLaunchAntiMalwareDriverEnabled: 'boolean',
  mobileOsMaximumVersion: 'version',
  mobileOsMinimumVersion: 'version',
  osMaximumVersion: 'version',
  osMinimumVersion: 'version',
  passwordBlockSimple: 'boolean',
  passwordExpirationDays: 'int',
  passwordMinimumCharacterSetCount: 'int',
  passwordMinimumLength: 'int',
  passwordMinutesOfInactivityBeforeLock: 'int',
  passwordPreviousPasswordBlockCount: 'int',
  passwordRequired: 'boolean',
  passwordRequiredToUnlockFromIdle: 'boolean',
  passwordRequiredType: 'passwordType',
  requireHealthyDeviceReport: 'boolean',
  secureBootEnabled: 'boolean',
  storageRequireEncryption: 'boolean',
};

/** Only beta has the Defender, firewall, TPM and virtualization-based security settings. */
const BETA_PROPERTIES: Record<string, Kind> = {
  activeFirewallRequired: 'boolean',
  antiSpywareRequired: 'boolean',
  antivirusRequired: 'boolean',
  configurationManagerComplianceRequired: 'boolean',
  defenderEnabled: 'boolean',
  defenderVersion: 'string',
  deviceThreatProtectionEnabled: 'boolean',
  deviceThreatProtectionRequiredSecurityLevel: 'threatLevel',
  firmwareProtectionEnabled: 'boolean',
  kernelDmaProtectionEnabled: 'boolean',
  memoryIntegrityEnabled: 'boolean',
  rtpEnabled: 'boolean',
  signatureOutOfDate: 'boolean',
  tpmRequired: 'boolean',
  validOperatingSystemBuildRanges: 'buildRanges',
  virtualizationBasedSecurityEnabled: 'boolean',
};

const PASSWORD_TYPES = ['deviceDefault', 'alphanumeric', 'numeric'];
const THREAT_LEVELS = ['unavailable', 'secured', 'low', 'medium', 'high', 'notSet'];
export const ACTION_TYPES = ['noAction', 'notification', 'block', 'retire', 'wipe', 'removeResourceAccessProfiles', 'pushNotification'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type GraphVersion = 'v1.0' | 'beta';

export interface BuildRange {
  description: string | null;
  lowestVersion: string;
  highestVersion: string;
}

/** The settings as stored: every property of the type, with Graph's default when unset. */
export type ComplianceSettings = Record<string, boolean | string | number | null | BuildRange[]>;

export interface ScheduledActionConfiguration {
  id: string;
  actionType: ActionType;
  gracePeriodHours: number;
  notificationTemplateId: string;
  notificationMessageCCList: string[];
}

export interface ScheduledActionForRule {
  id: string;
  ruleName: string | null;
  scheduledActionConfigurations: ScheduledActionConfiguration[];
}

export interface CompliancePolicy {
  id: string;
  tenantId: string;
  displayName: string;
  description: string | null;
  createdAt: string;
  modifiedAt: string;
  /** Graph's `version`, bumped by every change. */
  version: number;
  settings: ComplianceSettings;
  scheduledActions: ScheduledActionForRule[];
}

export const policyErrors = {
  invalid: (message: string) => new GraphError(400, 'BadRequest', message),
  notFound: (id: string) => new GraphError(404, 'ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
};

/** Graph's defaults: booleans false, everything else null (passwordRequiredType deviceDefault). */
export function defaultSettings(): ComplianceSettings {
  const out: ComplianceSettings = {};
  for (const [name, kind] of Object.entries({ ...V1_PROPERTIES, ...BETA_PROPERTIES })) {
    out[name] = kind === 'boolean' ? false : kind === 'passwordType' ? 'deviceDefault' : kind === 'buildRanges' ? [] : null;
  }
  return out;
}

const VERSION_RE = /^\d{1,9}(\.\d{1,9}){1,3}$/;
const KNOWN_BASE = new Set(['@odata.type', 'id', 'displayName', 'description', 'createdDateTime', 'lastModifiedDateTime', 'version', 'scheduledActionsForRule', 'roleScopeTagIds', 'assignments']);

function checkValue(name: string, kind: Kind, value: unknown): ComplianceSettings[string] {
  const bad = (what: string) => policyErrors.invalid(`Invalid value for property '${name}': expected ${what}.`);
  if (value === null) {
    if (kind === 'boolean') throw bad('a boolean');
    return kind === 'passwordType' ? 'deviceDefault' : kind === 'buildRanges' ? [] : null;
  }
  switch (kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('a boolean');
      return value;
    case 'version':
      if (typeof value !== 'string' || !VERSION_RE.test(value)) throw bad('a dotted version such as 10.0.22631.2861');
      return value;
    case 'int':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 2 ** 31 - 1) throw bad('a non-negative 32-bit integer');
      return value as number;
    case 'passwordType':
      if (typeof value !== 'string' || !PASSWORD_TYPES.includes(value)) throw bad(PASSWORD_TYPES.join(' | '));
      return value;
    case 'threatLevel':
      if (typeof value !== 'string' || !THREAT_LEVELS.includes(value)) throw bad(THREAT_LEVELS.join(' | '));
      return value;
    case 'string':
      if (typeof value !== 'string' || value.length > 256) throw bad('a string of at most 256 characters');
      return value;
    case 'buildRanges': {
      if (!Array.isArray(value) || value.length > 100) throw bad('an array of at most 100 operatingSystemVersionRange objects');
      return value.map((r: unknown) => {
        const range = (r ?? {}) as Record<string, unknown>;
        if (typeof r !== 'object' || Array.isArray(r) || typeof range.lowestVersion !== 'string' || typeof range.highestVersion !== 'string') {
          throw bad('operatingSystemVersionRange objects with lowestVersion and highestVersion');
        }
        if (!VERSION_RE.test(range.lowestVersion) || !VERSION_RE.test(range.highestVersion)) throw bad('dotted versions in each range');
        if (compareVersions(range.lowestVersion, range.highestVersion) > 0) throw bad('lowestVersion not above highestVersion');
        const description = range.description === undefined || range.description === null ? null : String(range.description).slice(0, 256);
        return { description, lowestVersion: range.lowestVersion, highestVersion: range.highestVersion };
      });
    }
  }
}

/** Dotted numeric comparison; missing parts count as 0 (10.0 = 10.0.0.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function checkText(body: Record<string, unknown>, name: string, max: number, required: boolean): string | null | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw policyErrors.invalid(`Property '${name}' is required.`);
    return undefined;
  }
  if (value === null && !required) return null;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw policyErrors.invalid(`Invalid value for property '${name}': expected a non-empty string of at most ${max} characters.`);
  }
  return value;
}

function checkScheduledActions(raw: unknown, newId: () => string): ScheduledActionForRule[] {
  if (!Array.isArray(raw) || raw.length > 10) throw policyErrors.invalid("'scheduledActionsForRule' must be an array of at most 10 rules.");
  return raw.map((rule: unknown) => {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw policyErrors.invalid('Each scheduledActionsForRule item must be an object.');
    const r = rule as Record<string, unknown>;
    const configs = r.scheduledActionConfigurations ?? [];
    if (!Array.isArray(configs) || configs.length > 20) throw policyErrors.invalid("'scheduledActionConfigurations' must be an array of at most 20 actions.");
    return {
      id: newId(),
      ruleName: typeof r.ruleName === 'string' ? r.ruleName.slice(0, 256) : null,
      scheduledActionConfigurations: configs.map((c: unknown) => {
        const item = (c ?? {}) as Record<string, unknown>;
        if (typeof c !== 'object' || Array.isArray(c) || !ACTION_TYPES.includes(item.actionType as ActionType)) {
          throw policyErrors.invalid(`Each scheduled action needs an actionType of ${ACTION_TYPES.join(' | ')}.`);
        }
        const grace = item.gracePeriodHours ?? 0;
        // Intune allows up to 365 days of grace.
        if (!Number.isInteger(grace) || (grace as number) < 0 || (grace as number) > 8760) {
          throw policyErrors.invalid("'gracePeriodHours' must be a whole number of hours from 0 to 8760.");
        }
        const cc = item.notificationMessageCCList ?? [];
        if (!Array.isArray(cc) || cc.some((x) => typeof x !== 'string')) throw policyErrors.invalid("'notificationMessageCCList' must be an array of strings.");
        return {
          id: newId(),
          actionType: item.actionType as ActionType,
          gracePeriodHours: grace as number,
          notificationTemplateId: typeof item.notificationTemplateId === 'string' ? item.notificationTemplateId : '00000000-0000-0000-0000-000000000000',
          notificationMessageCCList: cc as string[],
        };
      }),
    };
  });
}

export interface PolicyInput {
  displayName?: string;
  description?: string | null;
  settings: Partial<ComplianceSettings>;
  scheduledActions?: ScheduledActionForRule[];
}

/**
 * Validates a create (every required field) or PATCH body. Unknown properties, beta-only
 * properties on v1.0, a wrong @odata.type and wrong value types are all a Graph 400.
 */
export function parsePolicyInput(raw: unknown, version: GraphVersion, mode: 'create' | 'update', newId: () => string): PolicyInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw policyErrors.invalid('The request body must be a JSON object.');
  const body = raw as Record<string, unknown>;
  const type = body['@odata.type'];
  if (mode === 'create' && type === undefined) throw policyErrors.invalid("Property '@odata.type' is required: deviceCompliancePolicy is abstract.");
  if (type !== undefined && type !== WINDOWS10_COMPLIANCE_TYPE && type !== WINDOWS10_COMPLIANCE_TYPE.slice(1)) {
    // String() would throw on a JSON object whose toString is not a function, so only a string is quoted.
    const named = typeof type === 'string' ? `'${type.slice(0, 100)}'` : `of JSON type ${type === null ? 'null' : Array.isArray(type) ? 'array' : typeof type}`;
    throw policyErrors.invalid(`Unsupported @odata.type ${named}; Baton manages ${WINDOWS10_COMPLIANCE_TYPE}.`);
  }
  const settings: Partial<ComplianceSettings> = {};
  for (const [name, value] of Object.entries(body)) {
    if (KNOWN_BASE.has(name) || name.endsWith('@odata.type')) continue;
    const kind = V1_PROPERTIES[name] ?? (version === 'beta' ? BETA_PROPERTIES[name] : undefined);
    if (!kind) {
      const betaOnly = BETA_PROPERTIES[name] !== undefined;
      throw policyErrors.invalid(
        betaOnly
          ? `Property '${name}' exists only on /beta for windows10CompliancePolicy.`
          : `Property '${name.slice(0, 100)}' does not exist on type 'microsoft.graph.windows10CompliancePolicy'.`,
      );
    }
    settings[name] = checkValue(name, kind, value);
  }
  const min = settings.osMinimumVersion ?? null;
  const max = settings.osMaximumVersion ?? null;
  if (typeof min === 'string' && typeof max === 'string' && compareVersions(min, max) > 0) {
    throw policyErrors.invalid("'osMinimumVersion' must not be above 'osMaximumVersion'.");
  }
  const input: PolicyInput = { settings };
  const displayName = checkText(body, 'displayName', 256, mode === 'create');
  if (displayName) input.displayName = displayName;
  const description = checkText(body, 'description', 1024, false);
  if (description !== undefined) input.description = description;
  if (body.scheduledActionsForRule !== undefined) input.scheduledActions = checkScheduledActions(body.scheduledActionsForRule, newId);
  return input;
}

/** The settings Graph shows on a version: v1.0 hides the beta-only ones. */
export function visibleSettings(settings: ComplianceSettings, version: GraphVersion): ComplianceSettings {
  if (version === 'beta') return settings;
  const out: ComplianceSettings = {};
  for (const name of Object.keys(V1_PROPERTIES)) out[name] = settings[name] ?? null;
  return out;
}

export function toGraphPolicy(policy: CompliancePolicy, version: GraphVersion): Record<string, unknown> {
  return {
    '@odata.type': WINDOWS10_COMPLIANCE_TYPE,
    id: policy.id,
    createdDateTime: policy.createdAt,
    description: policy.description,
    displayName: policy.displayName,
    lastModifiedDateTime: policy.modifiedAt,
    version: policy.version,
    ...(version === 'beta' ? { roleScopeTagIds: ['0'] } : {}),
    ...visibleSettings(policy.settings, version),
  };
}

/**
 * Hours a device may stay noncompliant before it counts as such: the block action's grace
 * period (Intune's "Mark device noncompliant" action). No block action means no grace.
 */
export function gracePeriodHours(policy: Pick<CompliancePolicy, 'scheduledActions'>): number {
  let hours = 0;
  for (const rule of policy.scheduledActions) {
    for (const action of rule.scheduledActionConfigurations) if (action.actionType === 'block') hours = Math.max(hours, action.gracePeriodHours);
  }
  return hours;
}
