import { outboxMigration, parseJsonOr } from '@baton/kit';
import { managementEventsMigration, managementEventsSparseIndexesMigration } from '../events/feed.js';
import { sql, type Kysely, type Migration } from 'kysely';
import { inventoryColumns, pickColumns } from './inventory-columns.js';
import { complianceFactTimesMigration, complianceMigration } from '../compliance/migration.js';
import { configurationMigration } from '../configuration/migration.js';
import { appsMigration, deploymentAccountSetupStartMigration, deploymentEnrollmentTypeMigration } from '../apps/migration.js';

const core: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('mdm_ca')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('cert_pem', 'text', (c) => c.notNull())
      .addColumn('key_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('enrollments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('azure_ad_device_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('upn', 'text')
      .addColumn('mdm_device_id', 'text', (c) => c.notNull())
      .addColumn('hw_dev_id', 'text')
      .addColumn('device_name', 'text')
      .addColumn('os_version', 'text')
      .addColumn('enrollment_type', 'text', (c) => c.notNull())
      .addColumn('cert_thumbprint', 'text', (c) => c.notNull().unique())
      .addColumn('cert_pem', 'text', (c) => c.notNull())
      .addColumn('enrolled_at', 'text', (c) => c.notNull())
      .addColumn('last_sync_at', 'text')
      .addColumn('management_state', 'text', (c) => c.notNull())
      .addColumn('inventory', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('enrollments_tenant').on('enrollments').columns(['tenant_id', 'enrolled_at', 'id']).execute();
    await db.schema.createIndex('enrollments_mdm_device').on('enrollments').columns(['mdm_device_id']).execute();
    await db.schema.createIndex('enrollments_aad_device').on('enrollments').columns(['tenant_id', 'azure_ad_device_id']).execute();
    await db.schema.createIndex('enrollments_hw_dev').on('enrollments').columns(['tenant_id', 'hw_dev_id']).execute();

    await db.schema
      .createTable('commands')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('verb', 'text', (c) => c.notNull())
      .addColumn('loc_uri', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('command_queue')
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
      .addColumn('command_id', 'text', (c) => c.notNull().references('commands.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('msg_id', 'text')
      .addColumn('cmd_id', 'text')
      .addColumn('status_code', 'text')
      .addColumn('result', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('command_queue_pk', ['enrollment_id', 'command_id'])
      .execute();
    await db.schema.createIndex('command_queue_next').on('command_queue').columns(['enrollment_id', 'status', 'position']).execute();
    await db.schema
      .createIndex('command_queue_sent')
      .on('command_queue')
      .columns(['enrollment_id', 'session_id', 'msg_id', 'cmd_id'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('last_msg_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('sessions_enrollment').on('sessions').columns(['enrollment_id', 'session_id', 'started_at']).execute();

    // No foreign key: the audit trail outlives the enrollment it belongs to.
    await db.schema
      .createTable('raw_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('enrollment_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('msg_id', 'text', (c) => c.notNull())
      .addColumn('body_gzip', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('raw_requests_enrollment').on('raw_requests').columns(['enrollment_id', 'received_at']).execute();
  },
};

// OMA-DM MD5 digest credentials for devices that do not present the MDM certificate over
// TLS, and how each session was authenticated (a digest session may continue without Cred).
const digest: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('digest_credentials')
      .addColumn('enrollment_id', 'text', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('sessions').addColumn('auth', 'text', (c) => c.notNull().defaultTo('certificate')).execute();
  },
};

const deviceActions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('device_actions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
      .addColumn('action_name', 'text', (c) => c.notNull())
      .addColumn('command_id', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('device_actions_enrollment').on('device_actions').columns(['enrollment_id', 'started_at']).execute();
  },
};

// The size limits a device states for a session, and an index for pruning the raw-request
// audit trail by age.
const sessionLimits: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('sessions').addColumn('max_msg_size', 'integer').execute();
    await db.schema.alterTable('sessions').addColumn('max_obj_size', 'integer').execute();
    await db.schema.createIndex('raw_requests_received').on('raw_requests').columns(['received_at']).execute();
  },
};

// Atomic commands: the Statuses of an Atomic's children, per queue row.
const atomicQueue: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('command_queue').addColumn('child_statuses', 'text').execute();
  },
};

// An enrollment's primary user beyond its id and UPN, and whether the device enrolled alone:
// a device-auth enrollment may learn its user later, so a null user no longer says which it was.
const primaryUser: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('enrollments').addColumn('user_display_name', 'text').execute();
    await db.schema.alterTable('enrollments').addColumn('user_email', 'text').execute();
    await db.schema.alterTable('enrollments').addColumn('device_auth', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.updateTable('enrollments').set({ device_auth: 1 }).where('user_id', 'is', null).execute();
  },
};

// The device's open sessions, found without reading its whole session history: a new session
// ends them. A poll's row is written ended, so it never enters this index.
const openSessions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('sessions_open').on('sessions').column('enrollment_id').where(sql.ref('ended_at'), 'is', null).execute();
  },
};

// Which Autopilot mode a device-auth enrollment is (self-deploying or pre-provisioned), as
// identity's token says; enrollments made before have none.
const autopilotMode: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('enrollments').addColumn('autopilot_mode', 'text').execute();
  },
};

/**
 * Serial number, device name and OS version as the device reported them, in columns Graph's
 * $filter can use (inventory-columns.ts), filled from the inventories already stored.
 */
const inventoryColumnsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('enrollments').addColumn('serial_number', 'text').execute();
    await db.schema.createIndex('enrollments_tenant_serial').on('enrollments').columns(['tenant_id', 'serial_number']).execute();
    for (let after = ''; ; ) {
      const rows = await db.selectFrom('enrollments').select(['id', 'inventory']).where('id', '>', after).orderBy('id').limit(500).execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        const columns = pickColumns(inventoryColumns(parseJsonOr<Record<string, string>>(row.inventory as string, {})), ['serial_number', 'device_name', 'os_version']);
        if (Object.keys(columns).length > 0) await db.updateTable('enrollments').set(columns).where('id', '=', row.id).execute();
      }
      after = rows.at(-1)!.id as string;
    }
  },
};

/** Model and manufacturer as the device reported them, in columns Graph's $filter can use, filled the same way. */
const modelColumnsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('enrollments').addColumn('model', 'text').execute();
    await db.schema.alterTable('enrollments').addColumn('manufacturer', 'text').execute();
    for (let after = ''; ; ) {
      const rows = await db.selectFrom('enrollments').select(['id', 'inventory']).where('id', '>', after).orderBy('id').limit(500).execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        const columns = pickColumns(inventoryColumns(parseJsonOr<Record<string, string>>(row.inventory as string, {})), ['model', 'manufacturer']);
        if (Object.keys(columns).length > 0) await db.updateTable('enrollments').set(columns).where('id', '=', row.id).execute();
      }
      after = rows.at(-1)!.id as string;
    }
  },
};

export const managementMigrations: Record<string, Migration> = {
  '0001_management_core': core,
  '0002_outbox': outboxMigration,
  '0003_digest_auth': digest,
  '0004_device_actions': deviceActions,
  '0005_session_limits_raw_retention': sessionLimits,
  '0006_management_events': managementEventsMigration,
  '0007_compliance': complianceMigration,
  '0008_command_queue_atomic': atomicQueue,
  '0009_configuration_profiles': configurationMigration,
  '0010_compliance_fact_times': complianceFactTimesMigration,
  '0011_apps_esp_deployments': appsMigration,
  '0012_enrollment_primary_user': primaryUser,
  '0013_deployment_enrollment_type': deploymentEnrollmentTypeMigration,
  '0014_management_events_sparse_indexes': managementEventsSparseIndexesMigration,
  '0015_sessions_open': openSessions,
  '0016_enrollment_autopilot_mode': autopilotMode,
  '0017_deployment_account_setup_start': deploymentAccountSetupStartMigration,
  '0018_enrollment_inventory_columns': inventoryColumnsMigration,
  '0019_enrollment_model_columns': modelColumnsMigration,
};
