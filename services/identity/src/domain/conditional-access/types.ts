/**
 * Conditional access as Microsoft Graph v1.0 spells it (msgraph-metadata v1.0 CSDL:
 * conditionalAccessPolicy, conditionalAccessConditionSet, conditionalAccessGrantControls,
 * ipNamedLocation, countryNamedLocation). A normalized policy carries every property Graph
 * returns, with empty lists and nulls where nothing was configured, so the stored body is
 * also the response body.
 */

export const POLICY_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'] as const;
export type PolicyState = (typeof POLICY_STATES)[number];

export const CLIENT_APP_TYPES = ['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other'] as const;
export type ClientAppType = (typeof CLIENT_APP_TYPES)[number];

export const DEVICE_PLATFORMS = ['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux', 'all'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'hidden', 'none'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const INSIDER_RISK_LEVELS = ['minor', 'moderate', 'elevated'] as const;
export type InsiderRiskLevel = (typeof INSIDER_RISK_LEVELS)[number];

export const TRANSFER_METHODS = ['none', 'deviceCodeFlow', 'authenticationTransfer'] as const;
export type TransferMethod = (typeof TRANSFER_METHODS)[number];

export const BUILT_IN_CONTROLS = [
  'block',
  'mfa',
  'compliantDevice',
  'domainJoinedDevice',
  'approvedApplication',
  'compliantApplication',
  'passwordChange',
  'riskRemediation',
] as const;
export type BuiltInControl = (typeof BUILT_IN_CONTROLS)[number];

export const GUEST_OR_EXTERNAL_USER_TYPES = [
  'none',
  'internalGuest',
  'b2bCollaborationGuest',
  'b2bCollaborationMember',
  'b2bDirectConnectUser',
  'otherExternalUser',
  'serviceProvider',
] as const;
export type GuestOrExternalUserType = (typeof GUEST_OR_EXTERNAL_USER_TYPES)[number];

export const USER_ACTIONS = ['urn:user:registersecurityinfo', 'urn:user:registerdevice'] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export const FILTER_MODES = ['include', 'exclude'] as const;
export type FilterMode = (typeof FILTER_MODES)[number];

export interface ConditionalAccessFilter {
  mode: FilterMode;
  rule: string;
}

export type ExternalTenants =
  | { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants'; membershipKind: 'all' }
  | { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants'; membershipKind: 'enumerated'; members: string[] };

export interface ConditionalAccessGuestsOrExternalUsers {
  /** Graph's flags enum: comma-separated GuestOrExternalUserType values. */
  guestOrExternalUserTypes: string;
  externalTenants: ExternalTenants | null;
}

export interface ConditionalAccessUsers {
  includeUsers: string[];
  excludeUsers: string[];
  includeGroups: string[];
  excludeGroups: string[];
  includeRoles: string[];
  excludeRoles: string[];
  includeGuestsOrExternalUsers: ConditionalAccessGuestsOrExternalUsers | null;
  excludeGuestsOrExternalUsers: ConditionalAccessGuestsOrExternalUsers | null;
}

export interface ConditionalAccessClientApplications {
  includeServicePrincipals: string[];
  excludeServicePrincipals: string[];
  servicePrincipalFilter: ConditionalAccessFilter | null;
}

export interface ConditionalAccessApplications {
  includeApplications: string[];
  excludeApplications: string[];
  includeUserActions: string[];
  includeAuthenticationContextClassReferences: string[];
  applicationFilter: ConditionalAccessFilter | null;
}

export interface ConditionalAccessPlatforms {
  includePlatforms: DevicePlatform[];
  excludePlatforms: DevicePlatform[];
}

export interface ConditionalAccessLocations {
  includeLocations: string[];
  excludeLocations: string[];
}

export interface ConditionalAccessDevices {
  deviceFilter: ConditionalAccessFilter | null;
}

export interface ConditionalAccessAuthenticationFlows {
  /** Flags enum: comma-separated TransferMethod values. */
  transferMethods: string;
}

export interface ConditionalAccessConditionSet {
  applications: ConditionalAccessApplications | null;
  users: ConditionalAccessUsers | null;
  clientApplications: ConditionalAccessClientApplications | null;
  clientAppTypes: ClientAppType[];
  platforms: ConditionalAccessPlatforms | null;
  locations: ConditionalAccessLocations | null;
  devices: ConditionalAccessDevices | null;
  signInRiskLevels: RiskLevel[];
  userRiskLevels: RiskLevel[];
  servicePrincipalRiskLevels: RiskLevel[];
  /** Flags enum: comma-separated InsiderRiskLevel values. */
  insiderRiskLevels: string | null;
  authenticationFlows: ConditionalAccessAuthenticationFlows | null;
}

/** The part of authenticationStrengthPolicy a grant needs: which one, and the method combinations it allows. */
export interface AuthenticationStrengthRef {
  id: string;
  displayName: string | null;
  allowedCombinations: string[];
}

export interface ConditionalAccessGrantControls {
  operator: 'AND' | 'OR';
  builtInControls: BuiltInControl[];
  customAuthenticationFactors: string[];
  termsOfUse: string[];
  authenticationStrength: AuthenticationStrengthRef | null;
}

/** A policy's writable body, normalized. */
export interface ConditionalAccessPolicyBody {
  displayName: string;
  description: string | null;
  templateId: string | null;
  state: PolicyState;
  conditions: ConditionalAccessConditionSet;
  grantControls: ConditionalAccessGrantControls | null;
  /** Kept as the client gave it: Baton does not enforce session controls yet. */
  sessionControls: Record<string, unknown> | null;
}

export interface ConditionalAccessPolicy extends ConditionalAccessPolicyBody {
  id: string;
  createdDateTime: string;
  modifiedDateTime: string | null;
}

export const IP_NAMED_LOCATION = '#microsoft.graph.ipNamedLocation';
export const COUNTRY_NAMED_LOCATION = '#microsoft.graph.countryNamedLocation';
export const IPV4_RANGE = '#microsoft.graph.iPv4CidrRange';
export const IPV6_RANGE = '#microsoft.graph.iPv6CidrRange';

export interface IpRange {
  '@odata.type': typeof IPV4_RANGE | typeof IPV6_RANGE;
  cidrAddress: string;
}

export interface IpNamedLocationBody {
  '@odata.type': typeof IP_NAMED_LOCATION;
  displayName: string;
  isTrusted: boolean;
  ipRanges: IpRange[];
}

export interface CountryNamedLocationBody {
  '@odata.type': typeof COUNTRY_NAMED_LOCATION;
  displayName: string;
  countriesAndRegions: string[];
  includeUnknownCountriesAndRegions: boolean;
  countryLookupMethod: 'clientIpAddress' | 'authenticatorAppGps';
}

export type NamedLocationBody = IpNamedLocationBody | CountryNamedLocationBody;

export type NamedLocation = NamedLocationBody & { id: string; createdDateTime: string; modifiedDateTime: string | null };

/** Device properties a filter can read (concept-condition-filters-for-devices.md), as Graph's deviceInfo carries them. */
export interface ConditionalAccessDevice {
  deviceId?: string | null;
  displayName?: string | null;
  deviceOwnership?: string | null;
  enrollmentProfileName?: string | null;
  isCompliant?: boolean | null;
  manufacturer?: string | null;
  mdmAppId?: string | null;
  model?: string | null;
  operatingSystem?: string | null;
  operatingSystemVersion?: string | null;
  physicalIds?: string[] | null;
  profileType?: string | null;
  systemLabels?: string[] | null;
  /** AzureAD | ServerAD | Workplace (compared ignoring case). */
  trustType?: string | null;
  [extensionAttribute: `extensionAttribute${number}`]: string | null | undefined;
}

export type SignInIdentity =
  | {
      kind: 'user';
      userId: string;
      /** Transitive group membership. */
      groupIds?: Iterable<string>;
      /** Directory role template ids (the token's `wids`). */
      roleTemplateIds?: Iterable<string>;
      /** Absent or null for members of the tenant. */
      guestOrExternalUserType?: GuestOrExternalUserType | null;
      externalTenantId?: string | null;
    }
  | { kind: 'servicePrincipal'; servicePrincipalId: string };

export type SignInTarget =
  | { kind: 'application'; appId: string }
  | { kind: 'userAction'; userAction: string }
  | { kind: 'authenticationContext'; value: string };

/** What the sign-in has already proven; device state comes from the device when not given. */
export interface SatisfiedControls {
  mfa?: boolean;
  compliantDevice?: boolean;
  domainJoinedDevice?: boolean;
  approvedApplication?: boolean;
  compliantApplication?: boolean;
  passwordChange?: boolean;
  riskRemediation?: boolean;
  /** Terms-of-use agreement ids accepted. */
  termsOfUse?: readonly string[];
  customAuthenticationFactors?: readonly string[];
  /** Authentication-method combinations used, e.g. `password,microsoftAuthenticatorPush`. */
  authenticationMethods?: readonly string[];
}

export interface SignIn {
  identity: SignInIdentity;
  target: SignInTarget;
  /** Defaults to `browser`. */
  clientAppType?: Exclude<ClientAppType, 'all'>;
  devicePlatform?: Exclude<DevicePlatform, 'all'> | null;
  ipAddress?: string | null;
  /** ISO 3166-1 alpha-2. */
  country?: string | null;
  /** null or absent: an unregistered device. */
  device?: ConditionalAccessDevice | null;
  signInRiskLevel?: RiskLevel | null;
  userRiskLevel?: RiskLevel | null;
  servicePrincipalRiskLevel?: RiskLevel | null;
  insiderRiskLevel?: InsiderRiskLevel | null;
  authenticationFlow?: TransferMethod | null;
  satisfied?: SatisfiedControls;
}

/** Graph's appliedConditionalAccessPolicyResult values this engine produces. */
export type AppliedPolicyResult =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'notEnabled'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied';

/** Graph's whatIfAnalysisReasons flags this engine reports. */
export type WhatIfAnalysisReason =
  | 'users'
  | 'workloadIdentities'
  | 'application'
  | 'userActions'
  | 'authenticationContext'
  | 'devicePlatform'
  | 'devices'
  | 'clientApps'
  | 'location'
  | 'signInRisk'
  | 'userRisk'
  | 'insiderRisk'
  | 'authenticationFlow'
  | 'policyNotEnabled';

/** A grant control as users are prompted for it. */
export type GrantControlName =
  | 'mfa'
  | 'authenticationStrength'
  | 'compliantDevice'
  | 'domainJoinedDevice'
  | 'approvedApplication'
  | 'compliantApplication'
  | 'passwordChange'
  | 'riskRemediation'
  | 'termsOfUse'
  | 'customAuthenticationFactor';

export interface PolicyEvaluation {
  policyId: string;
  displayName: string;
  state: PolicyState;
  /** Every condition matched (regardless of state). */
  applies: boolean;
  result: AppliedPolicyResult;
  /** Conditions that did not match, or `policyNotEnabled`; empty when the policy applies. */
  analysisReasons: WhatIfAnalysisReason[];
  /** The grant's controls as Graph lists them (`block`, `mfa`, …), for applied policies. */
  enforcedGrantControls: string[];
  /** Controls of this policy the sign-in has not satisfied, in prompt order. */
  unmetControls: GrantControlName[];
  /** Session controls the policy enforces, as the sign-in log names them (`SignInFrequency`). */
  enforcedSessionControls: string[];
}

export interface ControlRequirement {
  policyId: string;
  operator: 'AND' | 'OR';
  /** AND: all of these; OR: any one. Prompt order. */
  controls: GrantControlName[];
}

export interface ConditionalAccessDecision {
  /** block: an enabled policy blocks; needsControls: grants remain unmet; allow otherwise. */
  decision: 'allow' | 'block' | 'needsControls';
  /** Enabled policies whose grant is `block`. */
  blockedBy: string[];
  /** Union of what the enabled, unsatisfied policies ask for, in Microsoft's prompt order. */
  unmetControls: GrantControlName[];
  requirements: ControlRequirement[];
  policies: PolicyEvaluation[];
  /**
   * The strictest sign-in frequency of the enabled policies that apply, in seconds since the
   * interactive sign-in (0: every time), with the policies that set it; absent when none does.
   */
  signInFrequency?: { seconds: number; policyIds: string[] };
}
