import { outboxMigration } from '@baton/kit';
import type { Kysely, Migration } from 'kysely';

const discoveryTables: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('autopilot_devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('hardware_hash', 'text', (c) => c.notNull())
      .addColumn('hardware_identity_digest', 'text', (c) => c.notNull().unique())
      .addColumn('product_key', 'text')
      .addColumn('group_tag', 'text')
      .addColumn('purchase_order_identifier', 'text')
      .addColumn('manufacturer', 'text')
      .addColumn('model', 'text')
      .addColumn('user_principal_name', 'text')
      .addColumn('azure_active_directory_device_id', 'text', (c) => c.notNull())
      .addColumn('enrollment_state', 'text', (c) => c.notNull())
      .addColumn('last_contacted', 'text')
      .addColumn('placeholder_delivered', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('autopilot_devices_tenant').on('autopilot_devices').columns(['tenant_id', 'created', 'id']).execute();

    await db.schema
      .createTable('imported_device_identities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('serial_number', 'text')
      .addColumn('product_key', 'text')
      .addColumn('group_tag', 'text')
      .addColumn('assigned_user_principal_name', 'text')
      .addColumn('hardware_hash', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('import_id', 'text')
      .addColumn('created', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('imported_device_identities_tenant')
      .on('imported_device_identities')
      .columns(['tenant_id', 'created', 'id'])
      .execute();

    await db.schema
      .createTable('deployment_profiles')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('odata_type', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created', 'text', (c) => c.notNull())
      .addColumn('modified', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deployment_profiles_tenant').on('deployment_profiles').columns(['tenant_id', 'created', 'id']).execute();

    await db.schema
      .createTable('profile_assignments')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('created', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_assignments_pk', ['profile_id', 'id'])
      .execute();
    await db.schema
      .createIndex('profile_assignments_tenant_target')
      .on('profile_assignments')
      .columns(['tenant_id', 'target_type', 'created'])
      .execute();
  },
};

export const discoveryMigrations: Record<string, Migration> = {
  '0001_discovery_tables': discoveryTables,
  '0002_outbox': outboxMigration,
};
