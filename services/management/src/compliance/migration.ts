import type { Kysely, Migration } from 'kysely';

/** Management's compliance tables; appended to managementMigrations as 0005. */
export const complianceMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('compliance_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('scheduled_actions', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('compliance_policies_tenant').on('compliance_policies').columns(['tenant_id', 'created_at', 'id']).execute();

    await db.schema
      .createTable('compliance_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('policy_id', 'text', (c) => c.notNull().references('compliance_policies.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('compliance_assignments_policy').on('compliance_assignments').columns(['policy_id']).execute();
    await db.schema.createIndex('compliance_assignments_tenant').on('compliance_assignments').columns(['tenant_id']).execute();

    await db.schema
      .createTable('device_facts')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('facts', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('device_compliance')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('is_compliant', 'integer', (c) => c.notNull())
      .addColumn('grace_expires_at', 'text')
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('evaluated_at', 'text', (c) => c.notNull())
      .addColumn('policies', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('device_compliance_tenant').on('device_compliance').columns(['tenant_id']).execute();
    await db.schema.createIndex('device_compliance_grace').on('device_compliance').columns(['grace_expires_at']).execute();
  },
};
