/**
 * Policies and named locations turned, once, into what evaluation reads: sets instead of
 * lists, parsed device filters, CIDR intervals. A compiled policy is immutable and can be
 * shared by every sign-in of the tenant until the policy changes.
 */
import { signInFrequencySeconds } from './session-controls.js';
import { parseRule, type RuleNode } from '@baton/protocols';
import { parseCidr, type IpInterval } from './ip-ranges.js';
import { flagSet } from './json-reader.js';
import type {
  ConditionalAccessGuestsOrExternalUsers,
  ConditionalAccessPolicy,
  FilterMode,
  GrantControlName,
  NamedLocation,
  PolicyState,
} from './types.js';

export interface GuestMatcher {
  types: ReadonlySet<string>;
  /** undefined: any tenant. */
  tenants?: ReadonlySet<string>;
}

export interface CompiledUsers {
  includeAll: boolean;
  includeAllGuests: boolean;
  includeUsers: ReadonlySet<string>;
  includeGroups: readonly string[];
  includeRoles: readonly string[];
  includeGuests: GuestMatcher | null;
  excludeAllGuests: boolean;
  excludeUsers: ReadonlySet<string>;
  excludeGroups: readonly string[];
  excludeRoles: readonly string[];
  excludeGuests: GuestMatcher | null;
}

export interface CompiledApplications {
  includeAll: boolean;
  includeOffice365: boolean;
  includeAdminPortals: boolean;
  include: ReadonlySet<string>;
  excludeOffice365: boolean;
  excludeAdminPortals: boolean;
  exclude: ReadonlySet<string>;
  userActions: ReadonlySet<string>;
  authContexts: ReadonlySet<string>;
  /** Filters over custom security attributes: Baton's apps carry none (see evaluate.ts). */
  filterMode: FilterMode | null;
}

export interface CompiledWorkloads {
  includeAllInTenant: boolean;
  include: ReadonlySet<string>;
  exclude: ReadonlySet<string>;
  filterMode: FilterMode | null;
}

export interface CompiledLocationCondition {
  includeAll: boolean;
  includeTrusted: boolean;
  include: readonly string[];
  excludeAll: boolean;
  excludeTrusted: boolean;
  exclude: readonly string[];
}

export interface CompiledGrant {
  operator: 'AND' | 'OR';
  block: boolean;
  /** Prompt order. */
  controls: readonly GrantControlName[];
  termsOfUse: readonly string[];
  customFactors: readonly string[];
  strength: { id: string; combinations: ReadonlySet<string> } | null;
  /** As Graph lists them, for reports. */
  names: readonly string[];
}

export interface CompiledPolicy {
  readonly policy: ConditionalAccessPolicy;
  readonly id: string;
  readonly state: PolicyState;
  readonly users: CompiledUsers | null;
  readonly workloads: CompiledWorkloads | null;
  readonly applications: CompiledApplications | null;
  /** undefined: all client app types. */
  readonly clientAppTypes?: ReadonlySet<string>;
  readonly platforms: { includeAll: boolean; include: ReadonlySet<string>; exclude: ReadonlySet<string> } | null;
  readonly locations: CompiledLocationCondition | null;
  readonly deviceFilter: { mode: FilterMode; rule: RuleNode } | null;
  readonly signInRisk?: ReadonlySet<string>;
  readonly userRisk?: ReadonlySet<string>;
  readonly servicePrincipalRisk?: ReadonlySet<string>;
  readonly insiderRisk?: ReadonlySet<string>;
  readonly transferMethods?: ReadonlySet<string>;
  readonly grant: CompiledGrant | null;
  /** Seconds a silent token may follow the interactive sign-in (0: every time); undefined: no limit. */
  readonly signInFrequencyS?: number;
}

export interface CompiledNamedLocations {
  ip: ReadonlyArray<{ id: string; trusted: boolean; ranges: readonly IpInterval[] }>;
  country: ReadonlyArray<{ id: string; countries: ReadonlySet<string>; includeUnknown: boolean }>;
}

/** Microsoft's prompt order: MFA → compliant device → hybrid joined → approved app → app protection → password change → terms of use → custom controls. */
export const PROMPT_ORDER: readonly GrantControlName[] = [
  'mfa',
  'authenticationStrength',
  'compliantDevice',
  'domainJoinedDevice',
  'approvedApplication',
  'compliantApplication',
  'passwordChange',
  'riskRemediation',
  'termsOfUse',
  'customAuthenticationFactor',
];

/** Method combinations compare as sets: `a,b` equals `b, a`. */
export function normalizeCombination(text: string): string {
  return text
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .filter(Boolean)
    .sort()
    .join(',');
}

const lower = (values: readonly string[]) => new Set(values.map((v) => v.toLowerCase()));
const nonEmpty = (values: readonly string[]) => (values.length > 0 ? lower(values) : undefined);

function guests(spec: ConditionalAccessGuestsOrExternalUsers | null): GuestMatcher | null {
  if (!spec) return null;
  const tenants = spec.externalTenants?.membershipKind === 'enumerated' ? lower(spec.externalTenants.members) : undefined;
  return { types: flagSet(spec.guestOrExternalUserTypes), tenants };
}

export function compilePolicy(policy: ConditionalAccessPolicy): CompiledPolicy {
  const c = policy.conditions;
  const u = c.users;
  const a = c.applications;
  const w = c.clientApplications;
  const l = c.locations;
  const g = policy.grantControls;
  let grant: CompiledGrant | null = null;
  if (g) {
    const builtIn = new Set<string>(g.builtInControls);
    const controls = PROMPT_ORDER.filter((name) => {
      if (name === 'authenticationStrength') return g.authenticationStrength !== null;
      if (name === 'termsOfUse') return g.termsOfUse.length > 0;
      if (name === 'customAuthenticationFactor') return g.customAuthenticationFactors.length > 0;
      return builtIn.has(name);
    });
    grant = {
      operator: g.operator,
      block: builtIn.has('block'),
      controls,
      termsOfUse: g.termsOfUse,
      customFactors: g.customAuthenticationFactors,
      strength: g.authenticationStrength ? { id: g.authenticationStrength.id, combinations: new Set(g.authenticationStrength.allowedCombinations.map(normalizeCombination)) } : null,
      names: [...g.builtInControls, ...(g.authenticationStrength ? ['authenticationStrength'] : []), ...(g.termsOfUse.length ? ['termsOfUse'] : [])],
    };
  }
  return {
    policy,
    id: policy.id,
    state: policy.state,
    users: u && {
      includeAll: u.includeUsers.includes('All'),
      includeAllGuests: u.includeUsers.includes('GuestsOrExternalUsers'),
      includeUsers: lower(u.includeUsers),
      includeGroups: u.includeGroups,
      includeRoles: u.includeRoles,
      includeGuests: guests(u.includeGuestsOrExternalUsers),
      excludeAllGuests: u.excludeUsers.includes('GuestsOrExternalUsers'),
      excludeUsers: lower(u.excludeUsers),
      excludeGroups: u.excludeGroups,
      excludeRoles: u.excludeRoles,
      excludeGuests: guests(u.excludeGuestsOrExternalUsers),
    },
    workloads:
      w && w.includeServicePrincipals.length > 0
        ? {
            includeAllInTenant: w.includeServicePrincipals.includes('ServicePrincipalsInMyTenant'),
            include: lower(w.includeServicePrincipals),
            exclude: lower(w.excludeServicePrincipals),
            filterMode: w.servicePrincipalFilter?.mode ?? null,
          }
        : null,
    applications: a && {
      includeAll: a.includeApplications.includes('All'),
      includeOffice365: a.includeApplications.includes('Office365'),
      includeAdminPortals: a.includeApplications.includes('MicrosoftAdminPortals'),
      include: lower(a.includeApplications),
      excludeOffice365: a.excludeApplications.includes('Office365'),
      excludeAdminPortals: a.excludeApplications.includes('MicrosoftAdminPortals'),
      exclude: lower(a.excludeApplications),
      userActions: lower(a.includeUserActions),
      authContexts: lower(a.includeAuthenticationContextClassReferences),
      filterMode: a.applicationFilter?.mode ?? null,
    },
    clientAppTypes: c.clientAppTypes.length === 0 || c.clientAppTypes.includes('all') ? undefined : lower(c.clientAppTypes),
    platforms: c.platforms && {
      includeAll: c.platforms.includePlatforms.includes('all'),
      include: lower(c.platforms.includePlatforms),
      exclude: lower(c.platforms.excludePlatforms),
    },
    locations: l && {
      includeAll: l.includeLocations.includes('All'),
      includeTrusted: l.includeLocations.includes('AllTrusted'),
      include: l.includeLocations.filter((x) => x !== 'All' && x !== 'AllTrusted'),
      excludeAll: l.excludeLocations.includes('All'),
      excludeTrusted: l.excludeLocations.includes('AllTrusted'),
      exclude: l.excludeLocations.filter((x) => x !== 'All' && x !== 'AllTrusted'),
    },
    deviceFilter: c.devices?.deviceFilter ? { mode: c.devices.deviceFilter.mode, rule: parseRule(c.devices.deviceFilter.rule, { dialect: 'deviceFilter' }) } : null,
    signInRisk: nonEmpty(c.signInRiskLevels),
    userRisk: nonEmpty(c.userRiskLevels),
    servicePrincipalRisk: nonEmpty(c.servicePrincipalRiskLevels),
    insiderRisk: c.insiderRiskLevels ? flagSet(c.insiderRiskLevels) : undefined,
    transferMethods: c.authenticationFlows ? flagSet(c.authenticationFlows.transferMethods) : undefined,
    grant,
    signInFrequencyS: signInFrequencySeconds(policy.sessionControls),
  };
}

export function compilePolicies(policies: readonly ConditionalAccessPolicy[]): CompiledPolicy[] {
  return policies.map(compilePolicy);
}

export function compileNamedLocations(locations: readonly NamedLocation[]): CompiledNamedLocations {
  const ip: Array<CompiledNamedLocations['ip'][number]> = [];
  const country: Array<CompiledNamedLocations['country'][number]> = [];
  for (const location of locations) {
    if (location['@odata.type'] === '#microsoft.graph.ipNamedLocation') {
      ip.push({ id: location.id.toLowerCase(), trusted: location.isTrusted, ranges: location.ipRanges.map((r) => parseCidr(r.cidrAddress)) });
    } else {
      country.push({ id: location.id.toLowerCase(), countries: new Set(location.countriesAndRegions.map((x) => x.toUpperCase())), includeUnknown: location.includeUnknownCountriesAndRegions });
    }
  }
  return { ip, country };
}
