/**
 * The conditional access decision for one sign-in (entra-docs concept-conditional-access-
 * policies.md): enabled and report-only policies are evaluated, disabled ones never apply;
 * inside a policy every configured condition must match, exclusions beat inclusions and an
 * unconfigured condition matches; a `block` from an applicable enabled policy wins; otherwise
 * every applicable enabled policy's grant must be met. Report-only policies are reported,
 * never enforced.
 */
import { evaluateRule } from '@baton/protocols';
import { unmetControls } from './controls.js';
import type { CompiledApplications, CompiledNamedLocations, CompiledPolicy, CompiledUsers, GuestMatcher } from './compile.js';
import { PROMPT_ORDER } from './compile.js';
import { prepareSignIn, type PreparedSignIn } from './sign-in.js';
import type { ConditionalAccessDecision, ControlRequirement, GrantControlName, PolicyEvaluation, SignIn, WhatIfAnalysisReason } from './types.js';
import { ADMIN_PORTAL_APPS, OFFICE_365_APPS } from './well-known.js';

export interface EvaluateOptions {
  /**
   * List every condition that failed (what-if). Otherwise evaluation of a policy stops at
   * its first failed condition, which is what the token endpoint needs.
   */
  allReasons?: boolean;
}

const NOT_ENABLED: WhatIfAnalysisReason[] = ['policyNotEnabled'];
const NONE: never[] = [];
const SIGN_IN_FREQUENCY = ['SignInFrequency'];

/** Lists in results may be shared between results: treat them as read-only. */
function notApplied(p: CompiledPolicy, result: PolicyEvaluation['result'], reasons: WhatIfAnalysisReason[]): PolicyEvaluation {
  return {
    policyId: p.id,
    displayName: p.policy.displayName,
    state: p.state,
    applies: false,
    result,
    analysisReasons: reasons,
    enforcedGrantControls: NONE,
    unmetControls: NONE,
    enforcedSessionControls: NONE,
  };
}

export function evaluateConditionalAccess(
  policies: readonly CompiledPolicy[],
  namedLocations: CompiledNamedLocations,
  signIn: SignIn,
  options: EvaluateOptions = {},
): ConditionalAccessDecision {
  const s = prepareSignIn(signIn, namedLocations);
  const all = options.allReasons === true;
  const results: PolicyEvaluation[] = [];
  const blockedBy: string[] = [];
  const requirements: ControlRequirement[] = [];
  const unmet = new Set<GrantControlName>();
  let frequency: { seconds: number; policyIds: string[] } | undefined;
  for (const p of policies) {
    if (p.state === 'disabled') {
      results.push(notApplied(p, 'notEnabled', NOT_ENABLED));
      continue;
    }
    const reportOnly = p.state === 'enabledForReportingButNotEnforced';
    const reasons = failedConditions(p, s, all);
    if (reasons.length > 0) {
      results.push(notApplied(p, reportOnly ? 'reportOnlyNotApplied' : 'notApplied', reasons));
      continue;
    }
    const grant = p.grant;
    const missing = grant && !grant.block ? unmetControls(grant, s) : [];
    const failed = (grant?.block ?? false) || missing.length > 0;
    results.push({
      policyId: p.id,
      displayName: p.policy.displayName,
      state: p.state,
      applies: true,
      result: reportOnly ? (failed ? 'reportOnlyFailure' : 'reportOnlySuccess') : failed ? 'failure' : 'success',
      analysisReasons: [],
      enforcedGrantControls: grant ? (grant.names as string[]) : NONE,
      unmetControls: missing,
      enforcedSessionControls: p.signInFrequencyS === undefined ? NONE : SIGN_IN_FREQUENCY,
    });
    if (!reportOnly && p.signInFrequencyS !== undefined) {
      if (!frequency || p.signInFrequencyS < frequency.seconds) frequency = { seconds: p.signInFrequencyS, policyIds: [p.id] };
      else if (p.signInFrequencyS === frequency.seconds) frequency.policyIds.push(p.id);
    }
    if (reportOnly || !grant) continue;
    if (grant.block) blockedBy.push(p.id);
    else if (missing.length > 0) {
      requirements.push({ policyId: p.id, operator: grant.operator, controls: missing });
      for (const c of missing) unmet.add(c);
    }
  }
  const decision = blockedBy.length > 0 ? 'block' : requirements.length > 0 ? 'needsControls' : 'allow';
  return {
    decision,
    blockedBy,
    unmetControls: decision === 'needsControls' ? PROMPT_ORDER.filter((c) => unmet.has(c)) : [],
    requirements: decision === 'needsControls' ? requirements : [],
    policies: results,
    ...(frequency ? { signInFrequency: frequency } : {}),
  };
}

/**
 * Conditions of the policy the sign-in does not meet, cheapest first; stops at the first
 * unless `all`. Written without per-call closures: this runs for every policy of every sign-in.
 */
function failedConditions(p: CompiledPolicy, s: PreparedSignIn, all: boolean): WhatIfAnalysisReason[] {
  const reasons: WhatIfAnalysisReason[] = [];
  for (let step = 0; step < CONDITION_COUNT; step++) {
    const reason = conditionFailure(step, p, s);
    if (reason) {
      reasons.push(reason);
      if (!all) break;
    }
  }
  return reasons;
}

const CONDITION_COUNT = 10;

function conditionFailure(step: number, p: CompiledPolicy, s: PreparedSignIn): WhatIfAnalysisReason | undefined {
  switch (step) {
    case 0:
      if (s.user) return p.users && usersMatch(p.users, s.user) ? undefined : 'users';
      return workloadMatches(p, s.servicePrincipalId!) ? undefined : 'workloadIdentities';
    case 1:
      if (s.user) return p.userRisk && !p.userRisk.has(s.userRisk) ? 'userRisk' : undefined;
      return p.servicePrincipalRisk && !p.servicePrincipalRisk.has(s.servicePrincipalRisk) ? 'workloadIdentities' : undefined;
    case 2:
      return s.user && p.insiderRisk && !(s.insiderRisk && p.insiderRisk.has(s.insiderRisk)) ? 'insiderRisk' : undefined;
    case 3:
      return targetFailure(p.applications, s);
    case 4:
      return p.clientAppTypes && !clientAppMatches(p.clientAppTypes, s.clientAppType) ? 'clientApps' : undefined;
    case 5: {
      const pl = p.platforms;
      if (!pl) return undefined;
      const included = pl.includeAll || (s.platform !== null && pl.include.has(s.platform));
      const excluded = s.platform !== null && pl.exclude.has(s.platform);
      return included && !excluded ? undefined : 'devicePlatform';
    }
    case 6: {
      const l = p.locations;
      if (!l) return undefined;
      const included = l.includeAll || (l.includeTrusted && s.trustedLocation) || anyIn(l.include, s.locationIds);
      const excluded = l.excludeAll || (l.excludeTrusted && s.trustedLocation) || anyIn(l.exclude, s.locationIds);
      return included && !excluded ? undefined : 'location';
    }
    case 7:
      return p.signInRisk && !p.signInRisk.has(s.signInRisk) ? 'signInRisk' : undefined;
    case 8:
      return p.transferMethods && !(s.authenticationFlow && p.transferMethods.has(s.authenticationFlow)) ? 'authenticationFlow' : undefined;
    case 9: {
      if (!p.deviceFilter) return undefined;
      // An unregistered device is an empty subject: positive operators fail, negative ones match.
      const matched = evaluateRule(p.deviceFilter.rule, s.device);
      return (p.deviceFilter.mode === 'include' ? matched : !matched) ? undefined : 'devices';
    }
    default:
      return undefined;
  }
}

function anyIn(ids: readonly string[], set: ReadonlySet<string>): boolean {
  for (const id of ids) if (set.has(id)) return true;
  return false;
}

function workloadMatches(p: CompiledPolicy, id: string): boolean {
  const w = p.workloads;
  return w !== null && (w.includeAllInTenant || w.include.has(id)) && !w.exclude.has(id);
}

function usersMatch(u: CompiledUsers, user: NonNullable<PreparedSignIn['user']>): boolean {
  const isGuest = user.guestType !== null;
  const excluded =
    u.excludeUsers.has(user.id) ||
    (isGuest && (u.excludeAllGuests || guestMatches(u.excludeGuests, user))) ||
    anyIn(u.excludeGroups, user.groups) ||
    anyIn(u.excludeRoles, user.roles);
  if (excluded) return false;
  return (
    u.includeAll ||
    u.includeUsers.has(user.id) ||
    (isGuest && (u.includeAllGuests || guestMatches(u.includeGuests, user))) ||
    anyIn(u.includeGroups, user.groups) ||
    anyIn(u.includeRoles, user.roles)
  );
}

function guestMatches(m: GuestMatcher | null, user: NonNullable<PreparedSignIn['user']>): boolean {
  if (!m || !user.guestType || !m.types.has(user.guestType)) return false;
  return !m.tenants || (user.externalTenantId !== null && m.tenants.has(user.externalTenantId));
}

/**
 * Applications, user actions and authentication contexts are separate targets: a policy on
 * `urn:user:registerdevice` says nothing about app sign-ins and the other way round.
 * applicationFilter reads custom security attributes, which Baton's applications do not
 * carry: an include filter adds no application, an exclude filter removes none.
 */
function targetFailure(a: CompiledApplications | null, s: PreparedSignIn): WhatIfAnalysisReason | undefined {
  const t = s.target.kind;
  const v = s.targetValue;
  if (t === 'userAction') return a?.userActions.has(v) ? undefined : 'userActions';
  if (t === 'authenticationContext') return a?.authContexts.has(v) ? undefined : 'authenticationContext';
  if (!a) return 'application';
  const included = a.includeAll || a.include.has(v) || (a.includeOffice365 && OFFICE_365_APPS.has(v)) || (a.includeAdminPortals && ADMIN_PORTAL_APPS.has(v));
  const excluded = a.exclude.has(v) || (a.excludeOffice365 && OFFICE_365_APPS.has(v)) || (a.excludeAdminPortals && ADMIN_PORTAL_APPS.has(v));
  return included && !excluded ? undefined : 'application';
}

/** `easSupported` is the older spelling of the Exchange ActiveSync client type. */
function clientAppMatches(types: ReadonlySet<string>, type: string): boolean {
  if (types.has(type)) return true;
  return type === 'exchangeactivesync' ? types.has('eassupported') : type === 'eassupported' && types.has('exchangeactivesync');
}
