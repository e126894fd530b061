import { outboxMigration, searchTokensColumnValue } from '@baton/kit';
import { identityEventsMigration } from '../events/feed.js';
import { sql, type Kysely, type Migration } from 'kysely';
import { signinMigration } from './signin-migration.js';
import { bitLockerKeysMigration } from './bitlocker-keys-store.js';

const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('branding', 'text', (c) => c.notNull())
      .addColumn('signing_key', 'text', (c) => c.notNull())
      .addColumn('device_ca_cert', 'text', (c) => c.notNull())
      .addColumn('device_ca_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('upn', 'text', (c) => c.notNull())
      .addColumn('upn_key', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('account_enabled', 'integer', (c) => c.notNull())
      .addColumn('is_admin', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('users_tenant_upn', ['tenant_id', 'upn_key'])
      .execute();

    await db.schema
      .createTable('applications')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('secret_digest', 'text')
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('is_public', 'integer', (c) => c.notNull())
      .addColumn('mdm', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('applications_pk', ['tenant_id', 'app_id'])
      .execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('family_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('rotated', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();

    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('physical_ids', 'text', (c) => c.notNull())
      .addColumn('ztd_id', 'text')
      .addColumn('trust_type', 'text')
      .addColumn('account_enabled', 'integer', (c) => c.notNull())
      .addColumn('operating_system', 'text')
      .addColumn('operating_system_version', 'text')
      .addColumn('is_compliant', 'integer')
      .addColumn('is_managed', 'integer')
      .addColumn('cert_thumbprint', 'text')
      .addColumn('cert_pem', 'text')
      .addColumn('transport_key', 'text')
      .addColumn('registered_owner_user_id', 'text')
      .addColumn('approximate_last_sign_in', 'text')
      .addColumn('registered_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('devices_tenant_device_id', ['tenant_id', 'device_id'])
      .addUniqueConstraint('devices_tenant_ztd_id', ['tenant_id', 'ztd_id'])
      .execute();
    await db.schema.createIndex('devices_thumbprint').on('devices').columns(['tenant_id', 'cert_thumbprint']).execute();

    await db.schema
      .createTable('processed_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'text', (c) => c.notNull())
      .execute();
  },
};

const groups: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('mail_nickname', 'text', (c) => c.notNull())
      .addColumn('mail_enabled', 'integer', (c) => c.notNull())
      .addColumn('security_enabled', 'integer', (c) => c.notNull())
      .addColumn('group_types', 'text', (c) => c.notNull())
      .addColumn('membership_rule', 'text')
      .addColumn('membership_rule_processing_state', 'text')
      .addColumn('rule_subject', 'text')
      .addColumn('membership_updated_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('groups_tenant_name').on('groups').columns(['tenant_id', 'display_name']).execute();

    await db.schema
      .createTable('group_rule_properties')
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('property', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_rule_properties_pk', ['group_id', 'property'])
      .execute();
    await db.schema.createIndex('group_rule_properties_lookup').on('group_rule_properties').columns(['tenant_id', 'property']).execute();

    await db.schema
      .createTable('group_members')
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('member_type', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'member_id'])
      .execute();
    await db.schema.createIndex('group_members_member').on('group_members').columns(['tenant_id', 'member_id']).execute();

    await db.schema
      .createTable('subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('change_types', 'text', (c) => c.notNull())
      .addColumn('notification_url', 'text', (c) => c.notNull())
      .addColumn('client_state', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subscriptions_resource').on('subscriptions').columns(['tenant_id', 'resource']).execute();
    // Keyset pages over a tenant's devices (lists, full recomputes) walk this index instead
    // of sorting the tenant's devices for every page.
    await db.schema.createIndex('devices_tenant_id').on('devices').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('subscriptions_app').on('subscriptions').columns(['tenant_id', 'app_id']).execute();
  },
};

/**
 * What management reports about a device (compliance, management, the MDM app), the
 * Graph attributes an Autopilot deployment sets, and the certificates identity stopped
 * trusting. `compliance_version` orders compliance reports: an older one never
 * overwrites a newer one.
 */
const deviceState: Migration = {
  async up(db: Kysely<any>) {
    for (const column of ['mdm_app_id', 'device_ownership', 'enrollment_profile_name', 'compliance_expiration', 'extension_attributes']) {
      await db.schema.alterTable('devices').addColumn(column, 'text').execute();
    }
    await db.schema.alterTable('devices').addColumn('compliance_version', 'bigint').execute();
    await db.schema
      .createTable('revoked_device_certificates')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('thumbprint', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('revoked_device_certificates_pk', ['tenant_id', 'thumbprint'])
      .execute();
    await db.schema.createIndex('refresh_tokens_device').on('refresh_tokens').columns(['tenant_id', 'device_id']).execute();
  },
};

/** Every token request that reached a user decision, with the conditional access result. */
const signInLog: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sign_ins')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('error_code', 'integer', (c) => c.notNull())
      .addColumn('conditional_access_status', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .execute();
    // Newest first per tenant (ids are time ordered), optionally one user's.
    await db.schema.createIndex('sign_ins_tenant').on('sign_ins').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('sign_ins_user').on('sign_ins').columns(['tenant_id', 'user_id', 'id']).execute();
  },
};

/** Conditional access policies and named locations, one JSON body per object. */
const conditionalAccess: Migration = {
  async up(db: Kysely<any>) {
    for (const table of ['ca_policies', 'ca_named_locations']) {
      await db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('modified_at', 'text')
        .execute();
      await db.schema.createIndex(`${table}_tenant_id`).on(table).columns(['tenant_id', 'id']).execute();
    }
  },
};

// One row per tenant whose stamp changes with every write that can change which rules its
// dynamic groups have; the membership engine keeps the tenant's rules in memory while the
// stamp it read them under is still the one stored, so replicas notice each other's changes.
const ruleStamps: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('group_rule_stamps')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('stamp', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Graph's profileType as a join records it: what tells a self-deploying device (`Shared`) from
 * a pre-provisioned one when each gets tokens of its own. Objects joined before have none.
 */
const profileType: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('devices').addColumn('profile_type', 'text').execute();
  },
};

/** A password reset or a disabled account revokes the user's refresh tokens, found by this index. */
const refreshTokensByUser: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').columns(['tenant_id', 'user_id']).execute();
  },
};

/**
 * An application keeps several client secrets, each with its validity, instead of one digest:
 * the one it had moves into the list, without an end date.
 */
const applicationSecrets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('applications').addColumn('password_credentials', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    const rows = await db.selectFrom('applications').select(['tenant_id', 'app_id', 'secret_digest', 'modified_at']).where('secret_digest', 'is not', null).execute();
    for (const row of rows) {
      const secret = { digest: row.secret_digest, displayName: null, hint: null, startDateTime: row.modified_at, endDateTime: null };
      await db.updateTable('applications').set({ password_credentials: JSON.stringify([secret]) }).where('tenant_id', '=', row.tenant_id).where('app_id', '=', row.app_id).execute();
    }
    await db.schema.alterTable('applications').dropColumn('secret_digest').execute();
  },
};

/** A user's registered devices (Graph `users/{id}/registeredDevices`) without reading the tenant's. */
const devicesByOwner: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('devices_owner').on('devices').columns(['tenant_id', 'registered_owner_user_id', 'id']).execute();
  },
};

/**
 * `$search` on a user's or device's displayName matches its words (see kit's search-sql.ts), so
 * each row keeps them beside the name, written whenever the name is. Rows from before get theirs
 * here, a page at a time; should the word splitting ever change, a later migration rewrites the
 * column the same way.
 */
const displayNameWords: Migration = {
  async up(db: Kysely<any>) {
    for (const table of ['users', 'devices']) {
      await db.schema.alterTable(table).addColumn('display_name_words', 'text', (c) => c.notNull().defaultTo('')).execute();
      for (let after = ''; ; ) {
        const rows: Array<{ id: string; display_name: string }> = await db.selectFrom(table).select(['id', 'display_name']).where('id', '>', after).orderBy('id').limit(500).execute();
        for (const row of rows) {
          await db.updateTable(table).set({ display_name_words: searchTokensColumnValue(row.display_name) }).where('id', '=', row.id).execute();
        }
        if (rows.length < 500) break;
        after = rows[rows.length - 1]!.id;
      }
    }
  },
};

/**
 * Entra's common user profile properties (given name, department, usage location, …), one
 * nullable text column each; users from before have none set. The names are spelt out rather
 * than read from user-profile-columns.ts so this migration stays what it was if that map grows.
 */
const userProfile: Migration = {
  async up(db: Kysely<any>) {
    for (const column of [
      'given_name',
      'surname',
      'mail',
      'job_title',
      'department',
      'company_name',
      'office_location',
      'city',
      'state',
      'country',
      'usage_location',
      'employee_id',
      'mobile_phone',
    ]) {
      await db.schema.alterTable('users').addColumn(column, 'text').execute();
    }
  },
};

/**
 * A mail address names one user of a tenant, as in Entra; compared ignoring case. Partial, so
 * the many users without one do not collide.
 */
const usersMailUnique: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE UNIQUE INDEX users_tenant_mail ON users (tenant_id, lower(mail)) WHERE mail IS NOT NULL`.execute(db);
  },
};

/** Names sort in the order they apply. */
export const identityMigrations: Record<string, Migration> = {
  '0001_identity': initial,
  '0002_outbox': outboxMigration,
  '0003_groups': groups,
  '0004_device_state': deviceState,
  '0005_sign_in_log': signInLog,
  '0006_conditional_access': conditionalAccess,
  '0007_signin': signinMigration,
  '0008_group_rule_stamps': ruleStamps,
  '0009_identity_events': identityEventsMigration,
  '0010_device_profile_type': profileType,
  '0011_refresh_tokens_by_user': refreshTokensByUser,
  '0012_application_secrets': applicationSecrets,
  '0013_devices_by_owner': devicesByOwner,
  '0014_display_name_words': displayNameWords,
  '0015_user_profile': userProfile,
  '0016_users_mail_unique': usersMailUnique,
  '0017_bitlocker_recovery_keys': bitLockerKeysMigration,
};
