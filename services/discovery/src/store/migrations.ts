import { TOPICS, type PlaceholderDeviceRequested } from '@baton/contracts';
import { outboxMigration, outboxRow } from '@baton/kit';
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

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

/**
 * What Graph clients filter and order by: the device properties updateDeviceProperties and
 * assignUserToDevice write, the import status clients poll, and settings per tenant. String
 * comparisons fold case (Intune's do), so the indexes are on lower(column); PostgreSQL's also
 * carry the byte-order collation the OData translation compares under, or the planner could
 * not use them.
 */
const graphSurface: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema.alterTable('autopilot_devices').addColumn('display_name', 'text').execute();
    await db.schema.alterTable('autopilot_devices').addColumn('addressable_user_name', 'text').execute();
    await db.schema.alterTable('imported_device_identities').addColumn('import_status', 'text').execute();
    const status = postgres ? sql`CAST(state AS jsonb) ->> 'deviceImportStatus'` : sql`json_extract(state, '$.deviceImportStatus')`;
    await sql`UPDATE imported_device_identities SET import_status = ${status}`.execute(db);

    const folded = (column: string) => (postgres ? sql`(lower(${sql.ref(column)}) COLLATE "C")` : sql`lower(${sql.ref(column)})`);
    const index = (name: string, table: string, column: string) =>
      sql`CREATE INDEX ${sql.ref(name)} ON ${sql.table(table)} (tenant_id, ${folded(column)}, created, id)`.execute(db);
    await index('autopilot_devices_serial', 'autopilot_devices', 'serial_number');
    await index('autopilot_devices_group_tag', 'autopilot_devices', 'group_tag');
    await index('autopilot_devices_aad_device', 'autopilot_devices', 'azure_active_directory_device_id');
    await index('autopilot_devices_display_name', 'autopilot_devices', 'display_name');
    await index('autopilot_devices_upn', 'autopilot_devices', 'user_principal_name');
    await index('imported_device_identities_serial', 'imported_device_identities', 'serial_number');
    await index('imported_device_identities_status', 'imported_device_identities', 'import_status');
    await index('deployment_profiles_display_name', 'deployment_profiles', 'display_name');
    await db.schema.createIndex('profile_assignments_profile').on('profile_assignments').columns(['tenant_id', 'profile_id', 'created', 'id']).execute();

    await db.schema
      .createTable('autopilot_settings')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('last_sync', 'text')
      .addColumn('last_manual_sync', 'text')
      .addColumn('sync_status', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Group-targeted assignments: the group each assignment names (as a column, so the set of
 * watched groups is one indexed query), discovery's mirror of those groups' device members,
 * the subscription at identity that keeps each mirror current, and when a device's profile
 * last changed because its memberships did.
 */
const groupMembership: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('profile_assignments').addColumn('group_id', 'text').execute();
    const rows = (await db.selectFrom('profile_assignments').select(['profile_id', 'id', 'target']).execute()) as Array<{ profile_id: string; id: string; target: string }>;
    for (const row of rows) {
      const groupId = (JSON.parse(row.target) as { groupId?: unknown }).groupId;
      if (typeof groupId !== 'string') continue;
      await db.updateTable('profile_assignments').set({ group_id: groupId.toLowerCase() }).where('profile_id', '=', row.profile_id).where('id', '=', row.id).execute();
    }
    await db.schema.createIndex('profile_assignments_group').on('profile_assignments').columns(['tenant_id', 'group_id']).execute();

    await db.schema
      .createTable('group_members')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pk', ['tenant_id', 'group_id', 'object_id'])
      .execute();
    await db.schema.createIndex('group_members_device').on('group_members').columns(['tenant_id', 'device_id']).execute();

    await db.schema
      .createTable('group_subscriptions')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text')
      .addColumn('expiration', 'text')
      .addColumn('synced', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('modified', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_subscriptions_pk', ['tenant_id', 'group_id'])
      .execute();
    await db.schema.createIndex('group_subscriptions_subscription').on('group_subscriptions').column('subscription_id').execute();

    await db.schema
      .createTable('device_profile_state')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('profile_id', 'text')
      .addColumn('changed', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('device_profile_state_pk', ['tenant_id', 'device_id'])
      .execute();
  },
};

/**
 * Discovery's event feed: what happened to registrations, assignments and lookups, for
 * attributing a failed provisioning to its boundary. Reads are per tenant, newest first, and
 * the retention prune deletes by age, hence the (tenant_id, occurred_at) index and one on
 * occurred_at alone; the others serve the feed's per-device and per-trace filters.
 */
const discoveryEvents: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('discovery_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text')
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('ztd_id', 'text')
      .addColumn('azure_ad_device_id', 'text')
      .addColumn('serial_number', 'text')
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('discovery_events_tenant_time').on('discovery_events').columns(['tenant_id', 'occurred_at', 'id']).execute();
    await db.schema.createIndex('discovery_events_time').on('discovery_events').column('occurred_at').execute();
    await db.schema.createIndex('discovery_events_ztd').on('discovery_events').columns(['ztd_id', 'occurred_at']).execute();
    await db.schema.createIndex('discovery_events_device').on('discovery_events').columns(['azure_ad_device_id', 'occurred_at']).execute();
    await db.schema.createIndex('discovery_events_trace').on('discovery_events').columns(['trace_id', 'occurred_at']).execute();
    await sql`CREATE INDEX discovery_events_serial ON discovery_events (lower(serial_number), occurred_at)`.execute(db);
  },
};

/**
 * The lookup by (serial, manufacturer, model) that OEM and partner registrations use: matched
 * across tenants, folded and trimmed, so the index is on exactly those expressions.
 */
const deviceTuple: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE INDEX autopilot_devices_tuple ON autopilot_devices (lower(trim(serial_number)), lower(trim(manufacturer)), lower(trim(model)))`.execute(db);
  },
};

/**
 * A keyed digest of each device's TPM endorsement key, so identity's attestation can ask
 * which registration an EK belongs to. Devices registered before it have none until imported again.
 */
const endorsementKeys: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('autopilot_devices').addColumn('endorsement_key_digest', 'text').execute();
    await db.schema.createIndex('autopilot_devices_endorsement_key').on('autopilot_devices').column('endorsement_key_digest').execute();
  },
};

/**
 * The profile name identity last accepted on each placeholder, so a membership change re-sends
 * the placeholder only when the name it carries changes. Placeholders sent before carried none.
 */
const placeholderProfileName: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('autopilot_devices').addColumn('placeholder_profile_name', 'text').execute();
  },
};

/**
 * Placeholders delivered before 0008 carried no profile name, so identity's devices lack
 * enrollmentProfileName and dynamic groups on it miss them until some change re-sends them.
 * Each delivered placeholder is queued once more; the outbox handler reads the device and works
 * its profile name out when it sends, as for any placeholder. Identity upserts, so one that
 * already carries its name (or has no profile) is sent again harmlessly. Undelivered ones are
 * still queued and need nothing.
 */
const placeholderProfileNameBackfill: Migration = {
  async up(db: Kysely<any>) {
    const now = new Date().toISOString();
    for (let after = ''; ; ) {
      const devices = await db.selectFrom('autopilot_devices').select(['id', 'tenant_id']).where('placeholder_delivered', '=', 1).where('id', '>', after).orderBy('id').limit(500).execute();
      if (devices.length === 0) return;
      // The handler reads only the pointer (tenant and ZTDId) and sends the device as it is then.
      const rows = devices.map((d) => outboxRow(TOPICS.placeholderDeviceRequested, { tenantId: d.tenant_id, ztdId: d.id } satisfies Pick<PlaceholderDeviceRequested, 'tenantId' | 'ztdId'>, null, now));
      await db.insertInto('outbox').values(rows).execute();
      after = devices.at(-1)!.id as string;
    }
  },
};

/**
 * A digest of the placeholder identity last accepted, so a queued copy of a placeholder identity
 * already has (a bulk import's first delivery, then a tenant walk's, say) is not sent again.
 */
const placeholderDigest: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('autopilot_devices').addColumn('placeholder_digest', 'text').execute();
  },
};

export const discoveryMigrations: Record<string, Migration> = {
  '0001_discovery_tables': discoveryTables,
  '0002_outbox': outboxMigration,
  '0003_graph_surface': graphSurface,
  '0004_group_membership': groupMembership,
  '0005_discovery_events': discoveryEvents,
  '0006_device_tuple': deviceTuple,
  '0007_endorsement_keys': endorsementKeys,
  '0008_placeholder_profile_name': placeholderProfileName,
  '0009_placeholder_profile_name_backfill': placeholderProfileNameBackfill,
  '0010_placeholder_digest': placeholderDigest,
};
