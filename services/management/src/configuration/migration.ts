import type { Kysely, Migration } from 'kysely';

/** Configuration profiles, their assignments, and each device's state of each profile. */
export const configurationMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('configuration_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('odata_type', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('configuration_policies_tenant').on('configuration_policies').columns(['tenant_id', 'created_at', 'id']).execute();

    await db.schema
      .createTable('configuration_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('policy_id', 'text', (c) => c.notNull().references('configuration_policies.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('configuration_assignments_policy').on('configuration_assignments').columns(['policy_id']).execute();
    await db.schema.createIndex('configuration_assignments_tenant').on('configuration_assignments').columns(['tenant_id']).execute();

    await db.schema
      .createTable('configuration_states')
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
      .addColumn('policy_id', 'text', (c) => c.notNull().references('configuration_policies.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('policy_version', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('command_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('configuration_states_pk', ['enrollment_id', 'policy_id'])
      .execute();
    await db.schema.createIndex('configuration_states_policy').on('configuration_states').columns(['tenant_id', 'policy_id']).execute();
    await db.schema.createIndex('configuration_states_policy_fk').on('configuration_states').columns(['policy_id']).execute();

    await db.schema
      .createTable('configuration_checks')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('checked_at', 'text', (c) => c.notNull())
      .addColumn('reads', 'text')
      .execute();
  },
};
