import type { Kysely, Migration } from 'kysely';

/** Tables of interactive sign-in (see signin-store.ts). */
export const signinMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('redirect_uris')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('uri', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('redirect_uris_pk', ['tenant_id', 'app_id', 'uri'])
      .execute();

    await db.schema
      .createTable('signin_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('nonce', 'text')
      .addColumn('user_code', 'text')
      .addColumn('user_id', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('family_id', 'text')
      .addColumn('poll_interval', 'integer', (c) => c.notNull())
      .addColumn('last_polled_at', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signin_codes_user_code').on('signin_codes').columns(['tenant_id', 'user_code']).unique().execute();

    await db.schema
      .createTable('totp_methods')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('confirmed', 'integer', (c) => c.notNull())
      .addColumn('recovery_codes', 'text', (c) => c.notNull())
      .addColumn('last_step', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('totp_methods_pk', ['tenant_id', 'user_id'])
      .execute();

    await db.schema
      .createTable('signin_lockouts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addPrimaryKeyConstraint('signin_lockouts_pk', ['tenant_id', 'user_id'])
      .execute();

    // private_key_jwt: the public keys a client signs its assertions with, and the
    // assertion ids already seen (each assertion is accepted once).
    await db.schema
      .createTable('client_keys')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('app_id', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('jwk', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('client_keys_pk', ['tenant_id', 'app_id', 'kid'])
      .execute();
    await db.schema
      .createTable('client_assertions')
      .addColumn('jti_hash', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('refresh_families')
      .addColumn('family_id', 'text', (c) => c.primaryKey())
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'text', (c) => c.notNull())
      .execute();
  },
};
