/**
 * IdentityStore on Kysely. The same queries run on SQLite and PostgreSQL: no
 * dialect-specific SQL beyond ON CONFLICT DO NOTHING and what kit's OData translation writes per dialect.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ChangeType } from '@baton/contracts';
import { applyODataFilter, chunks, searchTokensColumnValue, type Dialect, type ODataPropertyMap, type OutboxTable } from '@baton/kit';
import type { FilterNode } from '@baton/protocols';
import type {
  ApplicationsTable,
  ConditionalAccessObjectsTable,
  DevicesTable,
  GroupMembersTable,
  GroupsTable,
  IdentityDatabase,
  RefreshTokensTable,
  SignInsTable,
  SubscriptionsTable,
  TenantsTable,
  UsersTable,
} from './schema.js';
import { pageDirectory, selectDirectory } from './directory-query.js';
import { DEVICE_COLUMNS, USER_COLUMNS } from './odata-maps.js';
import { profileColumns, profileOfRow, profileRow } from './user-profile-columns.js';
import {
  type ConditionalAccessQuery,
  type ConditionalAccessRecord,
  type ConditionalAccessTable,
  type GroupMemberRecord,
  type GroupPatch,
  type GroupQuery,
  type GroupRecord,
  type MemberType,
  type MembershipSource,
  type ProcessingState,
  type SubscriptionRecord,
  StoreConflictError,
  type ApplicationRecord,
  type ApplicationChange,
  type ClientSecret,
  type ComplianceState,
  type DeviceOwnership,
  type RevokedCertificateRecord,
  type SignInDetails,
  type SignInQuery,
  type SignInRecord,
  type DevicePatch,
  type DeviceQuery,
  type DeviceRecord,
  type DirectorySelection,
  type IdentityStore,
  type RefreshTokenRecord,
  type TenantBranding,
  type TenantRecord,
  type TrustType,
  type UserPatch,
  type UserQuery,
  type UserRecord,
  ztdIdFromPhysicalIds,
} from './store.js';

const bool = (v: number | null): boolean | null => (v === null ? null : v !== 0);
const int = (v: boolean): number => (v ? 1 : 0);

function tenantOf(row: Selectable<TenantsTable>): TenantRecord {
  return {
    id: row.id,
    domain: row.domain,
    displayName: row.display_name,
    branding: JSON.parse(row.branding) as TenantBranding,
    signingKey: row.signing_key,
    deviceCaCertPem: row.device_ca_cert,
    deviceCaKey: row.device_ca_key,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function userOf(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    upn: row.upn,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    accountEnabled: row.account_enabled !== 0,
    isAdmin: row.is_admin !== 0,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    ...profileOfRow(row),
  };
}

function applicationOf(row: Selectable<ApplicationsTable>): ApplicationRecord {
  return {
    tenantId: row.tenant_id,
    appId: row.app_id,
    displayName: row.display_name,
    secrets: JSON.parse(row.password_credentials) as ClientSecret[],
    roles: JSON.parse(row.roles) as string[],
    isPublic: row.is_public !== 0,
    mdm: row.mdm ? JSON.parse(row.mdm) : null,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function refreshTokenOf(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    familyId: row.family_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    clientId: row.client_id,
    scope: row.scope,
    deviceId: row.device_id,
    expiresAt: row.expires_at,
    rotated: row.rotated !== 0,
    createdAt: row.created_at,
  };
}

function deviceOf(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    physicalIds: JSON.parse(row.physical_ids) as string[],
    ztdId: row.ztd_id,
    trustType: row.trust_type as TrustType | null,
    accountEnabled: row.account_enabled !== 0,
    operatingSystem: row.operating_system,
    operatingSystemVersion: row.operating_system_version,
    isCompliant: bool(row.is_compliant),
    isManaged: bool(row.is_managed),
    certThumbprint: row.cert_thumbprint,
    certPem: row.cert_pem,
    transportKey: row.transport_key,
    registeredOwnerUserId: row.registered_owner_user_id,
    approximateLastSignIn: row.approximate_last_sign_in,
    registeredAt: row.registered_at,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    mdmAppId: row.mdm_app_id,
    deviceOwnership: row.device_ownership as DeviceOwnership | null,
    enrollmentProfileName: row.enrollment_profile_name,
    profileType: row.profile_type,
    complianceExpiration: row.compliance_expiration,
    complianceVersion: row.compliance_version === null ? null : Number(row.compliance_version),
    extensionAttributes: row.extension_attributes ? (JSON.parse(row.extension_attributes) as Record<string, string>) : {},
  };
}

function signInOf(row: Selectable<SignInsTable>): SignInRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    createdAt: row.created_at,
    userId: row.user_id,
    appId: row.app_id,
    errorCode: Number(row.error_code),
    conditionalAccessStatus: row.conditional_access_status as SignInRecord['conditionalAccessStatus'],
    details: JSON.parse(row.body) as SignInDetails,
  };
}

function devicePatchRow(patch: DevicePatch): Partial<DevicesTable> {
  const row: Partial<DevicesTable> = {};
  if (patch.displayName !== undefined) {
    row.display_name = patch.displayName;
    row.display_name_words = searchTokensColumnValue(patch.displayName);
  }
  if (patch.physicalIds !== undefined) {
    row.physical_ids = JSON.stringify(patch.physicalIds);
    row.ztd_id = ztdIdFromPhysicalIds(patch.physicalIds);
  }
  if (patch.trustType !== undefined) row.trust_type = patch.trustType;
  if (patch.accountEnabled !== undefined) row.account_enabled = int(patch.accountEnabled);
  if (patch.operatingSystem !== undefined) row.operating_system = patch.operatingSystem;
  if (patch.operatingSystemVersion !== undefined) row.operating_system_version = patch.operatingSystemVersion;
  if (patch.isCompliant !== undefined) row.is_compliant = patch.isCompliant === null ? null : int(patch.isCompliant);
  if (patch.isManaged !== undefined) row.is_managed = patch.isManaged === null ? null : int(patch.isManaged);
  if (patch.certThumbprint !== undefined) row.cert_thumbprint = patch.certThumbprint;
  if (patch.certPem !== undefined) row.cert_pem = patch.certPem;
  if (patch.transportKey !== undefined) row.transport_key = patch.transportKey;
  if (patch.registeredOwnerUserId !== undefined) row.registered_owner_user_id = patch.registeredOwnerUserId;
  if (patch.approximateLastSignIn !== undefined) row.approximate_last_sign_in = patch.approximateLastSignIn;
  if (patch.registeredAt !== undefined) row.registered_at = patch.registeredAt;
  if (patch.modifiedAt !== undefined) row.modified_at = patch.modifiedAt;
  if (patch.deviceOwnership !== undefined) row.device_ownership = patch.deviceOwnership;
  if (patch.enrollmentProfileName !== undefined) row.enrollment_profile_name = patch.enrollmentProfileName;
  if (patch.profileType !== undefined) row.profile_type = patch.profileType;
  if (patch.extensionAttributes !== undefined) row.extension_attributes = JSON.stringify(patch.extensionAttributes);
  return row;
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === '23505' || (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message));
}

/** Unique-key collisions surface as StoreConflictError on both dialects. */
async function conflictsAsStoreErrors<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw new StoreConflictError(error instanceof Error ? error.message : 'unique key violation');
    throw error;
  }
}

function groupOf(row: Selectable<GroupsTable>): GroupRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    description: row.description,
    mailNickname: row.mail_nickname,
    mailEnabled: row.mail_enabled !== 0,
    securityEnabled: row.security_enabled !== 0,
    groupTypes: JSON.parse(row.group_types) as string[],
    membershipRule: row.membership_rule,
    membershipRuleProcessingState: row.membership_rule_processing_state as ProcessingState | null,
    ruleSubject: row.rule_subject as MemberType | null,
    membershipUpdatedAt: row.membership_updated_at,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function groupRow(g: GroupRecord): GroupsTable {
  return {
    id: g.id,
    tenant_id: g.tenantId,
    display_name: g.displayName,
    description: g.description,
    mail_nickname: g.mailNickname,
    mail_enabled: int(g.mailEnabled),
    security_enabled: int(g.securityEnabled),
    group_types: JSON.stringify(g.groupTypes),
    membership_rule: g.membershipRule,
    membership_rule_processing_state: g.membershipRuleProcessingState,
    rule_subject: g.ruleSubject,
    membership_updated_at: g.membershipUpdatedAt,
    created_at: g.createdAt,
    modified_at: g.modifiedAt,
  };
}

function memberOf(row: Selectable<GroupMembersTable>): GroupMemberRecord {
  return {
    groupId: row.group_id,
    memberId: row.member_id,
    memberType: row.member_type as MemberType,
    tenantId: row.tenant_id,
    source: row.source as MembershipSource,
  };
}

function subscriptionOf(row: Selectable<SubscriptionsTable>): SubscriptionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    appId: row.app_id,
    resource: row.resource,
    changeTypes: row.change_types.split(',') as ChangeType[],
    notificationUrl: row.notification_url,
    clientState: row.client_state,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

/** `$filter` on groups: Graph compares directory strings ignoring case. */
export const GROUP_FILTER_PROPERTIES: ODataPropertyMap = {
  id: { column: 'id', type: 'string', caseInsensitive: true },
  displayName: { column: 'display_name', type: 'string', caseInsensitive: true },
  mailNickname: { column: 'mail_nickname', type: 'string', caseInsensitive: true },
  description: { column: 'description', type: 'string', caseInsensitive: true },
  mailEnabled: { column: 'mail_enabled', type: 'boolean' },
  securityEnabled: { column: 'security_enabled', type: 'boolean' },
  groupTypes: { jsonArrayColumn: 'group_types', caseInsensitive: true },
  membershipRuleProcessingState: { column: 'membership_rule_processing_state', type: 'string', caseInsensitive: true },
  createdDateTime: { column: 'created_at', type: 'datetime' },
};

/** `$filter` on conditional access policies and named locations. */
export const CONDITIONAL_ACCESS_FILTER_PROPERTIES: Record<ConditionalAccessTable, ODataPropertyMap> = {
  policies: {
    id: { column: 'id', type: 'string', caseInsensitive: true },
    displayName: { column: 'display_name', type: 'string', caseInsensitive: true },
    state: { column: 'kind', type: 'string', caseInsensitive: true },
    createdDateTime: { column: 'created_at', type: 'datetime' },
    modifiedDateTime: { column: 'modified_at', type: 'datetime' },
  },
  namedLocations: {
    id: { column: 'id', type: 'string', caseInsensitive: true },
    displayName: { column: 'display_name', type: 'string', caseInsensitive: true },
    createdDateTime: { column: 'created_at', type: 'datetime' },
    modifiedDateTime: { column: 'modified_at', type: 'datetime' },
  },
};

const CA_TABLES = { policies: 'ca_policies', namedLocations: 'ca_named_locations' } as const;

function conditionalAccessOf(row: Selectable<ConditionalAccessObjectsTable>): ConditionalAccessRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    kind: row.kind,
    body: JSON.parse(row.body),
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

/** Keeps IN lists well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;
export class KyselyIdentityStore implements IdentityStore {
  constructor(
    private readonly db: Kysely<IdentityDatabase> | Transaction<IdentityDatabase>,
    private readonly dialect: Dialect,
  ) {}

  async transaction<T>(fn: (store: IdentityStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return (this.db as Kysely<IdentityDatabase>).transaction().execute((trx) => fn(new KyselyIdentityStore(trx, this.dialect)));
  }

  async findTenantById(id: string) {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst();
    return row && tenantOf(row);
  }

  async findTenantByDomain(domain: string) {
    const row = await this.db.selectFrom('tenants').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
    return row && tenantOf(row);
  }

  async insertTenant(t: TenantRecord) {
    await this.db
      .insertInto('tenants')
      .values({
        id: t.id.toLowerCase(),
        domain: t.domain.toLowerCase(),
        display_name: t.displayName,
        branding: JSON.stringify(t.branding),
        signing_key: t.signingKey,
        device_ca_cert: t.deviceCaCertPem,
        device_ca_key: t.deviceCaKey,
        created_at: t.createdAt,
        modified_at: t.modifiedAt,
      })
      .execute();
  }

  async updateTenant(id: string, patch: { displayName: string; branding: TenantBranding }) {
    await this.db
      .updateTable('tenants')
      .set({ display_name: patch.displayName, branding: JSON.stringify(patch.branding), modified_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async findUserById(tenantId: string, id: string) {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row && userOf(row);
  }

  async findUserByUpn(tenantId: string, upn: string) {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('upn_key', '=', upn.toLowerCase())
      .executeTakeFirst();
    return row && userOf(row);
  }

  async findUserByMail(tenantId: string, mail: string) {
    // The same expression and predicate as the unique index users_tenant_mail, so it is used.
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('mail', 'is not', null)
      .where(sql<string>`lower(mail)`, '=', mail.toLowerCase())
      .executeTakeFirst();
    return row && userOf(row);
  }

  async listUsers(tenantId: string, query: UserQuery) {
    const q = this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId);
    return (await pageDirectory(q, query, USER_COLUMNS, this.dialect).execute()).map(userOf);
  }

  async countUsers(tenantId: string, selection: DirectorySelection) {
    const q = this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId);
    const row = await selectDirectory(q, selection, USER_COLUMNS, this.dialect).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insertUser(u: UserRecord) {
    await this.db
      .insertInto('users')
      .values({
        id: u.id,
        tenant_id: u.tenantId,
        upn: u.upn,
        upn_key: u.upn.toLowerCase(),
        display_name: u.displayName,
        display_name_words: searchTokensColumnValue(u.displayName),
        password_hash: u.passwordHash,
        account_enabled: int(u.accountEnabled),
        is_admin: int(u.isAdmin),
        created_at: u.createdAt,
        modified_at: u.modifiedAt,
        ...profileRow(u),
      })
      .execute();
  }

  async deleteUser(tenantId: string, id: string) {
    await this.db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  async updateUser(tenantId: string, id: string, patch: UserPatch) {
    const row: Partial<UsersTable> = { modified_at: new Date().toISOString(), ...profileColumns(patch) };
    if (patch.displayName !== undefined) {
      row.display_name = patch.displayName;
      row.display_name_words = searchTokensColumnValue(patch.displayName);
    }
    if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
    if (patch.accountEnabled !== undefined) row.account_enabled = int(patch.accountEnabled);
    if (patch.isAdmin !== undefined) row.is_admin = int(patch.isAdmin);
    await this.db.updateTable('users').set(row).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  async findApplication(tenantId: string, appId: string) {
    const row = await this.db
      .selectFrom('applications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId.toLowerCase())
      .executeTakeFirst();
    return row && applicationOf(row);
  }

  async listApplications(tenantId: string) {
    const rows = await this.db.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('app_id').execute();
    return rows.map(applicationOf);
  }

  async deleteApplication(tenantId: string, appId: string) {
    await this.db.deleteFrom('applications').where('tenant_id', '=', tenantId).where('app_id', '=', appId.toLowerCase()).execute();
  }

  async markApplicationConfidential(tenantId: string, appId: string) {
    await this.db.updateTable('applications').set({ is_public: 0 }).where('tenant_id', '=', tenantId).where('app_id', '=', appId.toLowerCase()).execute();
  }

  async changeApplication(tenantId: string, appId: string, change: (current: ApplicationRecord) => ApplicationChange, modifiedAt: string) {
    return this.transaction(async (tx) => {
      const store = tx as KyselyIdentityStore;
      const query = store.db.selectFrom('applications').selectAll().where('tenant_id', '=', tenantId).where('app_id', '=', appId.toLowerCase());
      // SQLite's transactions already hold the write lock from their first statement.
      const row = await (this.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
      if (!row) return undefined;
      const { displayName, secrets, roles } = change(applicationOf(row));
      const changed = {
        display_name: displayName ?? row.display_name,
        password_credentials: secrets ? JSON.stringify(secrets) : row.password_credentials,
        roles: roles ? JSON.stringify(roles) : row.roles,
        is_public: secrets && secrets.length > 0 ? 0 : row.is_public,
        modified_at: modifiedAt,
      };
      await store.db.updateTable('applications').set(changed).where('tenant_id', '=', row.tenant_id).where('app_id', '=', row.app_id).execute();
      return applicationOf({ ...row, ...changed });
    });
  }

  async upsertApplication(a: ApplicationRecord) {
    const values = {
      tenant_id: a.tenantId,
      app_id: a.appId.toLowerCase(),
      display_name: a.displayName,
      password_credentials: JSON.stringify(a.secrets),
      roles: JSON.stringify(a.roles),
      is_public: int(a.isPublic),
      mdm: a.mdm ? JSON.stringify(a.mdm) : null,
      created_at: a.createdAt,
      modified_at: a.modifiedAt,
    };
    await this.db
      .insertInto('applications')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'app_id']).doUpdateSet({
          display_name: values.display_name,
          password_credentials: values.password_credentials,
          roles: values.roles,
          is_public: values.is_public,
          mdm: values.mdm,
          modified_at: values.modified_at,
        }),
      )
      .execute();
  }

  async insertRefreshToken(t: RefreshTokenRecord) {
    await this.db
      .insertInto('refresh_tokens')
      .values({
        token_hash: t.tokenHash,
        family_id: t.familyId,
        tenant_id: t.tenantId,
        user_id: t.userId,
        client_id: t.clientId,
        scope: t.scope,
        device_id: t.deviceId,
        expires_at: t.expiresAt,
        rotated: int(t.rotated),
        created_at: t.createdAt,
      })
      .execute();
  }

  async findRefreshToken(tokenHash: string) {
    const row = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && refreshTokenOf(row);
  }

  async markRefreshTokenRotated(tokenHash: string) {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ rotated: 1 })
      .where('token_hash', '=', tokenHash)
      .where('rotated', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeRefreshTokenFamily(familyId: string) {
    // Rotated tokens of the family are kept so that a later replay is still recognised.
    await this.db
      .updateTable('refresh_tokens')
      .set({ rotated: 1, expires_at: new Date(0).toISOString() })
      .where('family_id', '=', familyId)
      .execute();
  }

  revokeDeviceRefreshTokens(tenantId: string, deviceObjectId: string) {
    return this.revokeRefreshTokensWhere(tenantId, 'device_id', deviceObjectId);
  }

  revokeUserRefreshTokens(tenantId: string, userId: string) {
    return this.revokeRefreshTokensWhere(tenantId, 'user_id', userId);
  }

  revokeClientRefreshTokens(tenantId: string, clientId: string) {
    return this.revokeRefreshTokensWhere(tenantId, 'client_id', clientId);
  }

  private async revokeRefreshTokensWhere(tenantId: string, column: 'device_id' | 'user_id' | 'client_id', value: string) {
    // Kept, like a revoked family, so that presenting one again is recognised as dead.
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ rotated: 1, expires_at: new Date(0).toISOString() })
      .where('tenant_id', '=', tenantId)
      .where(column, '=', value)
      .where('rotated', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async applyComplianceState(tenantId: string, id: string, state: ComplianceState) {
    // One conditional statement, so two reports racing cannot both win out of order.
    const result = await this.db
      .updateTable('devices')
      .set({
        is_compliant: int(state.isCompliant),
        is_managed: int(state.isManaged),
        mdm_app_id: state.mdmAppId,
        compliance_expiration: state.complianceExpiration,
        compliance_version: state.version,
        modified_at: state.modifiedAt,
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('compliance_version', 'is', null), eb('compliance_version', '<', state.version)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeDeviceCertificate(r: RevokedCertificateRecord) {
    await this.db
      .insertInto('revoked_device_certificates')
      .values({ tenant_id: r.tenantId, thumbprint: r.thumbprint, device_id: r.deviceId, reason: r.reason, revoked_at: r.revokedAt })
      .onConflict((oc) => oc.columns(['tenant_id', 'thumbprint']).doNothing())
      .execute();
  }

  async releaseDeviceCertificateHold(tenantId: string, thumbprint: string) {
    await this.db
      .deleteFrom('revoked_device_certificates')
      .where('tenant_id', '=', tenantId)
      .where('thumbprint', '=', thumbprint)
      .where('reason', '=', 'certificateHold')
      .execute();
  }

  async insertSignIn(e: SignInRecord) {
    await this.db
      .insertInto('sign_ins')
      .values({
        id: e.id,
        tenant_id: e.tenantId,
        created_at: e.createdAt,
        user_id: e.userId,
        app_id: e.appId,
        error_code: e.errorCode,
        conditional_access_status: e.conditionalAccessStatus,
        body: JSON.stringify(e.details),
      })
      .execute();
  }

  async listSignIns(tenantId: string, query: SignInQuery) {
    let q = this.db.selectFrom('sign_ins').selectAll().where('tenant_id', '=', tenantId);
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
    if (query.appId !== undefined) q = q.where('app_id', '=', query.appId);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    return (await q.orderBy('id', 'desc').limit(query.limit).execute()).map(signInOf);
  }

  async findSignIn(tenantId: string, id: string) {
    const row = await this.db.selectFrom('sign_ins').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && signInOf(row);
  }

  async findRevokedDeviceCertificate(tenantId: string, thumbprint: string) {
    const row = await this.db
      .selectFrom('revoked_device_certificates')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('thumbprint', '=', thumbprint)
      .executeTakeFirst();
    return (
      row && {
        tenantId: row.tenant_id,
        thumbprint: row.thumbprint,
        deviceId: row.device_id,
        reason: row.reason as RevokedCertificateRecord['reason'],
        revokedAt: row.revoked_at,
      }
    );
  }

  async findDevice(tenantId: string, id: string) {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row && deviceOf(row);
  }

  async findDeviceByDeviceId(tenantId: string, deviceId: string) {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId.toLowerCase())
      .executeTakeFirst();
    return row && deviceOf(row);
  }

  async findDeviceByZtdId(tenantId: string, ztdId: string) {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('ztd_id', '=', ztdId.toLowerCase())
      .executeTakeFirst();
    return row && deviceOf(row);
  }

  async findDeviceByThumbprint(tenantId: string, thumbprint: string) {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('cert_thumbprint', '=', thumbprint.toUpperCase())
      .executeTakeFirst();
    return row && deviceOf(row);
  }

  async listDevicesOfOwner(tenantId: string, userId: string, page: { afterId?: string; limit: number }) {
    let q = this.db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId).where('registered_owner_user_id', '=', userId);
    if (page.afterId !== undefined) q = q.where('id', '>', page.afterId);
    return (await q.orderBy('id').limit(page.limit).execute()).map(deviceOf);
  }

  async listDevices(tenantId: string, query: DeviceQuery) {
    const q = this.db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId);
    return (await pageDirectory(q, query, DEVICE_COLUMNS, this.dialect).execute()).map(deviceOf);
  }

  async countDevices(tenantId: string, selection: DirectorySelection) {
    const q = this.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId);
    const row = await selectDirectory(q, selection, DEVICE_COLUMNS, this.dialect).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insertDevice(d: DeviceRecord) {
    const insert = this.db
      .insertInto('devices')
      .values({
        id: d.id,
        device_id: d.deviceId.toLowerCase(),
        tenant_id: d.tenantId,
        display_name: d.displayName,
        display_name_words: searchTokensColumnValue(d.displayName),
        physical_ids: JSON.stringify(d.physicalIds),
        ztd_id: ztdIdFromPhysicalIds(d.physicalIds),
        trust_type: d.trustType,
        account_enabled: int(d.accountEnabled),
        operating_system: d.operatingSystem,
        operating_system_version: d.operatingSystemVersion,
        is_compliant: d.isCompliant === null ? null : int(d.isCompliant),
        is_managed: d.isManaged === null ? null : int(d.isManaged),
        cert_thumbprint: d.certThumbprint,
        cert_pem: d.certPem,
        transport_key: d.transportKey,
        registered_owner_user_id: d.registeredOwnerUserId,
        approximate_last_sign_in: d.approximateLastSignIn,
        registered_at: d.registeredAt,
        created_at: d.createdAt,
        modified_at: d.modifiedAt,
        mdm_app_id: d.mdmAppId ?? null,
        device_ownership: d.deviceOwnership ?? null,
        enrollment_profile_name: d.enrollmentProfileName ?? null,
        profile_type: d.profileType ?? null,
        compliance_expiration: d.complianceExpiration ?? null,
        compliance_version: d.complianceVersion ?? null,
        extension_attributes: d.extensionAttributes && Object.keys(d.extensionAttributes).length > 0 ? JSON.stringify(d.extensionAttributes) : null,
      })
      .execute();
    await conflictsAsStoreErrors(insert);
  }

  async updateDevice(tenantId: string, id: string, patch: DevicePatch) {
    const row = devicePatchRow({ ...patch, modifiedAt: patch.modifiedAt ?? new Date().toISOString() });
    await conflictsAsStoreErrors(this.db.updateTable('devices').set(row).where('tenant_id', '=', tenantId).where('id', '=', id).execute());
  }

  async findDevicesByIds(tenantId: string, ids: string[]) {
    const out: DeviceRecord[] = [];
    for (const part of chunks(ids, CHUNK)) {
      if (part.length === 0) continue;
      const rows = await this.db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
      out.push(...rows.map(deviceOf));
    }
    return out;
  }

  async findUsersByIds(tenantId: string, ids: string[]) {
    const out: UserRecord[] = [];
    for (const part of chunks(ids, CHUNK)) {
      if (part.length === 0) continue;
      const rows = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', part).execute();
      out.push(...rows.map(userOf));
    }
    return out;
  }

  async deleteDevice(tenantId: string, id: string) {
    // A deleted device's recovery keys go with it, as Entra's do.
    await this.db.deleteFrom('bitlocker_recovery_keys').where('tenant_id', '=', tenantId).where('device_object_id', '=', id).execute();
    await this.db.deleteFrom('devices').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  async insertGroup(g: GroupRecord) {
    await this.db.insertInto('groups').values(groupRow(g)).execute();
    await this.restampRules(g.tenantId);
  }

  /** A fresh random stamp: a rolled-back change can never leave a stamp that comes back later. */
  private async restampRules(tenantId: string) {
    await this.db
      .insertInto('group_rule_stamps')
      .values({ tenant_id: tenantId, stamp: randomUUID() })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ stamp: eb.ref('excluded.stamp') })))
      .execute();
  }

  async ruleStamp(tenantId: string) {
    const row = await this.db.selectFrom('group_rule_stamps').select('stamp').where('tenant_id', '=', tenantId).executeTakeFirst();
    return row?.stamp ?? '';
  }

  async updateGroup(tenantId: string, id: string, patch: GroupPatch) {
    const full = groupRow({ ...({} as GroupRecord), ...patch });
    const row: Partial<GroupsTable> = {};
    const keys: Array<[keyof GroupPatch, keyof GroupsTable]> = [
      ['displayName', 'display_name'],
      ['description', 'description'],
      ['mailNickname', 'mail_nickname'],
      ['mailEnabled', 'mail_enabled'],
      ['securityEnabled', 'security_enabled'],
      ['groupTypes', 'group_types'],
      ['membershipRule', 'membership_rule'],
      ['membershipRuleProcessingState', 'membership_rule_processing_state'],
      ['ruleSubject', 'rule_subject'],
      ['membershipUpdatedAt', 'membership_updated_at'],
      ['modifiedAt', 'modified_at'],
    ];
    for (const [from, to] of keys) if (patch[from] !== undefined) (row as Record<string, unknown>)[to] = full[to];
    if (Object.keys(row).length === 0) return;
    await this.db.updateTable('groups').set(row).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    if (patch.membershipRule !== undefined || patch.membershipRuleProcessingState !== undefined || patch.ruleSubject !== undefined) {
      await this.restampRules(tenantId);
    }
  }

  async deleteGroup(tenantId: string, id: string) {
    await this.db.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', id).execute();
    await this.db.deleteFrom('group_rule_properties').where('tenant_id', '=', tenantId).where('group_id', '=', id).execute();
    await this.db.deleteFrom('groups').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
    await this.restampRules(tenantId);
  }

  async findGroup(tenantId: string, id: string) {
    const row = await this.db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row && groupOf(row);
  }

  async listGroups(tenantId: string, query: GroupQuery) {
    let q = this.db.selectFrom('groups').selectAll().where('tenant_id', '=', tenantId);
    q = applyODataFilter(q, query.filter, GROUP_FILTER_PROPERTIES, this.dialect);
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    const rows = await q.orderBy('id').limit(query.limit).execute();
    return rows.map(groupOf);
  }

  async countGroups(tenantId: string, filter: FilterNode | undefined) {
    let q = this.db.selectFrom('groups').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId);
    q = applyODataFilter(q, filter, GROUP_FILTER_PROPERTIES, this.dialect);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setGroupRuleProperties(tenantId: string, groupId: string, properties: string[]) {
    await this.db.deleteFrom('group_rule_properties').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
    await this.restampRules(tenantId);
    const unique = [...new Set(properties.map((p) => p.toLowerCase()))];
    if (unique.length === 0) return;
    await this.db
      .insertInto('group_rule_properties')
      .values(unique.map((property) => ({ group_id: groupId, tenant_id: tenantId, property })))
      .execute();
  }

  async findRuleGroups(tenantId: string, subject: MemberType, properties: string[] | 'all') {
    let q = this.db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('rule_subject', '=', subject)
      .where('membership_rule_processing_state', '=', 'On');
    if (properties !== 'all') {
      if (properties.length === 0) return [];
      const wanted = properties.map((p) => p.toLowerCase());
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('group_rule_properties').select('group_id').where('tenant_id', '=', tenantId).where('property', 'in', wanted),
      );
    }
    return (await q.orderBy('id').execute()).map(groupOf);
  }

  async membershipsOf(tenantId: string, memberId: string) {
    const rows = await this.db.selectFrom('group_members').selectAll().where('tenant_id', '=', tenantId).where('member_id', '=', memberId).execute();
    return rows.map(memberOf);
  }

  async listMemberOf(tenantId: string, memberId: string, afterId: string | undefined, limit: number) {
    let q = this.db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', (eb) =>
        eb.selectFrom('group_members').select('group_id').where('tenant_id', '=', tenantId).where('member_id', '=', memberId),
      );
    if (afterId !== undefined) q = q.where('id', '>', afterId);
    return (await q.orderBy('id').limit(limit).execute()).map(groupOf);
  }

  async listGroupMembers(tenantId: string, groupId: string, afterId: string | undefined, limit: number, memberType?: MemberType) {
    let q = this.db.selectFrom('group_members').selectAll().where('tenant_id', '=', tenantId).where('group_id', '=', groupId);
    if (memberType !== undefined) q = q.where('member_type', '=', memberType);
    if (afterId !== undefined) q = q.where('member_id', '>', afterId);
    return (await q.orderBy('member_id').limit(limit).execute()).map(memberOf);
  }

  async countGroupMembers(tenantId: string, groupId: string, memberType?: MemberType) {
    let q = this.db.selectFrom('group_members').select((eb) => eb.fn.countAll().as('n')).where('tenant_id', '=', tenantId).where('group_id', '=', groupId);
    if (memberType !== undefined) q = q.where('member_type', '=', memberType);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async countMemberOf(tenantId: string, memberId: string) {
    const row = await this.db
      .selectFrom('group_members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('member_id', '=', memberId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async groupMemberIds(tenantId: string, groupId: string, source: MembershipSource) {
    const rows = await this.db
      .selectFrom('group_members')
      .select('member_id')
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .where('source', '=', source)
      .execute();
    return rows.map((r) => r.member_id);
  }

  async insertGroupMembers(members: GroupMemberRecord[]) {
    for (const part of chunks(members, 200)) {
      if (part.length === 0) continue;
      await this.db
        .insertInto('group_members')
        .values(part.map((m) => ({ group_id: m.groupId, member_id: m.memberId, member_type: m.memberType, tenant_id: m.tenantId, source: m.source })))
        .onConflict((oc) => oc.columns(['group_id', 'member_id']).doNothing())
        .execute();
    }
  }

  async deleteGroupMembers(tenantId: string, groupId: string, memberIds: string[]) {
    for (const part of chunks(memberIds, CHUNK)) {
      if (part.length === 0) continue;
      await this.db
        .deleteFrom('group_members')
        .where('tenant_id', '=', tenantId)
        .where('group_id', '=', groupId)
        .where('member_id', 'in', part)
        .execute();
    }
  }

  async deleteMemberships(tenantId: string, memberId: string) {
    const rows = await this.db
      .deleteFrom('group_members')
      .where('tenant_id', '=', tenantId)
      .where('member_id', '=', memberId)
      .returningAll()
      .execute();
    return rows.map(memberOf);
  }

  async insertSubscription(s: SubscriptionRecord) {
    await this.db
      .insertInto('subscriptions')
      .values({
        id: s.id,
        tenant_id: s.tenantId,
        app_id: s.appId.toLowerCase(),
        resource: s.resource,
        change_types: s.changeTypes.join(','),
        notification_url: s.notificationUrl,
        client_state: s.clientState,
        expires_at: s.expiresAt,
        created_at: s.createdAt,
      })
      .execute();
  }

  async findSubscription(id: string) {
    const row = await this.db.selectFrom('subscriptions').selectAll().where('id', '=', id.toLowerCase()).executeTakeFirst();
    return row && subscriptionOf(row);
  }

  async listSubscriptions(tenantId: string, appId: string) {
    const rows = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('app_id', '=', appId.toLowerCase())
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(subscriptionOf);
  }

  async updateSubscriptionExpiry(id: string, expiresAt: string) {
    await this.db.updateTable('subscriptions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async deleteSubscription(id: string) {
    await this.db.deleteFrom('subscriptions').where('id', '=', id).execute();
  }

  async subscriptionsOn(tenantId: string, resources: string[], now: string) {
    if (resources.length === 0) return [];
    const rows = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('resource', 'in', resources)
      .where('expires_at', '>', now)
      .execute();
    return rows.map(subscriptionOf);
  }

  async listConditionalAccess(table: ConditionalAccessTable, tenantId: string, query: ConditionalAccessQuery) {
    let q = this.db.selectFrom(CA_TABLES[table]).selectAll().where('tenant_id', '=', tenantId);
    q = applyODataFilter(q, query.filter, CONDITIONAL_ACCESS_FILTER_PROPERTIES[table], this.dialect);
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    q = q.orderBy('id');
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q.execute()).map(conditionalAccessOf);
  }

  async findConditionalAccess(table: ConditionalAccessTable, tenantId: string, id: string) {
    const row = await this.db
      .selectFrom(CA_TABLES[table])
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id.toLowerCase())
      .executeTakeFirst();
    return row && conditionalAccessOf(row);
  }

  async insertConditionalAccess(table: ConditionalAccessTable, r: ConditionalAccessRecord) {
    await this.db
      .insertInto(CA_TABLES[table])
      .values({
        id: r.id.toLowerCase(),
        tenant_id: r.tenantId,
        display_name: r.displayName,
        kind: r.kind,
        body: JSON.stringify(r.body),
        created_at: r.createdAt,
        modified_at: r.modifiedAt,
      })
      .execute();
  }

  async updateConditionalAccess(table: ConditionalAccessTable, r: ConditionalAccessRecord) {
    const result = await this.db
      .updateTable(CA_TABLES[table])
      .set({ display_name: r.displayName, kind: r.kind, body: JSON.stringify(r.body), modified_at: r.modifiedAt })
      .where('tenant_id', '=', r.tenantId)
      .where('id', '=', r.id.toLowerCase())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteConditionalAccess(table: ConditionalAccessTable, tenantId: string, id: string) {
    const result = await this.db.deleteFrom(CA_TABLES[table]).where('tenant_id', '=', tenantId).where('id', '=', id.toLowerCase()).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async conditionalAccessVersion(tenantId: string) {
    const parts: string[] = [];
    for (const table of Object.values(CA_TABLES)) {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('created'), eb.fn.max('modified_at').as('modified')])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow();
      parts.push(`${Number(row.n)}|${row.created ?? ''}|${row.modified ?? ''}`);
    }
    return parts.join('/');
  }

  async enqueue(rows: OutboxTable['outbox'][]) {
    if (rows.length === 0) return;
    await this.db.insertInto('outbox').values(rows).execute();
  }

  async markMessageProcessed(id: string, topic: string) {
    const result = await this.db
      .insertInto('processed_messages')
      .values({ id, topic, processed_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
