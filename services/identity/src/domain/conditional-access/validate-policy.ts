/**
 * Turns a conditionalAccessPolicy as a Graph client POSTs it, or as a Graph export returns
 * it (annotations, id, timestamps included), into the normalized body, or refuses it with a
 * coded error naming the property. Ids are lower-cased GUIDs; Graph's special values
 * (`All`, `GuestsOrExternalUsers`, `AllTrusted`, …) come back in Graph's spelling.
 */
import { MAX_RULE_LENGTH, parseRule, RuleError } from '@baton/protocols';
import { ConditionalAccessValidationError } from './errors.js';
import { validateSignInFrequency } from './session-controls.js';
import {
  enumValue,
  fail,
  flags,
  has,
  join,
  list,
  MAX_ID_LENGTH,
  object,
  optionalString,
  string,
  type Json,
} from './json-reader.js';
import {
  BUILT_IN_CONTROLS,
  CLIENT_APP_TYPES,
  DEVICE_PLATFORMS,
  FILTER_MODES,
  GUEST_OR_EXTERNAL_USER_TYPES,
  INSIDER_RISK_LEVELS,
  POLICY_STATES,
  RISK_LEVELS,
  TRANSFER_METHODS,
  USER_ACTIONS,
  type AuthenticationStrengthRef,
  type ConditionalAccessApplications,
  type ConditionalAccessClientApplications,
  type ConditionalAccessConditionSet,
  type ConditionalAccessFilter,
  type ConditionalAccessGrantControls,
  type ConditionalAccessGuestsOrExternalUsers,
  type ConditionalAccessPolicyBody,
  type ConditionalAccessUsers,
  type ExternalTenants,
} from './types.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Authentication contexts are `c1` … `c99` (Entra hands out c1–c25; the id space is wider). */
const AUTH_CONTEXT = /^c[1-9][0-9]?$/i;
const MAX_SESSION_CONTROLS_BYTES = 16 * 1024;

/** Graph properties that are read-only or that Baton keeps no state for; accepted and dropped. */
const POLICY_READ_ONLY = ['id', 'createdDateTime', 'modifiedDateTime', 'deletedDateTime', 'partialEnablementStrategy'];

export const SPECIAL = {
  users: ['All', 'None', 'GuestsOrExternalUsers'],
  groups: [] as string[],
  roles: [] as string[],
  applications: ['All', 'None', 'Office365', 'MicrosoftAdminPortals'],
  locations: ['All', 'AllTrusted'],
  servicePrincipals: ['ServicePrincipalsInMyTenant'],
};

/** A GUID (lower-cased) or one of the special values (in Graph's spelling). */
function idOrSpecial(special: readonly string[]) {
  return (v: unknown, path: string): string => {
    const text = string(v, path, { max: MAX_ID_LENGTH, min: 1 });
    const hit = special.find((s) => s.toLowerCase() === text.toLowerCase());
    if (hit) return hit;
    if (!GUID.test(text)) {
      fail('ca.value', path, `'${text.slice(0, 80)}' is not an object id${special.length ? ` or one of ${special.join(', ')}` : ''}`);
    }
    return text.toLowerCase();
  };
}

function filter(v: unknown, path: string, kind: 'device' | 'attributes'): ConditionalAccessFilter | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['mode', 'rule']);
  if (!has(o, 'mode')) fail('ca.required', join(path, 'mode'), 'is required');
  if (!has(o, 'rule')) fail('ca.required', join(path, 'rule'), 'is required');
  const mode = enumValue(o.mode, join(path, 'mode'), FILTER_MODES);
  const rulePath = join(path, 'rule');
  const rule = string(o.rule, rulePath, { max: Number.MAX_SAFE_INTEGER, min: 1 });
  if (rule.length > MAX_RULE_LENGTH) {
    throw new ConditionalAccessValidationError('ca.tooLarge', rulePath, `is ${rule.length} characters long; Entra accepts at most ${MAX_RULE_LENGTH}`, {
      position: MAX_RULE_LENGTH,
      length: rule.length - MAX_RULE_LENGTH,
    });
  }
  if (kind === 'device') {
    try {
      parseRule(rule, { dialect: 'deviceFilter' });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      throw new ConditionalAccessValidationError('ca.deviceFilter', rulePath, `${error.message} (at position ${error.position})`, {
        position: error.position,
        length: error.length,
      });
    }
  }
  return { mode, rule };
}

function guestsOrExternalUsers(v: unknown, path: string): ConditionalAccessGuestsOrExternalUsers | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['guestOrExternalUserTypes', 'externalTenants']);
  if (!has(o, 'guestOrExternalUserTypes')) fail('ca.required', join(path, 'guestOrExternalUserTypes'), 'is required');
  const types = flags(o.guestOrExternalUserTypes, join(path, 'guestOrExternalUserTypes'), GUEST_OR_EXTERNAL_USER_TYPES);
  return { guestOrExternalUserTypes: types, externalTenants: externalTenants(o.externalTenants, join(path, 'externalTenants')) };
}

function externalTenants(v: unknown, path: string): ExternalTenants | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['membershipKind', 'members']);
  const kind = enumValue(o.membershipKind, join(path, 'membershipKind'), ['all', 'enumerated'] as const);
  if (kind === 'all') return { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' };
  const members = list(o.members, join(path, 'members'), idOrSpecial([]));
  if (members.length === 0) fail('ca.required', join(path, 'members'), 'must name at least one tenant when membershipKind is enumerated');
  return { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members };
}

function users(v: unknown, path: string): ConditionalAccessUsers | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, [
    'includeUsers',
    'excludeUsers',
    'includeGroups',
    'excludeGroups',
    'includeRoles',
    'excludeRoles',
    'includeGuestsOrExternalUsers',
    'excludeGuestsOrExternalUsers',
  ]);
  return {
    includeUsers: list(o.includeUsers, join(path, 'includeUsers'), idOrSpecial(SPECIAL.users)),
    excludeUsers: list(o.excludeUsers, join(path, 'excludeUsers'), idOrSpecial(SPECIAL.users)),
    includeGroups: list(o.includeGroups, join(path, 'includeGroups'), idOrSpecial(SPECIAL.groups)),
    excludeGroups: list(o.excludeGroups, join(path, 'excludeGroups'), idOrSpecial(SPECIAL.groups)),
    includeRoles: list(o.includeRoles, join(path, 'includeRoles'), idOrSpecial(SPECIAL.roles)),
    excludeRoles: list(o.excludeRoles, join(path, 'excludeRoles'), idOrSpecial(SPECIAL.roles)),
    includeGuestsOrExternalUsers: guestsOrExternalUsers(o.includeGuestsOrExternalUsers, join(path, 'includeGuestsOrExternalUsers')),
    excludeGuestsOrExternalUsers: guestsOrExternalUsers(o.excludeGuestsOrExternalUsers, join(path, 'excludeGuestsOrExternalUsers')),
  };
}

function applications(v: unknown, path: string): ConditionalAccessApplications | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['includeApplications', 'excludeApplications', 'includeUserActions', 'includeAuthenticationContextClassReferences', 'applicationFilter']);
  return {
    includeApplications: list(o.includeApplications, join(path, 'includeApplications'), idOrSpecial(SPECIAL.applications)),
    excludeApplications: list(o.excludeApplications, join(path, 'excludeApplications'), idOrSpecial(SPECIAL.applications)),
    includeUserActions: list(o.includeUserActions, join(path, 'includeUserActions'), (x, p) => enumValue(x, p, USER_ACTIONS)),
    includeAuthenticationContextClassReferences: list(o.includeAuthenticationContextClassReferences, join(path, 'includeAuthenticationContextClassReferences'), (x, p) => {
      const text = string(x, p, { max: 3, min: 1 });
      if (!AUTH_CONTEXT.test(text)) fail('ca.value', p, `'${text}' is not an authentication context (c1, c2, …)`);
      return text.toLowerCase();
    }),
    applicationFilter: filter(o.applicationFilter, join(path, 'applicationFilter'), 'attributes'),
  };
}

function clientApplications(v: unknown, path: string): ConditionalAccessClientApplications | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['includeServicePrincipals', 'excludeServicePrincipals', 'servicePrincipalFilter']);
  return {
    includeServicePrincipals: list(o.includeServicePrincipals, join(path, 'includeServicePrincipals'), idOrSpecial(SPECIAL.servicePrincipals)),
    excludeServicePrincipals: list(o.excludeServicePrincipals, join(path, 'excludeServicePrincipals'), idOrSpecial(SPECIAL.servicePrincipals)),
    servicePrincipalFilter: filter(o.servicePrincipalFilter, join(path, 'servicePrincipalFilter'), 'attributes'),
  };
}

function conditions(v: unknown, path: string): ConditionalAccessConditionSet {
  const o = object(v, path, [
    'applications',
    'users',
    'clientApplications',
    'clientAppTypes',
    'platforms',
    'locations',
    'devices',
    'signInRiskLevels',
    'userRiskLevels',
    'servicePrincipalRiskLevels',
    'insiderRiskLevels',
    'authenticationFlows',
  ]);
  const risk = (key: string) => list(o[key], join(path, key), (x, p) => enumValue(x, p, RISK_LEVELS));
  let platforms: ConditionalAccessConditionSet['platforms'] = null;
  if (o.platforms !== undefined && o.platforms !== null) {
    const p = object(o.platforms, join(path, 'platforms'), ['includePlatforms', 'excludePlatforms']);
    platforms = {
      includePlatforms: list(p.includePlatforms, join(path, 'platforms.includePlatforms'), (x, q) => enumValue(x, q, DEVICE_PLATFORMS)),
      excludePlatforms: list(p.excludePlatforms, join(path, 'platforms.excludePlatforms'), (x, q) => enumValue(x, q, DEVICE_PLATFORMS)),
    };
    if (platforms.includePlatforms.length === 0) fail('ca.required', join(path, 'platforms.includePlatforms'), 'must name at least one platform (or all)');
  }
  let locations: ConditionalAccessConditionSet['locations'] = null;
  if (o.locations !== undefined && o.locations !== null) {
    const l = object(o.locations, join(path, 'locations'), ['includeLocations', 'excludeLocations']);
    locations = {
      includeLocations: list(l.includeLocations, join(path, 'locations.includeLocations'), idOrSpecial(SPECIAL.locations)),
      excludeLocations: list(l.excludeLocations, join(path, 'locations.excludeLocations'), idOrSpecial(SPECIAL.locations)),
    };
    if (locations.includeLocations.length === 0) fail('ca.required', join(path, 'locations.includeLocations'), 'must name at least one location (or All)');
  }
  let devices: ConditionalAccessConditionSet['devices'] = null;
  if (o.devices !== undefined && o.devices !== null) {
    const d = object(o.devices, join(path, 'devices'), ['deviceFilter']);
    devices = { deviceFilter: filter(d.deviceFilter, join(path, 'devices.deviceFilter'), 'device') };
  }
  let authenticationFlows: ConditionalAccessConditionSet['authenticationFlows'] = null;
  if (o.authenticationFlows !== undefined && o.authenticationFlows !== null) {
    const a = object(o.authenticationFlows, join(path, 'authenticationFlows'), ['transferMethods']);
    authenticationFlows = { transferMethods: flags(a.transferMethods, join(path, 'authenticationFlows.transferMethods'), TRANSFER_METHODS) };
  }
  const set: ConditionalAccessConditionSet = {
    applications: applications(o.applications, join(path, 'applications')),
    users: users(o.users, join(path, 'users')),
    clientApplications: clientApplications(o.clientApplications, join(path, 'clientApplications')),
    clientAppTypes: list(o.clientAppTypes, join(path, 'clientAppTypes'), (x, p) => enumValue(x, p, CLIENT_APP_TYPES)),
    platforms,
    locations,
    devices,
    signInRiskLevels: risk('signInRiskLevels'),
    userRiskLevels: risk('userRiskLevels'),
    servicePrincipalRiskLevels: risk('servicePrincipalRiskLevels'),
    insiderRiskLevels: o.insiderRiskLevels === undefined || o.insiderRiskLevels === null ? null : flags(o.insiderRiskLevels, join(path, 'insiderRiskLevels'), INSIDER_RISK_LEVELS),
    authenticationFlows,
  };
  // Graph refuses a policy that targets nothing: it needs applications (or user actions or
  // auth contexts) and someone to apply to.
  if (!set.applications) fail('ca.required', join(path, 'applications'), 'is required');
  const apps = set.applications;
  if (apps.includeApplications.length + apps.includeUserActions.length + apps.includeAuthenticationContextClassReferences.length === 0 && !apps.applicationFilter) {
    fail('ca.required', join(path, 'applications.includeApplications'), 'name applications, a user action or an authentication context');
  }
  const targets = [apps.includeApplications.length > 0, apps.includeUserActions.length > 0, apps.includeAuthenticationContextClassReferences.length > 0].filter(Boolean).length;
  if (targets > 1) fail('ca.value', join(path, 'applications'), 'a policy targets applications, user actions or authentication contexts, not several of them');
  const hasUsers = set.users && (set.users.includeUsers.length + set.users.includeGroups.length + set.users.includeRoles.length > 0 || set.users.includeGuestsOrExternalUsers);
  const hasWorkloads = set.clientApplications && (set.clientApplications.includeServicePrincipals.length > 0 || set.clientApplications.servicePrincipalFilter);
  if (!hasUsers && !hasWorkloads) fail('ca.required', join(path, 'users.includeUsers'), 'name users, groups, roles or guests (or clientApplications for workload identities)');
  return set;
}

function authenticationStrength(v: unknown, path: string): AuthenticationStrengthRef | null {
  if (v === undefined || v === null) return null;
  // An export carries the whole authenticationStrengthPolicy; only these parts matter to a grant.
  const o = object(v, path, ['id', 'displayName', 'allowedCombinations'], [
    'description',
    'policyType',
    'requirementsSatisfied',
    'createdDateTime',
    'modifiedDateTime',
    'combinationConfigurations',
  ]);
  if (!has(o, 'id')) fail('ca.required', join(path, 'id'), 'is required');
  return {
    id: idOrSpecial([])(o.id, join(path, 'id')),
    displayName: optionalString(o.displayName, join(path, 'displayName'), 256),
    allowedCombinations: list(o.allowedCombinations, join(path, 'allowedCombinations'), (x, p) => string(x, p, { max: 128, min: 1 })),
  };
}

function grantControls(v: unknown, path: string): ConditionalAccessGrantControls | null {
  if (v === undefined || v === null) return null;
  const o = object(v, path, ['operator', 'builtInControls', 'customAuthenticationFactors', 'termsOfUse', 'authenticationStrength']);
  if (!has(o, 'operator')) fail('ca.required', join(path, 'operator'), 'is required (AND or OR)');
  const grant: ConditionalAccessGrantControls = {
    operator: enumValue(o.operator, join(path, 'operator'), ['AND', 'OR'] as const),
    builtInControls: list(o.builtInControls, join(path, 'builtInControls'), (x, p) => enumValue(x, p, BUILT_IN_CONTROLS)),
    customAuthenticationFactors: list(o.customAuthenticationFactors, join(path, 'customAuthenticationFactors'), (x, p) => string(x, p, { max: MAX_ID_LENGTH, min: 1 })),
    termsOfUse: list(o.termsOfUse, join(path, 'termsOfUse'), idOrSpecial([])),
    authenticationStrength: authenticationStrength(o.authenticationStrength, join(path, 'authenticationStrength')),
  };
  const count = grant.builtInControls.length + grant.customAuthenticationFactors.length + grant.termsOfUse.length + (grant.authenticationStrength ? 1 : 0);
  if (count === 0) fail('ca.required', join(path, 'builtInControls'), 'a grant needs at least one control');
  if (grant.builtInControls.includes('block') && count > 1) fail('ca.value', join(path, 'builtInControls'), 'block cannot be combined with other controls');
  if (grant.builtInControls.includes('mfa') && grant.authenticationStrength) {
    fail('ca.value', join(path, 'authenticationStrength'), 'mfa and an authentication strength cannot be required together');
  }
  return grant;
}

function sessionControls(v: unknown, path: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail('ca.type', path, 'expected an object');
  const text = JSON.stringify(v);
  if (text.length > MAX_SESSION_CONTROLS_BYTES) fail('ca.tooLarge', path, `is larger than ${MAX_SESSION_CONTROLS_BYTES} bytes`);
  const controls = JSON.parse(text) as Json;
  validateSignInFrequency(controls, path);
  return controls;
}

/** Validates and normalizes a whole policy (POST, or PATCH after merging). */
export function validatePolicy(input: unknown): ConditionalAccessPolicyBody {
  const o: Json = object(input, '', ['displayName', 'description', 'templateId', 'state', 'conditions', 'grantControls', 'sessionControls'], POLICY_READ_ONLY);
  if (!has(o, 'displayName')) fail('ca.required', 'displayName', 'is required');
  if (!has(o, 'state')) fail('ca.required', 'state', 'is required');
  if (!has(o, 'conditions') || o.conditions === null) fail('ca.required', 'conditions', 'is required');
  const policy: ConditionalAccessPolicyBody = {
    displayName: string(o.displayName, 'displayName', { max: 256, min: 1 }),
    description: optionalString(o.description, 'description', 1024),
    templateId: optionalString(o.templateId, 'templateId', MAX_ID_LENGTH),
    state: enumValue(o.state, 'state', POLICY_STATES),
    conditions: conditions(o.conditions, 'conditions'),
    grantControls: grantControls(o.grantControls, 'grantControls'),
    sessionControls: sessionControls(o.sessionControls, 'sessionControls'),
  };
  if (!policy.grantControls && !policy.sessionControls) fail('ca.required', 'grantControls', 'a policy needs grantControls or sessionControls');
  if (!policy.displayName.trim()) fail('ca.required', 'displayName', 'must not be blank');
  return policy;
}

/**
 * PATCH semantics: objects merge property by property, anything else (lists, strings,
 * null) replaces. The merged result is validated whole.
 */
export function mergePatch(current: unknown, patch: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(patch)) return patch;
  const out: Json = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__') continue;
    out[key] = isPlainObject(value) && isPlainObject(current[key]) ? mergePatch(current[key], value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
