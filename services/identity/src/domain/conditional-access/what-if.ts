/**
 * Graph's what-if (`POST /identity/conditionalAccess/evaluate`, v1.0) on top of the
 * evaluator: the request body becomes a SignIn, the decision becomes the
 * `whatIfAnalysisResult` collection (each policy plus `policyApplies` and `analysisReasons`).
 *
 * Graph's what-if says nothing about what the sign-in already proved, so grant controls
 * other than device state (read from `deviceInfo`) count as unmet. Baton accepts an
 * optional `@baton.satisfiedControls` object to state them, and adds the overall decision
 * as the collection annotation `@baton.decision`; Graph clients ignore both.
 */
import { PROMPT_ORDER } from './compile.js';
import { boolean, enumValue, fail, has, join, list, object, string, type Json } from './json-reader.js';
import {
  CLIENT_APP_TYPES,
  DEVICE_PLATFORMS,
  GUEST_OR_EXTERNAL_USER_TYPES,
  INSIDER_RISK_LEVELS,
  RISK_LEVELS,
  TRANSFER_METHODS,
  type ConditionalAccessDecision,
  type ConditionalAccessDevice,
  type ConditionalAccessPolicy,
  type PolicyEvaluation,
  type SatisfiedControls,
  type SignIn,
  type SignInTarget,
} from './types.js';

export interface WhatIfRequest {
  /** The sign-in without the user's groups and roles, which the directory supplies. */
  signIn: SignIn;
  /**
   * Every application of an applicationContext (the first is `signIn.target`): Graph lets a
   * what-if name several; each is evaluated and the answers merged (mergeDecisions).
   */
  applications: string[];
  appliedPoliciesOnly: boolean;
}

/** Up to this many applications per what-if. */
export const MAX_WHAT_IF_APPLICATIONS = 20;

const USER_SIGN_IN = '#microsoft.graph.userSignIn';
const SP_SIGN_IN = '#microsoft.graph.servicePrincipalSignIn';
const APPLICATION_CONTEXT = '#microsoft.graph.applicationContext';
const USER_ACTION_CONTEXT = '#microsoft.graph.userActionContext';
const AUTH_CONTEXT = '#microsoft.graph.authContext';

/** Graph's userAction enum and the URNs policies name. */
const USER_ACTIONS: Record<string, string> = {
  registersecurityinformation: 'urn:user:registersecurityinfo',
  registerorjoindevices: 'urn:user:registerdevice',
  'urn:user:registersecurityinfo': 'urn:user:registersecurityinfo',
  'urn:user:registerdevice': 'urn:user:registerdevice',
};

const DEVICE_INFO_STRINGS = [
  'deviceId',
  'displayName',
  'enrollmentProfileName',
  'manufacturer',
  'mdmAppId',
  'model',
  'operatingSystem',
  'operatingSystemVersion',
  'profileType',
  'trustType',
  ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`),
];

function odataType(o: Json, path: string): string | undefined {
  const t = o['@odata.type'];
  if (t === undefined) return undefined;
  if (typeof t !== 'string') fail('ca.type', join(path, '@odata.type'), 'expected a string');
  return (t.startsWith('#') ? t : `#${t}`).toLowerCase();
}

const opt = <T>(o: Json, key: string, read: (v: unknown, path: string) => T, path: string): T | null =>
  o[key] === undefined || o[key] === null ? null : read(o[key], join(path, key));

function identity(v: unknown): SignIn['identity'] {
  const path = 'signInIdentity';
  const o = object(v, path, ['userId', 'externalTenantId', 'externalUserType', 'servicePrincipalId']);
  const type = odataType(o, path) ?? (has(o, 'servicePrincipalId') ? SP_SIGN_IN.toLowerCase() : USER_SIGN_IN.toLowerCase());
  const id = (key: string) => {
    if (!has(o, key)) fail('ca.required', join(path, key), 'is required');
    return string(o[key], join(path, key), { max: 256, min: 1 });
  };
  if (type === SP_SIGN_IN.toLowerCase()) return { kind: 'servicePrincipal', servicePrincipalId: id('servicePrincipalId') };
  if (type !== USER_SIGN_IN.toLowerCase()) fail('ca.enum', join(path, '@odata.type'), `expected ${USER_SIGN_IN} or ${SP_SIGN_IN}`);
  return {
    kind: 'user',
    userId: id('userId'),
    externalTenantId: opt(o, 'externalTenantId', (x, p) => string(x, p, { max: 256 }), path),
    guestOrExternalUserType: opt(o, 'externalUserType', (x, p) => enumValue(x, p, GUEST_OR_EXTERNAL_USER_TYPES), path),
  };
}

function context(v: unknown): { target: SignInTarget; applications: string[] } {
  const path = 'signInContext';
  const o = object(v, path, ['includeApplications', 'userAction', 'authenticationContextValue']);
  const type =
    odataType(o, path) ??
    (has(o, 'userAction') ? USER_ACTION_CONTEXT.toLowerCase() : has(o, 'authenticationContextValue') ? AUTH_CONTEXT.toLowerCase() : APPLICATION_CONTEXT.toLowerCase());
  if (type === APPLICATION_CONTEXT.toLowerCase()) {
    const apps = list(o.includeApplications, join(path, 'includeApplications'), (x, p) => string(x, p, { max: 256, min: 1 }));
    if (apps.length === 0) fail('ca.required', join(path, 'includeApplications'), 'name the application(s) the sign-in is to');
    if (apps.length > MAX_WHAT_IF_APPLICATIONS) fail('ca.tooLarge', join(path, 'includeApplications'), `name at most ${MAX_WHAT_IF_APPLICATIONS} applications`);
    return { target: { kind: 'application', appId: apps[0]! }, applications: apps };
  }
  if (type === USER_ACTION_CONTEXT.toLowerCase()) {
    const text = string(o.userAction, join(path, 'userAction'), { max: 64, min: 1 });
    const action = USER_ACTIONS[text.toLowerCase()];
    if (!action) fail('ca.enum', join(path, 'userAction'), `'${text}' is not registerSecurityInformation or registerOrJoinDevices`);
    return { target: { kind: 'userAction', userAction: action }, applications: [] };
  }
  if (type === AUTH_CONTEXT.toLowerCase()) {
    const value = string(o.authenticationContextValue, join(path, 'authenticationContextValue'), { max: 3, min: 1 });
    return { target: { kind: 'authenticationContext', value }, applications: [] };
  }
  return fail('ca.enum', join(path, '@odata.type'), `expected ${APPLICATION_CONTEXT}, ${USER_ACTION_CONTEXT} or ${AUTH_CONTEXT}`);
}

function deviceInfo(v: unknown, path: string): ConditionalAccessDevice {
  const o = object(v, path, [...DEVICE_INFO_STRINGS, 'isCompliant', 'ownership', 'physicalIds', 'systemLabels']);
  const device: ConditionalAccessDevice = {};
  const target = device as Record<string, unknown>;
  for (const key of DEVICE_INFO_STRINGS) {
    const value = opt(o, key, (x, p) => string(x, p, { max: 1024 }), path);
    if (value !== null) target[key] = value;
  }
  const ownership = opt(o, 'ownership', (x, p) => string(x, p, { max: 64 }), path);
  if (ownership !== null) device.deviceOwnership = ownership;
  const compliant = opt(o, 'isCompliant', boolean, path);
  if (compliant !== null) device.isCompliant = compliant;
  const strings = (x: unknown, p: string) => string(x, p, { max: 1024 });
  if (o.physicalIds != null) device.physicalIds = list(o.physicalIds, join(path, 'physicalIds'), strings);
  if (o.systemLabels != null) device.systemLabels = list(o.systemLabels, join(path, 'systemLabels'), strings);
  return device;
}

function satisfied(v: unknown): SatisfiedControls {
  const path = '@baton.satisfiedControls';
  if (v === undefined || v === null) return {};
  const flags = ['mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange', 'riskRemediation'] as const;
  const o = object(v, path, [...flags, 'termsOfUse', 'customAuthenticationFactors', 'authenticationMethods']);
  const out: SatisfiedControls = {};
  for (const key of flags) {
    const value = opt(o, key, boolean, path);
    if (value !== null) out[key] = value;
  }
  const strings = (x: unknown, p: string) => string(x, p, { max: 256, min: 1 });
  if (o.termsOfUse != null) out.termsOfUse = list(o.termsOfUse, join(path, 'termsOfUse'), strings);
  if (o.customAuthenticationFactors != null) out.customAuthenticationFactors = list(o.customAuthenticationFactors, join(path, 'customAuthenticationFactors'), strings);
  if (o.authenticationMethods != null) out.authenticationMethods = list(o.authenticationMethods, join(path, 'authenticationMethods'), strings);
  return out;
}

/** Reads the evaluate request body; throws ConditionalAccessValidationError naming the bad part. */
export function parseWhatIfRequest(input: unknown): WhatIfRequest {
  const body = object(input, '', ['signInIdentity', 'signInContext', 'signInConditions', 'appliedPoliciesOnly']);
  if (!has(body, 'signInIdentity')) fail('ca.required', 'signInIdentity', 'is required');
  if (!has(body, 'signInContext')) fail('ca.required', 'signInContext', 'is required');
  const path = 'signInConditions';
  const c = object(body.signInConditions ?? {}, path, [
    'authenticationFlow',
    'clientAppType',
    'country',
    'deviceInfo',
    'devicePlatform',
    'insiderRiskLevel',
    'ipAddress',
    'servicePrincipalRiskLevel',
    'signInRiskLevel',
    'userRiskLevel',
  ]);
  const risk = (key: string) => opt(c, key, (x, p) => enumValue(x, p, RISK_LEVELS), path);
  const platform = opt(c, 'devicePlatform', (x, p) => enumValue(x, p, DEVICE_PLATFORMS), path);
  if (platform === 'all') fail('ca.value', join(path, 'devicePlatform'), 'a sign-in comes from one platform, not all');
  const clientAppType = opt(c, 'clientAppType', (x, p) => enumValue(x, p, CLIENT_APP_TYPES), path);
  if (clientAppType === 'all') fail('ca.value', join(path, 'clientAppType'), 'a sign-in uses one client app type, not all');
  const { target, applications } = context(body.signInContext);
  const signIn: SignIn = {
    identity: identity(body.signInIdentity),
    target,
    clientAppType: clientAppType ?? undefined,
    devicePlatform: platform,
    ipAddress: opt(c, 'ipAddress', (x, p) => string(x, p, { max: 64 }), path),
    country: opt(c, 'country', (x, p) => string(x, p, { max: 2 }), path),
    device: opt(c, 'deviceInfo', deviceInfo, path),
    signInRiskLevel: risk('signInRiskLevel'),
    userRiskLevel: risk('userRiskLevel'),
    servicePrincipalRiskLevel: risk('servicePrincipalRiskLevel'),
    insiderRiskLevel: opt(c, 'insiderRiskLevel', (x, p) => enumValue(x, p, INSIDER_RISK_LEVELS), path),
    authenticationFlow: opt(
      c,
      'authenticationFlow',
      (x, p) => {
        // Graph's authenticationFlow is an object {transferMethod}; a bare string is accepted too.
        if (typeof x === 'string') return enumValue(x, p, TRANSFER_METHODS);
        const flow = object(x, p, ['transferMethod']);
        return enumValue(flow.transferMethod, join(p, 'transferMethod'), TRANSFER_METHODS);
      },
      path,
    ),
    satisfied: satisfied(body['@baton.satisfiedControls']),
  };
  const appliedPoliciesOnly = body.appliedPoliciesOnly === undefined || body.appliedPoliciesOnly === null ? false : boolean(body.appliedPoliciesOnly, 'appliedPoliciesOnly');
  return { signIn, applications, appliedPoliciesOnly };
}

const SEVERITY = { allow: 0, needsControls: 1, block: 2 } as const;

/**
 * One answer for a sign-in to several applications: a policy applies when it applies to any
 * of them (its evaluation is taken from the first such application), the decision is the
 * strictest, blocks and unmet controls are unions.
 */
export function mergeDecisions(decisions: readonly ConditionalAccessDecision[]): ConditionalAccessDecision {
  if (decisions.length === 1) return decisions[0]!;
  const policies = decisions[0]!.policies.map((first, i) => decisions.map((d) => d.policies[i]!).find((e) => e.applies) ?? first);
  const worst = decisions.reduce((a, b) => (SEVERITY[b.decision] > SEVERITY[a.decision] ? b : a));
  const blockedBy = [...new Set(decisions.flatMap((d) => d.blockedBy))];
  if (worst.decision !== 'needsControls') return { ...worst, blockedBy, policies };
  const unmet = new Set(decisions.flatMap((d) => d.unmetControls));
  const seen = new Set<string>();
  const requirements = decisions.flatMap((d) => d.requirements).filter((r) => !seen.has(r.policyId) && seen.add(r.policyId));
  return { decision: 'needsControls', blockedBy, unmetControls: PROMPT_ORDER.filter((c) => unmet.has(c)), requirements, policies };
}

/** One whatIfAnalysisResult: the policy as Graph shows it, whether it applies, and why not. */
export function whatIfResult(policy: ConditionalAccessPolicy, evaluation: PolicyEvaluation): Record<string, unknown> {
  return {
    ...policy,
    policyApplies: evaluation.applies,
    analysisReasons: evaluation.analysisReasons.length > 0 ? evaluation.analysisReasons.join(',') : 'notSet',
    '@baton.result': evaluation.result,
    '@baton.unmetControls': evaluation.unmetControls,
  };
}

export function whatIfResponse(
  policies: ReadonlyMap<string, ConditionalAccessPolicy>,
  decision: ConditionalAccessDecision,
  appliedPoliciesOnly: boolean,
): { value: Record<string, unknown>[]; '@baton.decision': Omit<ConditionalAccessDecision, 'policies'> } {
  const evaluations = appliedPoliciesOnly ? decision.policies.filter((p) => p.applies) : decision.policies;
  const { policies: _omit, ...overall } = decision;
  return { '@baton.decision': overall, value: evaluations.map((e) => whatIfResult(policies.get(e.policyId)!, e)) };
}
