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
  for (const p of policies) {
    const base = { policyId: p.id, displayName: p.policy.displayName, state: p.state };
    if (p.state === 'disabled') {
      results.push({ ...base, applies: false, result: 'notEnabled', analysisReasons: ['policyNotEnabled'], enforcedGrantControls: [], unmetControls: [] });
      continue;
    }
    const reportOnly = p.state === 'enabledForReportingButNotEnforced';
    const reasons = failedConditions(p, s, all);
    if (reasons.length > 0) {
      results.push({ ...base, applies: false, result: reportOnly ? 'reportOnlyNotApplied' : 'notApplied', analysisReasons: reasons, enforcedGrantControls: [], unmetControls: [] });
      continue;
    }
    const grant = p.grant;
    const missing = grant && !grant.block ? unmetControls(grant, s) : [];
    const failed = (grant?.block ?? false) || missing.length > 0;
    results.push({
      ...base,
      applies: true,
      result: reportOnly ? (failed ? 'reportOnlyFailure' : 'reportOnlySuccess') : failed ? 'failure' : 'success',
      analysisReasons: [],
      enforcedGrantControls: grant ? [...grant.names] : [],
      unmetControls: missing,
    });
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
  };
}

/** Conditions of the policy the sign-in does not meet, cheapest first; at most one unless `all`. */
function failedConditions(p: CompiledPolicy, s: PreparedSignIn, all: boolean): WhatIfAnalysisReason[] {
  const reasons: WhatIfAnalysisReason[] = [];
  const fail = (reason: WhatIfAnalysisReason) => {
    reasons.push(reason);
    return !all;
  };
  if (s.user) {
    if (!(p.users && usersMatch(p.users, s.user)) && fail('users')) return reasons;
    if (p.userRisk && !p.userRisk.has(s.userRisk) && fail('userRisk')) return reasons;
    if (p.insiderRisk && !(s.insiderRisk && p.insiderRisk.has(s.insiderRisk)) && fail('insiderRisk')) return reasons;
  } else {
    const w = p.workloads;
    const id = s.servicePrincipalId!;
    const included = w !== null && (w.includeAllInTenant || w.include.has(id)) && !w.exclude.has(id);
    if (!included && fail('workloadIdentities')) return reasons;
    if (p.servicePrincipalRisk && !p.servicePrincipalRisk.has(s.servicePrincipalRisk) && fail('workloadIdentities')) return reasons;
  }
  const targetReason = targetFailure(p.applications, s);
  if (targetReason && fail(targetReason)) return reasons;
  if (p.clientAppTypes && !clientAppMatches(p.clientAppTypes, s.clientAppType) && fail('clientApps')) return reasons;
  if (p.platforms) {
    const pl = p.platforms;
    const included = pl.includeAll || (s.platform !== null && pl.include.has(s.platform));
    const excluded = s.platform !== null && pl.exclude.has(s.platform);
    if ((!included || excluded) && fail('devicePlatform')) return reasons;
  }
  if (p.locations) {
    const l = p.locations;
    const included = l.includeAll || (l.includeTrusted && s.trustedLocation) || l.include.some((id) => s.locationIds.has(id));
    const excluded = l.excludeAll || (l.excludeTrusted && s.trustedLocation) || l.exclude.some((id) => s.locationIds.has(id));
    if ((!included || excluded) && fail('location')) return reasons;
  }
  if (p.signInRisk && !p.signInRisk.has(s.signInRisk) && fail('signInRisk')) return reasons;
  if (p.transferMethods && !(s.authenticationFlow && p.transferMethods.has(s.authenticationFlow)) && fail('authenticationFlow')) return reasons;
  if (p.deviceFilter) {
    // An unregistered device is an empty subject: positive operators fail, negative ones match.
    const matched = evaluateRule(p.deviceFilter.rule, s.device);
    if ((p.deviceFilter.mode === 'include' ? !matched : matched) && fail('devices')) return reasons;
  }
  return reasons;
}

function usersMatch(u: CompiledUsers, user: NonNullable<PreparedSignIn['user']>): boolean {
  const isGuest = user.guestType !== null;
  const excluded =
    u.excludeUsers.has(user.id) ||
    (isGuest && (u.excludeAllGuests || guestMatches(u.excludeGuests, user))) ||
    u.excludeGroups.some((g) => user.groups.has(g)) ||
    u.excludeRoles.some((r) => user.roles.has(r));
  if (excluded) return false;
  return (
    u.includeAll ||
    u.includeUsers.has(user.id) ||
    (isGuest && (u.includeAllGuests || guestMatches(u.includeGuests, user))) ||
    u.includeGroups.some((g) => user.groups.has(g)) ||
    u.includeRoles.some((r) => user.roles.has(r))
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
