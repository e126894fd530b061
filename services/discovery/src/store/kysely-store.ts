/**
 * DiscoveryStore on Kysely; the same queries run on SQLite and PostgreSQL.
 */
import {
  applyODataFilter,
  applyODataOrderBy,
  chunks,
  type Database,
  enqueueOutbox,
  expediteOutboxMessage,
  markOutboxDelivered,
  type ODataPropertyMap,
  outboxRow,
} from '@baton/kit';
import type { FilterNode } from '@baton/protocols';
import { sql, type Kysely, type Transaction } from 'kysely';
import { cursorOf, keysetAfter, orderTerms } from './keyset.js';
import { ASSIGNMENT_PROPERTIES, DEVICE_PROPERTIES, IMPORTED_PROPERTIES, PROFILE_PROPERTIES } from './odata-maps.js';
import type {
  AutopilotDeviceRow,
  DeploymentProfileRow,
  DiscoveryEventRow,
  DiscoveryTables,
  GroupSubscriptionRow,
  ImportedIdentityRow,
  ProfileAssignmentRow,
} from './schema.js';
import type {
  AutopilotDevice,
  AutopilotSettings,
  DeploymentProfile,
  DeviceCursor,
  DevicePatch,
  DiscoveryEvent,
  DiscoveryStore,
  EventCursor,
  EventQuery,
  EnrollmentState,
  GroupMember,
  GroupWatch,
  ImportedDeviceIdentity,
  ListPage,
  ListQuery,
  OutboxWrite,
  ProfileAssignment,
  ProfileOdataType,
  RegisterOutcome,
  RegistrationEntry,
  SyncStatus,
} from './types.js';

/**
 * Rows per multi-row INSERT: the widest table has 17 columns, which keeps a statement under
 * SQLite's 32,766 and PostgreSQL's 65,535 bound parameters with room to spare.
 */
const INSERT_CHUNK = 500;

/**
 * A batch that two imports race on: PostgreSQL aborts one of them as a deadlock (40P01) or
 * serialization failure (40001) when they insert overlapping keys; the whole transaction is
 * rolled back, so retrying it row by row is safe.
 */
function isBatchConflict(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return isUniqueViolation(error) || code === '40P01' || code === '40001';
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

type Scope = Record<string, string>;

const deviceToRow = (d: AutopilotDevice): AutopilotDeviceRow => ({
  id: d.id,
  tenant_id: d.tenantId,
  serial_number: d.serialNumber,
  hardware_hash: d.hardwareHashSealed,
  hardware_identity_digest: d.hardwareIdentityDigest,
  endorsement_key_digest: d.endorsementKeyDigest ?? null,
  product_key: d.productKey,
  group_tag: d.groupTag,
  purchase_order_identifier: d.purchaseOrderIdentifier,
  manufacturer: d.manufacturer,
  model: d.model,
  user_principal_name: d.userPrincipalName,
  addressable_user_name: d.addressableUserName,
  display_name: d.displayName,
  azure_active_directory_device_id: d.azureActiveDirectoryDeviceId,
  enrollment_state: d.enrollmentState,
  last_contacted: d.lastContactedDateTime,
  placeholder_delivered: d.placeholderDelivered ? 1 : 0,
  placeholder_profile_name: d.placeholderProfileName,
  placeholder_digest: d.placeholderDigest,
  created: d.createdDateTime,
});

const rowToDevice = (r: AutopilotDeviceRow): AutopilotDevice => ({
  id: r.id,
  tenantId: r.tenant_id,
  serialNumber: r.serial_number,
  hardwareHashSealed: r.hardware_hash,
  hardwareIdentityDigest: r.hardware_identity_digest,
  endorsementKeyDigest: r.endorsement_key_digest ?? null,
  productKey: r.product_key,
  groupTag: r.group_tag,
  purchaseOrderIdentifier: r.purchase_order_identifier,
  manufacturer: r.manufacturer,
  model: r.model,
  userPrincipalName: r.user_principal_name,
  addressableUserName: r.addressable_user_name ?? null,
  displayName: r.display_name ?? null,
  azureActiveDirectoryDeviceId: r.azure_active_directory_device_id,
  enrollmentState: r.enrollment_state as EnrollmentState,
  lastContactedDateTime: r.last_contacted,
  placeholderDelivered: Number(r.placeholder_delivered) === 1,
  placeholderProfileName: r.placeholder_profile_name ?? null,
  placeholderDigest: r.placeholder_digest ?? null,
  createdDateTime: r.created,
});

const importedToRow = (i: ImportedDeviceIdentity): ImportedIdentityRow => ({
  id: i.id,
  tenant_id: i.tenantId,
  serial_number: i.serialNumber,
  product_key: i.productKey,
  group_tag: i.groupTag,
  assigned_user_principal_name: i.assignedUserPrincipalName,
  hardware_hash: i.hardwareHashSealed,
  state: JSON.stringify(i.state),
  import_status: i.state.deviceImportStatus,
  import_id: i.importId,
  created: i.createdDateTime,
});

const rowToImported = (r: ImportedIdentityRow): ImportedDeviceIdentity => ({
  id: r.id,
  tenantId: r.tenant_id,
  serialNumber: r.serial_number,
  productKey: r.product_key,
  groupTag: r.group_tag,
  assignedUserPrincipalName: r.assigned_user_principal_name,
  hardwareHashSealed: r.hardware_hash,
  state: JSON.parse(r.state),
  importId: r.import_id,
  createdDateTime: r.created,
});

const rowToProfile = (r: DeploymentProfileRow): DeploymentProfile => ({
  id: r.id,
  tenantId: r.tenant_id,
  odataType: r.odata_type as ProfileOdataType,
  displayName: r.display_name,
  description: r.description,
  settings: JSON.parse(r.settings),
  createdDateTime: r.created,
  lastModifiedDateTime: r.modified,
});

const rowToWatch = (r: GroupSubscriptionRow): GroupWatch => ({
  tenantId: r.tenant_id,
  groupId: r.group_id,
  subscriptionId: r.subscription_id,
  expirationDateTime: r.expiration,
  synced: Number(r.synced) === 1,
  lastError: r.last_error,
});

const rowToAssignment = (r: ProfileAssignmentRow): ProfileAssignment => ({
  id: r.id,
  profileId: r.profile_id,
  tenantId: r.tenant_id,
  target: JSON.parse(r.target),
  createdDateTime: r.created,
});

const eventToRow = (e: DiscoveryEvent): DiscoveryEventRow => ({
  id: e.id,
  tenant_id: e.tenantId,
  occurred_at: e.occurredDateTime,
  type: e.type,
  outcome: e.outcome,
  ztd_id: e.ztdId,
  azure_ad_device_id: e.azureADDeviceId,
  serial_number: e.serialNumber,
  trace_id: e.traceId,
  error_code: e.errorCode,
  detail: JSON.stringify(e.detail),
});

const rowToEvent = (r: DiscoveryEventRow): DiscoveryEvent => ({
  id: r.id,
  tenantId: r.tenant_id,
  occurredDateTime: r.occurred_at,
  type: r.type as DiscoveryEvent['type'],
  outcome: r.outcome as DiscoveryEvent['outcome'],
  ztdId: r.ztd_id,
  azureADDeviceId: r.azure_ad_device_id,
  serialNumber: r.serial_number,
  traceId: r.trace_id,
  errorCode: r.error_code,
  detail: JSON.parse(r.detail),
});

/** Outbox messages a change causes, written in its transaction a chunk per statement (an assignment may move 100,000 devices). */
function messageRow(message: OutboxWrite, now: string) {
  const row = outboxRow(message.topic, message.payload, message.traceParent, now);
  if (message.id) row.id = message.id;
  if (message.notBefore) row.next_attempt_at = message.notBefore;
  return row;
}

async function insertMessages(db: Kysely<DiscoveryTables> | Transaction<DiscoveryTables>, messages: OutboxWrite[] | undefined): Promise<void> {
  if (!messages || messages.length === 0) return;
  const now = new Date().toISOString();
  for (const part of chunks(messages, INSERT_CHUNK)) {
    await db.insertInto('outbox').values(part.map((m) => messageRow(m, now))).execute();
  }
}

/** Events are written by whoever holds the transaction of the change they describe. */
async function insertEvents(db: Kysely<DiscoveryTables> | Transaction<DiscoveryTables>, events: DiscoveryEvent[] | undefined): Promise<void> {
  if (!events || events.length === 0) return;
  for (const part of chunks(events, INSERT_CHUNK)) await db.insertInto('discovery_events').values(part.map(eventToRow)).execute();
}

export class KyselyDiscoveryStore implements DiscoveryStore {
  readonly db: Kysely<DiscoveryTables>;

  constructor(private readonly database: Database<DiscoveryTables>) {
    this.db = database.db;
  }

  get dialect() {
    return this.database.dialect;
  }

  async registerDevice(device: AutopilotDevice, imported: ImportedDeviceIdentity, message: OutboxWrite, event?: DiscoveryEvent): Promise<RegisterOutcome> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('autopilot_devices')
          .select(['id', 'tenant_id'])
          .where('hardware_identity_digest', '=', device.hardwareIdentityDigest)
          .executeTakeFirst();
        if (existing) return { registered: false, existing: { id: existing.id, tenantId: existing.tenant_id } } as const;
        await trx.insertInto('autopilot_devices').values(deviceToRow(device)).execute();
        await trx.insertInto('imported_device_identities').values(importedToRow(imported)).execute();
        await enqueueOutbox(trx, message.topic, message.payload, message.traceParent);
        await insertEvents(trx, event ? [event] : undefined);
        return { registered: true } as const;
      });
    } catch (error) {
      // Two imports of one device raced past the check; the unique digest let one win.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.findDeviceByDigest(device.hardwareIdentityDigest);
      if (!winner) throw error;
      return { registered: false, existing: { id: winner.id, tenantId: winner.tenantId } };
    }
  }

  async registerDevices(entries: RegistrationEntry[]): Promise<RegisterOutcome[] | undefined> {
    if (entries.length === 0) return [];
    try {
      return await this.db.transaction().execute(async (trx) => {
        const holders = new Map<string, { id: string; tenantId: string }>();
        for (const part of chunks(entries.map((e) => e.device.hardwareIdentityDigest), INSERT_CHUNK)) {
          const rows = await trx
            .selectFrom('autopilot_devices')
            .select(['id', 'tenant_id', 'hardware_identity_digest'])
            .where('hardware_identity_digest', 'in', part)
            .execute();
          for (const r of rows) holders.set(r.hardware_identity_digest, { id: r.id, tenantId: r.tenant_id });
        }
        const outcomes: RegisterOutcome[] = [];
        const winners: RegistrationEntry[] = [];
        for (const entry of entries) {
          const existing = holders.get(entry.device.hardwareIdentityDigest);
          if (existing) {
            outcomes.push({ registered: false, existing });
            continue;
          }
          holders.set(entry.device.hardwareIdentityDigest, { id: entry.device.id, tenantId: entry.device.tenantId });
          winners.push(entry);
          outcomes.push({ registered: true });
        }
        const now = new Date().toISOString();
        // Inserting in hardware-digest order makes concurrent imports of the same devices
        // take their unique-index locks in one order: the later one waits, then conflicts,
        // instead of deadlocking.
        winners.sort((a, b) => (a.device.hardwareIdentityDigest < b.device.hardwareIdentityDigest ? -1 : 1));
        for (const part of chunks(winners, INSERT_CHUNK)) {
          await trx.insertInto('autopilot_devices').values(part.map((e) => deviceToRow(e.device))).execute();
          await trx.insertInto('imported_device_identities').values(part.map((e) => importedToRow(e.imported))).execute();
          await trx.insertInto('outbox').values(part.map((e) => outboxRow(e.message.topic, e.message.payload, e.message.traceParent, now))).execute();
        }
        await insertEvents(trx, winners.flatMap((e) => (e.event ? [e.event] : [])));
        return outcomes;
      });
    } catch (error) {
      if (isBatchConflict(error)) return undefined;
      throw error;
    }
  }

  async insertImportedMany(imported: ImportedDeviceIdentity[], events?: DiscoveryEvent[]): Promise<void> {
    if (imported.length === 0 && !events?.length) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(imported, INSERT_CHUNK)) await trx.insertInto('imported_device_identities').values(part.map(importedToRow)).execute();
      await insertEvents(trx, events);
    });
  }

  async findDevicesByTuple(tuple: { serialNumber: string; manufacturer: string; model: string }, limit: number): Promise<AutopilotDevice[]> {
    // The same expressions as the autopilot_devices_tuple index, so the planner can use it.
    const rows = await this.db
      .selectFrom('autopilot_devices')
      .selectAll()
      .where(sql<string>`lower(trim(serial_number))`, '=', tuple.serialNumber.trim().toLowerCase())
      .where(sql<string>`lower(trim(manufacturer))`, '=', tuple.manufacturer.trim().toLowerCase())
      .where(sql<string>`lower(trim(model))`, '=', tuple.model.trim().toLowerCase())
      .orderBy('created')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(rowToDevice);
  }

  async findDeviceByDigest(digest: string): Promise<AutopilotDevice | undefined> {
    const row = await this.db.selectFrom('autopilot_devices').selectAll().where('hardware_identity_digest', '=', digest).executeTakeFirst();
    return row && rowToDevice(row);
  }

  async findDevicesByEndorsementKey(digest: string, limit: number): Promise<AutopilotDevice[]> {
    const rows = await this.db.selectFrom('autopilot_devices').selectAll().where('endorsement_key_digest', '=', digest).limit(limit).execute();
    return rows.map(rowToDevice);
  }

  async getDevice(tenantId: string, id: string): Promise<AutopilotDevice | undefined> {
    const row = await this.db
      .selectFrom('autopilot_devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && rowToDevice(row);
  }

  /**
   * One page of a collection, filtered and ordered in SQL; reads one row past the page to
   * know whether another follows.
   */
  private async page<R, T>(table: keyof DiscoveryTables, map: ODataPropertyMap, scope: Scope, query: ListQuery, toRecord: (row: R) => T): Promise<ListPage<T>> {
    const db = this.db as unknown as Kysely<any>;
    const terms = orderTerms(map, query.orderby);
    let qb = db.selectFrom(table).selectAll();
    for (const [column, value] of Object.entries(scope)) qb = qb.where(column, '=', value);
    qb = applyODataFilter(qb, query.filter, map, this.dialect);
    if (query.after) qb = qb.where(keysetAfter(terms, query.after, this.dialect));
    qb = applyODataOrderBy(qb, query.orderby, map, this.dialect).orderBy('created').orderBy('id').limit(query.limit + 1);
    if (!query.after && query.skip) qb = qb.offset(query.skip);
    const rows = (await qb.execute()) as Array<Record<string, unknown>>;
    const more = rows.length > query.limit;
    const kept = rows.slice(0, query.limit);
    const page: ListPage<T> = { items: kept.map((r) => toRecord(r as R)) };
    if (more && kept.length > 0) page.next = cursorOf(terms, kept.at(-1)!);
    return page;
  }

  private async count(table: keyof DiscoveryTables, map: ODataPropertyMap, scope: Scope, filter: FilterNode | undefined): Promise<number> {
    const db = this.db as unknown as Kysely<any>;
    let qb = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
    for (const [column, value] of Object.entries(scope)) qb = qb.where(column, '=', value);
    const row = await applyODataFilter(qb, filter, map, this.dialect).executeTakeFirst();
    return Number((row as { n?: unknown } | undefined)?.n ?? 0);
  }

  listDevices(tenantId: string, query: ListQuery): Promise<ListPage<AutopilotDevice>> {
    return this.page('autopilot_devices', DEVICE_PROPERTIES, { tenant_id: tenantId }, query, rowToDevice);
  }

  countDevices(tenantId: string, filter?: FilterNode): Promise<number> {
    return this.count('autopilot_devices', DEVICE_PROPERTIES, { tenant_id: tenantId }, filter);
  }

  async updateDevice(
    tenantId: string,
    id: string,
    patch: DevicePatch,
    message?: (updated: AutopilotDevice) => OutboxWrite | undefined,
  ): Promise<AutopilotDevice | undefined> {
    const set: Partial<AutopilotDeviceRow> = {};
    if (patch.userPrincipalName !== undefined) set.user_principal_name = patch.userPrincipalName;
    if (patch.addressableUserName !== undefined) set.addressable_user_name = patch.addressableUserName;
    if (patch.groupTag !== undefined) set.group_tag = patch.groupTag;
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    return this.db.transaction().execute(async (trx) => {
      if (Object.keys(set).length > 0) {
        await trx.updateTable('autopilot_devices').set(set).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      }
      const row = await trx.selectFrom('autopilot_devices').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const updated = rowToDevice(row);
      const out = message?.(updated);
      if (out) await enqueueOutbox(trx, out.topic, out.payload, out.traceParent);
      return updated;
    });
  }

  async deleteDevicesBySerial(tenantId: string, serialNumbers: string[]): Promise<AutopilotDevice[]> {
    if (serialNumbers.length === 0) return [];
    const wanted = serialNumbers.map((s) => s.toLowerCase());
    return this.db.transaction().execute(async (trx) => {
      const deleted: AutopilotDevice[] = [];
      for (const part of chunks(wanted, INSERT_CHUNK)) {
        const rows = await trx
          .selectFrom('autopilot_devices')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where((eb) => eb(eb.fn('lower', ['serial_number']), 'in', part))
          .execute();
        if (rows.length === 0) continue;
        await trx.deleteFrom('autopilot_devices').where('tenant_id', '=', tenantId).where('id', 'in', rows.map((r) => r.id)).execute();
        deleted.push(...rows.map(rowToDevice));
      }
      return deleted;
    });
  }

  async deleteDevice(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('autopilot_devices').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async markDeviceContacted(id: string, at: string): Promise<void> {
    await this.db.updateTable('autopilot_devices').set({ last_contacted: at }).where('id', '=', id).execute();
  }

  async markPlaceholderDelivered(id: string, azureActiveDirectoryDeviceId: string, enrollmentProfileName: string | null, digest: string): Promise<void> {
    await this.db
      .updateTable('autopilot_devices')
      .set({
        placeholder_delivered: 1,
        azure_active_directory_device_id: azureActiveDirectoryDeviceId,
        placeholder_profile_name: enrollmentProfileName,
        placeholder_digest: digest,
      })
      .where('id', '=', id)
      .execute();
  }

  async insertImported(imported: ImportedDeviceIdentity): Promise<void> {
    await this.db.insertInto('imported_device_identities').values(importedToRow(imported)).execute();
  }

  async getImported(tenantId: string, id: string): Promise<ImportedDeviceIdentity | undefined> {
    const row = await this.db
      .selectFrom('imported_device_identities')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && rowToImported(row);
  }

  listImported(tenantId: string, query: ListQuery): Promise<ListPage<ImportedDeviceIdentity>> {
    return this.page('imported_device_identities', IMPORTED_PROPERTIES, { tenant_id: tenantId }, query, rowToImported);
  }

  countImported(tenantId: string, filter?: FilterNode): Promise<number> {
    return this.count('imported_device_identities', IMPORTED_PROPERTIES, { tenant_id: tenantId }, filter);
  }

  async deleteImported(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('imported_device_identities')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async createProfile(profile: DeploymentProfile): Promise<void> {
    await this.db
      .insertInto('deployment_profiles')
      .values({
        id: profile.id,
        tenant_id: profile.tenantId,
        odata_type: profile.odataType,
        display_name: profile.displayName,
        description: profile.description,
        settings: JSON.stringify(profile.settings),
        created: profile.createdDateTime,
        modified: profile.lastModifiedDateTime,
      })
      .execute();
  }

  async getProfile(tenantId: string, id: string): Promise<DeploymentProfile | undefined> {
    const row = await this.db
      .selectFrom('deployment_profiles')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && rowToProfile(row);
  }

  listProfiles(tenantId: string, query: ListQuery): Promise<ListPage<DeploymentProfile>> {
    return this.page('deployment_profiles', PROFILE_PROPERTIES, { tenant_id: tenantId }, query, rowToProfile);
  }

  countProfiles(tenantId: string, filter?: FilterNode): Promise<number> {
    return this.count('deployment_profiles', PROFILE_PROPERTIES, { tenant_id: tenantId }, filter);
  }

  async updateProfile(profile: DeploymentProfile, messages?: OutboxWrite[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('deployment_profiles')
        .set({
          display_name: profile.displayName,
          description: profile.description,
          settings: JSON.stringify(profile.settings),
          modified: profile.lastModifiedDateTime,
        })
        .where('tenant_id', '=', profile.tenantId)
        .where('id', '=', profile.id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await insertMessages(trx, messages);
      return true;
    });
  }

  async deleteProfile(tenantId: string, id: string, messages?: OutboxWrite[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('deployment_profiles').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await trx.deleteFrom('profile_assignments').where('tenant_id', '=', tenantId).where('profile_id', '=', id).execute();
      await insertMessages(trx, messages);
      return true;
    });
  }

  async addAssignment(assignment: ProfileAssignment, messages?: OutboxWrite[]): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
        .insertInto('profile_assignments')
        .values({
          id: assignment.id,
          profile_id: assignment.profileId,
          tenant_id: assignment.tenantId,
          target_type: assignment.target['@odata.type'],
          target: JSON.stringify(assignment.target),
          created: assignment.createdDateTime,
          group_id: typeof assignment.target.groupId === 'string' ? assignment.target.groupId.toLowerCase() : null,
        })
        .execute();
        await insertMessages(trx, messages);
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async listAssignments(tenantId: string, profileId: string): Promise<ProfileAssignment[]> {
    const rows = await this.db
      .selectFrom('profile_assignments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('profile_id', '=', profileId)
      .orderBy('created')
      .orderBy('id')
      .execute();
    return rows.map(rowToAssignment);
  }

  pageAssignments(tenantId: string, profileId: string, query: ListQuery): Promise<ListPage<ProfileAssignment>> {
    return this.page('profile_assignments', ASSIGNMENT_PROPERTIES, { tenant_id: tenantId, profile_id: profileId }, query, rowToAssignment);
  }

  countAssignments(tenantId: string, profileId: string, filter?: FilterNode): Promise<number> {
    return this.count('profile_assignments', ASSIGNMENT_PROPERTIES, { tenant_id: tenantId, profile_id: profileId }, filter);
  }

  async deleteAssignment(tenantId: string, profileId: string, id: string, messages?: OutboxWrite[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('profile_assignments')
        .where('tenant_id', '=', tenantId)
        .where('profile_id', '=', profileId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await insertMessages(trx, messages);
      return true;
    });
  }

  async getAssignment(tenantId: string, profileId: string, id: string): Promise<ProfileAssignment | undefined> {
    const row = await this.db
      .selectFrom('profile_assignments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('profile_id', '=', profileId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && rowToAssignment(row);
  }

  async newestAssignment(
    tenantId: string,
    targetTypes: string[],
  ): Promise<{ assignment: ProfileAssignment; profile: DeploymentProfile } | undefined> {
    if (targetTypes.length === 0) return undefined;
    const row = await this.db
      .selectFrom('profile_assignments as a')
      .innerJoin('deployment_profiles as p', (join) => join.onRef('p.id', '=', 'a.profile_id').onRef('p.tenant_id', '=', 'a.tenant_id'))
      .selectAll('a')
      .where('a.tenant_id', '=', tenantId)
      .where('a.target_type', 'in', targetTypes)
      .orderBy('a.created', 'desc')
      .orderBy('a.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const profile = await this.getProfile(tenantId, row.profile_id);
    return profile && { assignment: rowToAssignment(row), profile };
  }

  async tenantAssignments(tenantId: string): Promise<Array<{ assignment: ProfileAssignment; profile: DeploymentProfile }>> {
    const [assignments, profiles] = await Promise.all([
      this.db.selectFrom('profile_assignments').selectAll().where('tenant_id', '=', tenantId).orderBy('created').orderBy('id').execute(),
      this.db.selectFrom('deployment_profiles').selectAll().where('tenant_id', '=', tenantId).execute(),
    ]);
    const byId = new Map(profiles.map((p) => [p.id, rowToProfile(p)]));
    return assignments.flatMap((a) => {
      const profile = byId.get(a.profile_id);
      return profile ? [{ assignment: rowToAssignment(a), profile }] : [];
    });
  }

  async targetedGroups(): Promise<Array<{ tenantId: string; groupId: string }>> {
    const rows = await this.db
      .selectFrom('profile_assignments')
      .select(['tenant_id', 'group_id'])
      .where('group_id', 'is not', null)
      .distinct()
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, groupId: r.group_id! }));
  }

  async isGroupTargeted(tenantId: string, groupId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('profile_assignments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async getGroupWatch(tenantId: string, groupId: string): Promise<GroupWatch | undefined> {
    const row = await this.db
      .selectFrom('group_subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    return row && rowToWatch(row);
  }

  async findGroupWatchBySubscription(subscriptionId: string): Promise<GroupWatch | undefined> {
    const row = await this.db.selectFrom('group_subscriptions').selectAll().where('subscription_id', '=', subscriptionId).executeTakeFirst();
    return row && rowToWatch(row);
  }

  async listGroupWatches(): Promise<GroupWatch[]> {
    const rows = await this.db.selectFrom('group_subscriptions').selectAll().orderBy('tenant_id').orderBy('group_id').execute();
    return rows.map(rowToWatch);
  }

  async putGroupWatch(watch: GroupWatch, at: string): Promise<void> {
    const values = {
      subscription_id: watch.subscriptionId,
      expiration: watch.expirationDateTime,
      synced: watch.synced ? 1 : 0,
      last_error: watch.lastError?.slice(0, 500) ?? null,
      modified: at,
    };
    await this.db
      .insertInto('group_subscriptions')
      .values({ tenant_id: watch.tenantId, group_id: watch.groupId, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'group_id']).doUpdateSet(values))
      .execute();
  }

  async deleteGroupWatch(tenantId: string, groupId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('group_subscriptions').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
      await trx.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
    });
  }

  async unsyncedGroups(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('profile_assignments as a')
      .leftJoin('group_subscriptions as s', (join) => join.onRef('s.tenant_id', '=', 'a.tenant_id').onRef('s.group_id', '=', 'a.group_id'))
      .select('a.group_id')
      .where('a.tenant_id', '=', tenantId)
      .where('a.group_id', 'is not', null)
      .where((eb) => eb.or([eb('s.synced', 'is', null), eb('s.synced', '<>', 1)]))
      .distinct()
      .execute();
    return rows.map((r) => r.group_id!);
  }

  async replaceGroupMembers(tenantId: string, groupId: string, members: GroupMember[]): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('group_members').select('device_id').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
      await trx.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).execute();
      const unique = [...new Map(members.map((m) => [m.objectId, m])).values()];
      for (const part of chunks(unique, INSERT_CHUNK)) {
        await trx
          .insertInto('group_members')
          .values(part.map((m) => ({ tenant_id: tenantId, group_id: groupId, object_id: m.objectId, device_id: m.deviceId })))
          .execute();
      }
      return before.map((r) => r.device_id);
    });
  }

  async applyGroupDelta(tenantId: string, groupId: string, added: GroupMember[], removedObjectIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(removedObjectIds, INSERT_CHUNK)) {
        await trx.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', groupId).where('object_id', 'in', part).execute();
      }
      for (const m of added) {
        await trx
          .insertInto('group_members')
          .values({ tenant_id: tenantId, group_id: groupId, object_id: m.objectId, device_id: m.deviceId })
          .onConflict((oc) => oc.columns(['tenant_id', 'group_id', 'object_id']).doUpdateSet({ device_id: m.deviceId }))
          .execute();
      }
    });
  }

  async groupsOfDevices(tenantId: string, deviceIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const part of chunks([...new Set(deviceIds)], INSERT_CHUNK)) {
      const rows = await this.db
        .selectFrom('group_members')
        .select(['device_id', 'group_id'])
        .where('tenant_id', '=', tenantId)
        .where('device_id', 'in', part)
        .execute();
      for (const r of rows) {
        let set = out.get(r.device_id);
        if (!set) out.set(r.device_id, (set = new Set()));
        set.add(r.group_id);
      }
    }
    return out;
  }

  /**
   * Devices by Entra device id, given in lower case. The column's index is case folded (for
   * $filter), so the lookup folds too: compared as stored, every call walked the tenant's
   * devices. Device ids are GUIDs, so folding loses nothing.
   */
  devicesByDeviceIdsQuery(tenantId: string, lowerCaseIds: string[]) {
    const folded = this.dialect === 'postgres' ? sql`(lower(azure_active_directory_device_id) COLLATE "C")` : sql`lower(azure_active_directory_device_id)`;
    return this.db.selectFrom('autopilot_devices').selectAll().where('tenant_id', '=', tenantId).where(folded, 'in', lowerCaseIds);
  }

  async devicesByDeviceIds(tenantId: string, deviceIds: string[]): Promise<AutopilotDevice[]> {
    const out: AutopilotDevice[] = [];
    for (const part of chunks([...new Set(deviceIds.map((id) => id.toLowerCase()))], INSERT_CHUNK)) {
      const rows = await this.devicesByDeviceIdsQuery(tenantId, part).execute();
      out.push(...rows.map(rowToDevice));
    }
    return out;
  }

  async profileStates(tenantId: string, deviceIds: string[]): Promise<Map<string, { profileId: string | null; changed: string }>> {
    const out = new Map<string, { profileId: string | null; changed: string }>();
    for (const part of chunks([...new Set(deviceIds)], INSERT_CHUNK)) {
      const rows = await this.db.selectFrom('device_profile_state').selectAll().where('tenant_id', '=', tenantId).where('device_id', 'in', part).execute();
      for (const r of rows) out.set(r.device_id, { profileId: r.profile_id, changed: r.changed });
    }
    return out;
  }

  async putProfileState(tenantId: string, deviceId: string, profileId: string | null, changed: string, event?: DiscoveryEvent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('device_profile_state')
        .values({ tenant_id: tenantId, device_id: deviceId, profile_id: profileId, changed })
        .onConflict((oc) => oc.columns(['tenant_id', 'device_id']).doUpdateSet({ profile_id: profileId, changed }))
        .execute();
      await insertEvents(trx, event ? [event] : undefined);
    });
  }

  async devicesAfter(tenantId: string, cursor: DeviceCursor | undefined, limit: number): Promise<AutopilotDevice[]> {
    let qb = this.db.selectFrom('autopilot_devices').selectAll().where('tenant_id', '=', tenantId);
    if (cursor) {
      const { created, id } = cursor;
      qb = qb.where((eb) => eb.or([eb('created', '>', created), eb.and([eb('created', '=', created), eb('id', '>', id)])]));
    }
    const rows = await qb.orderBy('created').orderBy('id').limit(limit).execute();
    return rows.map(rowToDevice);
  }

  async commitWalkPage(messageId: string, events: DiscoveryEvent[], messages: OutboxWrite[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await markOutboxDelivered(trx, messageId))) return false;
      await insertEvents(trx, events);
      await insertMessages(trx, messages);
      return true;
    });
  }

  releaseMessage(id: string): Promise<void> {
    // Ahead of the placeholders the walk's earlier pages queued, so the walk finishes before they drain.
    return expediteOutboxMessage(this.db, id);
  }

  async enqueueMessages(messages: OutboxWrite[]): Promise<void> {
    await this.db.transaction().execute((trx) => insertMessages(trx, messages));
  }

  async appendEvents(events: DiscoveryEvent[]): Promise<void> {
    await insertEvents(this.db, events);
  }

  async listEvents(query: EventQuery): Promise<{ items: DiscoveryEvent[]; next?: EventCursor }> {
    let qb = this.db.selectFrom('discovery_events').selectAll();
    qb = query.includeTenantless
      ? qb.where((eb) => eb.or([eb('tenant_id', '=', query.tenantId), eb('tenant_id', 'is', null)]))
      : qb.where('tenant_id', '=', query.tenantId);
    if (query.ztdId) qb = qb.where('ztd_id', '=', query.ztdId);
    if (query.azureADDeviceId) qb = qb.where('azure_ad_device_id', '=', query.azureADDeviceId);
    if (query.traceId) qb = qb.where('trace_id', '=', query.traceId);
    if (query.serialNumber) qb = qb.where(sql<string>`lower(serial_number)`, '=', query.serialNumber.toLowerCase());
    if (query.since) qb = qb.where('occurred_at', '>=', query.since);
    if (query.after) {
      const { occurredDateTime, id } = query.after;
      qb = qb.where((eb) => eb.or([eb('occurred_at', '<', occurredDateTime), eb.and([eb('occurred_at', '=', occurredDateTime), eb('id', '<', id)])]));
    }
    const rows = await qb.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const kept = rows.slice(0, query.limit);
    const out: { items: DiscoveryEvent[]; next?: EventCursor } = { items: kept.map(rowToEvent) };
    const last = kept.at(-1);
    if (rows.length > query.limit && last) out.next = { occurredDateTime: last.occurred_at, id: last.id };
    return out;
  }

  async pruneEvents(before: string): Promise<number> {
    const result = await this.db.deleteFrom('discovery_events').where('occurred_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async getSettings(tenantId: string): Promise<AutopilotSettings> {
    const row = await this.db.selectFrom('autopilot_settings').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return {
      lastSyncDateTime: row?.last_sync ?? null,
      lastManualSyncTriggerDateTime: row?.last_manual_sync ?? null,
      syncStatus: (row?.sync_status as SyncStatus | undefined) ?? 'unknown',
    };
  }

  async recordSync(tenantId: string, at: string): Promise<void> {
    await this.db
      .insertInto('autopilot_settings')
      .values({ tenant_id: tenantId, last_sync: at, last_manual_sync: at, sync_status: 'completed' })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ last_sync: at, last_manual_sync: at, sync_status: 'completed' }))
      .execute();
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
