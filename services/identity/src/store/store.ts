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

export interface UserRecord {
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

export interface MdmSettings {
  discoveryUrl: string;
  termsOfUseUrl?: string;
  complianceUrl?: string;
}

export interface ApplicationRecord {
  tenantId: string;
  appId: string;
  displayName: string;
  /** Keyed digest of the client secret; null for public clients and first-party apps. */
  secretDigest: string | null;
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
}

export type DevicePatch = Partial<Omit<DeviceRecord, 'id' | 'tenantId' | 'deviceId' | 'createdAt' | 'ztdId'>>;

/** Equality conditions a device listing can apply in the database. */
export interface DeviceQuery {
  id?: string;
  deviceId?: string;
  displayName?: string;
  trustType?: string;
  operatingSystem?: string;
  accountEnabled?: boolean;
  /** Exact element of physicalIds. */
  physicalId?: string;
  /** Only ids greater than this (keyset paging). */
  afterId?: string;
  limit: number;
}

export interface UserQuery {
  upn?: string;
  afterId?: string;
  limit: number;
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
  listUsers(tenantId: string, query: UserQuery): Promise<UserRecord[]>;
  insertUser(user: UserRecord): Promise<void>;
  updateUser(tenantId: string, id: string, patch: Partial<Pick<UserRecord, 'displayName' | 'passwordHash' | 'accountEnabled' | 'isAdmin'>>): Promise<void>;

  findApplication(tenantId: string, appId: string): Promise<ApplicationRecord | undefined>;
  /** Inserts or replaces the registration (keeps createdAt). */
  upsertApplication(app: ApplicationRecord): Promise<void>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks a live token rotated; false when it already was (a concurrent or replayed use). */
  markRefreshTokenRotated(tokenHash: string): Promise<boolean>;
  revokeRefreshTokenFamily(familyId: string): Promise<void>;

  findDevice(tenantId: string, id: string): Promise<DeviceRecord | undefined>;
  findDeviceByDeviceId(tenantId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  findDeviceByZtdId(tenantId: string, ztdId: string): Promise<DeviceRecord | undefined>;
  findDeviceByThumbprint(tenantId: string, thumbprint: string): Promise<DeviceRecord | undefined>;
  listDevices(tenantId: string, query: DeviceQuery): Promise<DeviceRecord[]>;
  insertDevice(device: DeviceRecord): Promise<void>;
  updateDevice(tenantId: string, id: string, patch: DevicePatch): Promise<void>;

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
