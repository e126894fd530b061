import { outboxMigration } from '@baton/kit';
import type { Kysely, Migration } from 'kysely';

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

/** Names sort in the order they apply. */
export const identityMigrations: Record<string, Migration> = {
  '0001_identity': initial,
  '0002_outbox': outboxMigration,
};
