import type { Kysely, Migration } from 'kysely';

/** Mobile apps, install states, ESP configurations and deployment records. */
export const appsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('mobile_apps')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('app_type', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('product_code', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mobile_apps_tenant').on('mobile_apps').columns(['tenant_id', 'created_at', 'id']).execute();

    await db.schema
      .createTable('mobile_app_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().references('mobile_apps.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('intent', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('settings', 'text')
      .execute();
    await db.schema.createIndex('mobile_app_assignments_app').on('mobile_app_assignments').columns(['app_id']).execute();
    await db.schema.createIndex('mobile_app_assignments_tenant').on('mobile_app_assignments').columns(['tenant_id']).execute();

    await db.schema
      .createTable('app_installs')
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
      .addColumn('app_id', 'text', (c) => c.notNull().references('mobile_apps.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('intent', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('csp_status', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('error_description', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text')
      .addColumn('command_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('app_installs_pk', ['enrollment_id', 'app_id'])
      .execute();
    await db.schema.createIndex('app_installs_app').on('app_installs').columns(['app_id']).execute();

    await db.schema
      .createTable('esp_configurations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('esp_configurations_tenant').on('esp_configurations').columns(['tenant_id', 'priority']).execute();

    await db.schema
      .createTable('esp_assignments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('configuration_id', 'text', (c) => c.notNull().references('esp_configurations.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('esp_assignments_configuration').on('esp_assignments').columns(['configuration_id']).execute();

    // No foreign key to enrollments: the report outlives the enrollment (a re-enrollment removes it).
    await db.schema
      .createTable('deployments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('enrollment_id', 'text', (c) => c.notNull())
      .addColumn('azure_ad_device_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('upn', 'text')
      .addColumn('serial_number', 'text')
      .addColumn('device_name', 'text')
      .addColumn('os_version', 'text')
      .addColumn('esp_id', 'text')
      .addColumn('esp_name', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('device_setup_status', 'text', (c) => c.notNull())
      .addColumn('account_setup_status', 'text', (c) => c.notNull())
      .addColumn('timeout_minutes', 'integer', (c) => c.notNull())
      .addColumn('blocking_apps', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('device_setup_ended_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('failure_code', 'text')
      .addColumn('failure_app_id', 'text')
      .addColumn('failure_text', 'text')
      .addColumn('trace_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deployments_tenant').on('deployments').columns(['tenant_id', 'started_at', 'id']).execute();
    await db.schema.createIndex('deployments_enrollment').on('deployments').columns(['enrollment_id']).execute();
    await db.schema.createIndex('deployments_serial').on('deployments').columns(['tenant_id', 'serial_number']).execute();
  },
};

/**
 * When a pre-provisioned device's account setup began: at its user's first session, which may
 * be weeks after its technician's device setup ended, so the ESP's timeout counts from there.
 */
export const deploymentAccountSetupStartMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('deployments').addColumn('account_setup_started_at', 'text').execute();
  },
};

/** How each deployment was enrolled (windowsAutopilotEnrollmentType), which a pre-provisioned device's user half changes. */
export const deploymentEnrollmentTypeMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('deployments').addColumn('enrollment_type', 'text').execute();
  },
};
