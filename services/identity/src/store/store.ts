import type { ChangeType } from '@baton/contracts';
import type { OutboxTable } from '@baton/kit';
import type { FilterNode, OrderByItem, SearchNode } from '@baton/protocols';

/**
 * The narrow store the domain depends on. Records are in the domain's terms (camelCase,
 * booleans, parsed JSON); the Kysely implementation maps them to portable rows.
 */

/** A write collided with a unique key (a concurrent writer got there first). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

export interface TenantBranding {
  companyName: string;
  backgroundColor?: string;
  signInPageText?: string;
  bannerLogoUrl?: string;
}

export interface TenantRecord {
  id: string;
  domain: string;
  displayName: string;
  branding: TenantBranding;
  /** Sealed ES256 private JWK. */
  signingKey: string;
  deviceCaCertPem: string;
  /** Sealed PKCS#8 PEM of the device CA key. */
  deviceCaKey: string;
  createdAt: string;
  modifiedAt: string;
}

/**
 * Entra's common user profile properties, by their Graph names: what administrators set with
 * `New-MgUser -Department …` or a CSV import, and what dynamic user groups read.
 */
export const USER_PROFILE_PROPERTIES = [
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'companyName',
  'officeLocation',
  'city',
  'state',
  'country',
  'usageLocation',
  'employeeId',
  'mobilePhone',
] as const;

export type UserProfileProperty = (typeof USER_PROFILE_PROPERTIES)[number];

/** A user's profile; null or absent when unset (users written before it existed have none). */
export type UserProfile = { [K in UserProfileProperty]?: string | null };

export interface UserRecord extends UserProfile {
  id: string;
  tenantId: string;
  upn: string;
  displayName: string;
  passwordHash: string;
  accountEnabled: boolean;
  isAdmin: boolean;
  createdAt: string;
  modifiedAt: string;
}

/** What a user write may change; a profile property set to null is cleared. */
export type UserPatch = Partial<Pick<UserRecord, 'displayName' | 'passwordHash' | 'accountEnabled' | 'isAdmin'>> & UserProfile;

export interface MdmSettings {
  discoveryUrl: string;
  termsOfUseUrl?: string;
  complianceUrl?: string;
}

/** One client secret, kept as a keyed digest; the secret itself is shown once, by addPassword. */
export interface ClientSecret {
  digest: string;
  displayName: string | null;
  /** The secret's first three characters, as Graph shows them. */
  hint: string | null;
  startDateTime: string;
  /** Null: it does not expire (the secrets Baton's own applications are set up with). */
  endDateTime: string | null;
}

/** What changeApplication may change; what is left out stays as it is. */
export interface ApplicationChange {
  displayName?: string;
  secrets?: ClientSecret[];
  roles?: string[];
}

export interface ApplicationRecord {
  tenantId: string;
  appId: string;
  displayName: string;
  /** Several at once, so a secret can be rotated without a moment when none works; empty for public clients. */
  secrets: ClientSecret[];
  roles: string[];
  isPublic: boolean;
  mdm: MdmSettings | null;
  createdAt: string;
  modifiedAt: string;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  tenantId: string;
  userId: string;
  clientId: string;
  /** The OIDC scopes granted at sign-in (openid, profile, offline_access). */
  scope: string;
  /** Object id of the device the token is bound to, if any. */
  deviceId: string | null;
  expiresAt: string;
  rotated: boolean;
  createdAt: string;
}

export type TrustType = 'AzureAd' | 'Workplace' | 'ServerAd';

export interface DeviceRecord {
  id: string;
  deviceId: string;
  tenantId: string;
  displayName: string;
  physicalIds: string[];
  ztdId: string | null;
  trustType: TrustType | null;
  accountEnabled: boolean;
  operatingSystem: string | null;
  operatingSystemVersion: string | null;
  isCompliant: boolean | null;
  isManaged: boolean | null;
  certThumbprint: string | null;
  certPem: string | null;
  transportKey: string | null;
  registeredOwnerUserId: string | null;
  approximateLastSignIn: string | null;
  registeredAt: string | null;
  createdAt: string;
  modifiedAt: string;
  /** The MDM application that manages the device (set with its compliance reports). */
  mdmAppId?: string | null;
  deviceOwnership?: DeviceOwnership | null;
  /** The Autopilot deployment profile the device was provisioned with. */
  enrollmentProfileName?: string | null;
  /**
   * Graph's profileType as the join recorded it: `Shared` for a self-deploying device,
   * `RegisteredDevice` otherwise; null for objects joined before identity recorded it.
   */
  profileType?: string | null;
  complianceExpiration?: string | null;
  /** Orders compliance reports; absent until management first reports. */
  complianceVersion?: number | null;
  /** extensionAttribute1..15, only the ones set. */
  extensionAttributes?: Record<string, string>;
}

export type DeviceOwnership = 'Company' | 'Personal';

export type DevicePatch = Partial<Omit<DeviceRecord, 'id' | 'tenantId' | 'deviceId' | 'createdAt' | 'ztdId' | 'complianceVersion' | 'mdmAppId' | 'complianceExpiration'>>;

/** What management reports about a device; written only through `applyComplianceState`. */
export interface ComplianceState {
  isCompliant: boolean;
  isManaged: boolean;
  mdmAppId: string;
  complianceExpiration: string | null;
  /** Strictly increasing per device on the reporter's side. */
  version: number;
  modifiedAt: string;
}

export interface RevokedCertificateRecord {
  tenantId: string;
  thumbprint: string;
  /** Object id of the device the certificate was issued to. */
  deviceId: string;
  /** RFC 5280 reason names; a hold is lifted when the device is enabled again. */
  reason: 'certificateHold' | 'cessationOfOperation' | 'superseded';
  revokedAt: string;
}

/** Which directory objects a count or a page takes: a vetted Graph `$filter` and `$search`, run in SQL. */
export interface DirectorySelection {
  filter?: FilterNode;
  search?: SearchNode;
}

/**
 * A page of users or devices: in id order, or in `$orderby`'s with the id breaking ties, and
 * starting after one row (keyset paging), so a row never appears on two pages.
 */
export interface DirectoryQuery extends DirectorySelection {
  orderby?: OrderByItem[];
  /** Only rows after the one with this id. */
  afterId?: string;
  /** With `orderby`: that row's values of the ordered properties, as Graph shows them. */
  afterKey?: unknown[];
  limit: number;
}

export type DeviceQuery = DirectoryQuery;
export type UserQuery = DirectoryQuery;

/** One entry of the sign-in log; `details` is stored as given. */
export interface SignInRecord {
  id: string;
  tenantId: string;
  createdAt: string;
  userId: string | null;
  appId: string;
  /** 0 for success, else the AADSTS number the caller got. */
  errorCode: number;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  details: SignInDetails;
}

export interface SignInDetails {
  userPrincipalName: string | null;
  userDisplayName: string | null;
  appDisplayName: string | null;
  resourceId: string | null;
  ipAddress: string | null;
  clientAppUsed: string;
  isInteractive: boolean;
  correlationId: string;
  failureReason: string | null;
  authenticationMethods: string[];
  device: { deviceId: string; displayName: string; operatingSystem: string | null; isCompliant: boolean; isManaged: boolean; trustType: string | null } | null;
  appliedConditionalAccessPolicies: Array<{ id: string; displayName: string; enforcedGrantControls: string[]; enforcedSessionControls: string[]; result: string }>;
}

export interface SignInQuery {
  userId?: string;
  appId?: string;
  /** Only entries older than this id (keyset paging, newest first). */
  beforeId?: string;
  limit: number;
}

export type MemberType = 'device' | 'user';
export type MembershipSource = 'static' | 'dynamic';
export type ProcessingState = 'On' | 'Paused';

export interface GroupRecord {
  id: string;
  tenantId: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: ProcessingState | null;
  /** Whom the rule is about; null for assigned (static) groups. */
  ruleSubject: MemberType | null;
  /** When the engine last finished changing this group's dynamic members. */
  membershipUpdatedAt: string | null;
  createdAt: string;
  modifiedAt: string;
}

export type GroupPatch = Partial<Omit<GroupRecord, 'id' | 'tenantId' | 'createdAt'>>;

export interface GroupMemberRecord {
  groupId: string;
  memberId: string;
  memberType: MemberType;
  tenantId: string;
  source: MembershipSource;
}

export interface GroupQuery {
  filter?: FilterNode;
  afterId?: string;
  limit: number;
}

export interface SubscriptionRecord {
  id: string;
  tenantId: string;
  appId: string;
  /** Canonical, lower-cased: `groups`, `devices`, `groups/{id}/members`. */
  resource: string;
  changeTypes: ChangeType[];
  notificationUrl: string;
  clientState: string | null;
  expiresAt: string;
  createdAt: string;
}

/**
 * A conditional access policy or named location: the validated Graph body as JSON (the
 * domain's normalized shape), with the columns lists filter and order on.
 */
export interface ConditionalAccessRecord {
  id: string;
  tenantId: string;
  displayName: string;
  /** Policies: the state; named locations: the `@odata.type`. */
  kind: string;
  body: unknown;
  createdAt: string;
  modifiedAt: string | null;
}

export type ConditionalAccessTable = 'policies' | 'namedLocations';

export interface ConditionalAccessQuery {
  filter?: FilterNode;
  afterId?: string;
  /** undefined: all of the tenant's (the evaluator loads them whole). */
  limit?: number;
}

export interface IdentityStore {
  /** Runs fn with a store bound to one transaction. */
  transaction<T>(fn: (store: IdentityStore) => Promise<T>): Promise<T>;

  findTenantById(id: string): Promise<TenantRecord | undefined>;
  findTenantByDomain(domain: string): Promise<TenantRecord | undefined>;
  insertTenant(tenant: TenantRecord): Promise<void>;
  updateTenant(id: string, patch: { displayName: string; branding: TenantBranding }): Promise<void>;

  findUserById(tenantId: string, id: string): Promise<UserRecord | undefined>;
  findUserByUpn(tenantId: string, upn: string): Promise<UserRecord | undefined>;
  /** The user whose mail address this is, ignoring case. */
  findUserByMail(tenantId: string, mail: string): Promise<UserRecord | undefined>;
  listUsers(tenantId: string, query: UserQuery): Promise<UserRecord[]>;
  countUsers(tenantId: string, selection: DirectorySelection): Promise<number>;
  insertUser(user: UserRecord): Promise<void>;
  updateUser(tenantId: string, id: string, patch: UserPatch): Promise<void>;
  /** Removes the user row only; memberships go through the membership engine, tokens through revokeUserRefreshTokens. */
  deleteUser(tenantId: string, id: string): Promise<void>;

  findApplication(tenantId: string, appId: string): Promise<ApplicationRecord | undefined>;
  /** Inserts or replaces the registration (keeps createdAt). */
  upsertApplication(app: ApplicationRecord): Promise<void>;
  /** The application authenticates from now on (it holds a certificate credential). */
  markApplicationConfidential(tenantId: string, appId: string): Promise<void>;
  /**
   * Sets an application's secrets or roles to what `change` makes of the current record, the
   * row held from the read to the write so that concurrent changes (two secrets added, a role
   * granted meanwhile) all land. An application that holds a secret is a confidential client
   * from then on. Undefined when there is no such application.
   */
  changeApplication(tenantId: string, appId: string, change: (current: ApplicationRecord) => ApplicationChange, modifiedAt: string): Promise<ApplicationRecord | undefined>;
  /** The tenant's registered applications, in creation order. */
  listApplications(tenantId: string): Promise<ApplicationRecord[]>;
  deleteApplication(tenantId: string, appId: string): Promise<void>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks a live token rotated; false when it already was (a concurrent or replayed use). */
  markRefreshTokenRotated(tokenHash: string): Promise<boolean>;
  revokeRefreshTokenFamily(familyId: string): Promise<void>;
  /** Kills every refresh token bound to the device (object id); returns how many were live. */
  revokeDeviceRefreshTokens(tenantId: string, deviceObjectId: string): Promise<number>;
  /** Kills every refresh token issued to the user; returns how many were live. */
  revokeUserRefreshTokens(tenantId: string, userId: string): Promise<number>;
  /** Kills every refresh token issued to the client (appId); returns how many were live. */
  revokeClientRefreshTokens(tenantId: string, clientId: string): Promise<number>;

  findDevice(tenantId: string, id: string): Promise<DeviceRecord | undefined>;
  findDeviceByDeviceId(tenantId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  findDeviceByZtdId(tenantId: string, ztdId: string): Promise<DeviceRecord | undefined>;
  findDeviceByThumbprint(tenantId: string, thumbprint: string): Promise<DeviceRecord | undefined>;
  listDevices(tenantId: string, query: DeviceQuery): Promise<DeviceRecord[]>;
  /** The devices a user registered (joined with their account), by id. */
  listDevicesOfOwner(tenantId: string, userId: string, page: { afterId?: string; limit: number }): Promise<DeviceRecord[]>;
  countDevices(tenantId: string, selection: DirectorySelection): Promise<number>;
  insertDevice(device: DeviceRecord): Promise<void>;
  updateDevice(tenantId: string, id: string, patch: DevicePatch): Promise<void>;

  findDevicesByIds(tenantId: string, ids: string[]): Promise<DeviceRecord[]>;
  findUsersByIds(tenantId: string, ids: string[]): Promise<UserRecord[]>;
  deleteDevice(tenantId: string, id: string): Promise<void>;
  /**
   * Writes management's report when its version is newer than the stored one; false when
   * the stored state is as new or newer (a redelivery or a late, older report).
   */
  applyComplianceState(tenantId: string, id: string, state: ComplianceState): Promise<boolean>;
  /** Records a certificate identity no longer trusts (idempotent). */
  revokeDeviceCertificate(record: RevokedCertificateRecord): Promise<void>;
  findRevokedDeviceCertificate(tenantId: string, thumbprint: string): Promise<RevokedCertificateRecord | undefined>;
  /** Lifts a certificateHold (other revocations are final). */
  releaseDeviceCertificateHold(tenantId: string, thumbprint: string): Promise<void>;

  insertGroup(group: GroupRecord): Promise<void>;
  updateGroup(tenantId: string, id: string, patch: GroupPatch): Promise<void>;
  /** Removes the group with its members and rule index. */
  deleteGroup(tenantId: string, id: string): Promise<void>;
  findGroup(tenantId: string, id: string): Promise<GroupRecord | undefined>;
  listGroups(tenantId: string, query: GroupQuery): Promise<GroupRecord[]>;
  countGroups(tenantId: string, filter: FilterNode | undefined): Promise<number>;
  /** Replaces the rule-property index of one group (empty for groups without an active rule). */
  setGroupRuleProperties(tenantId: string, groupId: string, properties: string[]): Promise<void>;
  /**
   * Dynamic groups whose processing is On, about `subject`, whose rule reads one of
   * `properties` (lower-cased `device.x`), or all of them when `properties` is 'all'.
   */
  findRuleGroups(tenantId: string, subject: MemberType, properties: string[] | 'all'): Promise<GroupRecord[]>;
  /**
   * A token that changes in every transaction that creates or deletes a group of the tenant
   * or changes its rule, processing state or rule subject (never back to an earlier value),
   * so a cache of the tenant's rules stays valid while the token does.
   */
  ruleStamp(tenantId: string): Promise<string>;
  /** Groups the object belongs to. */
  membershipsOf(tenantId: string, memberId: string): Promise<GroupMemberRecord[]>;
  listMemberOf(tenantId: string, memberId: string, afterId: string | undefined, limit: number): Promise<GroupRecord[]>;
  /** A group's members in id order, after `afterId`; only those of `memberType` when it is given (Graph's type cast). */
  listGroupMembers(tenantId: string, groupId: string, afterId: string | undefined, limit: number, memberType?: MemberType): Promise<GroupMemberRecord[]>;
  countGroupMembers(tenantId: string, groupId: string, memberType?: MemberType): Promise<number>;
  /** How many groups an object is a member of. */
  countMemberOf(tenantId: string, memberId: string): Promise<number>;
  groupMemberIds(tenantId: string, groupId: string, source: MembershipSource): Promise<string[]>;
  insertGroupMembers(members: GroupMemberRecord[]): Promise<void>;
  deleteGroupMembers(tenantId: string, groupId: string, memberIds: string[]): Promise<void>;
  /** Removes the object from every group; returns the memberships it had. */
  deleteMemberships(tenantId: string, memberId: string): Promise<GroupMemberRecord[]>;

  insertSubscription(subscription: SubscriptionRecord): Promise<void>;
  findSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  listSubscriptions(tenantId: string, appId: string): Promise<SubscriptionRecord[]>;
  updateSubscriptionExpiry(id: string, expiresAt: string): Promise<void>;
  deleteSubscription(id: string): Promise<void>;
  /** Live subscriptions of the tenant on any of `resources` (canonical spellings). */
  subscriptionsOn(tenantId: string, resources: string[], now: string): Promise<SubscriptionRecord[]>;

  insertSignIn(entry: SignInRecord): Promise<void>;
  /** Newest first. */
  listSignIns(tenantId: string, query: SignInQuery): Promise<SignInRecord[]>;
  findSignIn(tenantId: string, id: string): Promise<SignInRecord | undefined>;
  /** Conditional access objects of a tenant, in id order. */
  listConditionalAccess(table: ConditionalAccessTable, tenantId: string, query: ConditionalAccessQuery): Promise<ConditionalAccessRecord[]>;
  findConditionalAccess(table: ConditionalAccessTable, tenantId: string, id: string): Promise<ConditionalAccessRecord | undefined>;
  insertConditionalAccess(table: ConditionalAccessTable, record: ConditionalAccessRecord): Promise<void>;
  /** Replaces name, kind and body; false when the object does not exist in the tenant. */
  updateConditionalAccess(table: ConditionalAccessTable, record: ConditionalAccessRecord): Promise<boolean>;
  deleteConditionalAccess(table: ConditionalAccessTable, tenantId: string, id: string): Promise<boolean>;
  /**
   * Changes whenever a policy or named location of the tenant is created, changed or
   * deleted (counts and latest timestamps), so a cached compiled set can be checked cheaply.
   */
  conditionalAccessVersion(tenantId: string): Promise<string>;

  /** Writes outbox rows in this store's transaction. */
  enqueue(rows: OutboxTable['outbox'][]): Promise<void>;

  /** Records a delivered message id; false when it was already processed. */
  markMessageProcessed(id: string, topic: string): Promise<boolean>;
}

const ZTDID_PREFIX = '[ztdid]:';

/** The `[ZTDID]:<id>` element, indexed so join finds the Autopilot placeholder. */
export function ztdIdFromPhysicalIds(physicalIds: string[]): string | null {
  const entry = physicalIds.find((p) => p.toLowerCase().startsWith(ZTDID_PREFIX));
  const value = entry?.slice(ZTDID_PREFIX.length).trim();
  return value ? value.toLowerCase() : null;
}
