import { randomUUID } from 'node:crypto';
import { AUTOPILOT_DEVICE_MODES } from '@baton/contracts';
import { EventFeedStore, timeOrderedId, type Dialect, type FeedEvent } from '@baton/kit';
import { MANAGEMENT_EVENTS_TABLE } from '../events/feed.js';
import type { Insertable, Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type { CommandQueueTable, CommandsTable, EnrollmentsTable, ManagementDatabase } from './schema.js';
import { readEnrollmentOfCertificate, readSessionDue, sqlBoolean } from './session-due.js';
import {
  continueSession,
  endOpenSessions,
  enrollmentById,
  enrollmentByIdForUpdate,
  enrollmentByThumbprint,
  enrollmentForMessage,
  enrollmentForMessageForUpdate,
  enrollmentSynced,
  insertRawRequest,
  insertSession,
  latestSessionWithId,
} from './session-statements.js';
import { UNENROLLED_STATES } from './store.js';
import { applyODataFilter, applyODataOrderBy, parseJsonOr } from '@baton/kit';
import type { FilterNode, OrderByItem } from '@baton/protocols';
import { inventoryColumns } from './inventory-columns.js';
import { compressRawBody, decompressRawBody } from './raw-request-body.js';
import { MANAGED_DEVICE_PROPERTIES } from './odata-maps.js';
import type {
  AtomicChild,
  ChildStatus,
  CommandCorrelation,
  CommandVerb,
  DeviceActionName,
  DigestCredential,
  Enrollment,
  EnrollmentPatch,
  ListPage,
  ManagementState,
  ManagementStore,
  NewCommand,
  NewDeviceAction,
  QueuedCommand,
  SentCommand,
  SessionDue,
  SessionLimits,
  SessionMessage,
  SessionState,
  MessageSubject,
  StoredCertificateAuthority,
  StoredDeviceAction,
  PrimaryUser,
} from './store.js';

const CA_ROW_ID = 'mdm';

function toSessionState(row: { last_msg_id: string; ended_at: string | null; auth: string; max_msg_size: number | null; max_obj_size: number | null }): SessionState {
  const limits: SessionLimits = {};
  if (row.max_msg_size !== null) limits.maxMsgSize = Number(row.max_msg_size);
  if (row.max_obj_size !== null) limits.maxObjSize = Number(row.max_obj_size);
  return { lastMsgId: row.last_msg_id, ended: row.ended_at !== null, auth: row.auth as SessionState['auth'], limits };
}

function toEnrollment(row: Selectable<EnrollmentsTable>): Enrollment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    azureAdDeviceId: row.azure_ad_device_id,
    userId: row.user_id,
    upn: row.upn,
    userDisplayName: row.user_display_name,
    userEmail: row.user_email,
    deviceAuth: Number(row.device_auth) === 1,
    autopilotMode: AUTOPILOT_DEVICE_MODES.find((m) => m === row.autopilot_mode) ?? null,
    mdmDeviceId: row.mdm_device_id,
    hwDevId: row.hw_dev_id,
    deviceName: row.device_name,
    osVersion: row.os_version,
    enrollmentType: row.enrollment_type,
    certThumbprint: row.cert_thumbprint,
    certPem: row.cert_pem,
    enrolledAt: row.enrolled_at,
    lastSyncAt: row.last_sync_at,
    managementState: row.management_state,
    inventory: parseJsonOr(row.inventory, {}),
  };
}

function enrollmentRow(e: Enrollment): Insertable<EnrollmentsTable> {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    azure_ad_device_id: e.azureAdDeviceId,
    user_id: e.userId,
    upn: e.upn,
    user_display_name: e.userDisplayName ?? null,
    user_email: e.userEmail ?? null,
    device_auth: e.deviceAuth ? 1 : 0,
    autopilot_mode: e.autopilotMode ?? null,
    mdm_device_id: e.mdmDeviceId,
    hw_dev_id: e.hwDevId,
    device_name: e.deviceName,
    os_version: e.osVersion,
    enrollment_type: e.enrollmentType,
    cert_thumbprint: e.certThumbprint,
    cert_pem: e.certPem,
    enrolled_at: e.enrolledAt,
    last_sync_at: e.lastSyncAt,
    management_state: e.managementState,
    inventory: JSON.stringify(e.inventory),
    serial_number: null,
    model: null,
    manufacturer: null,
    ...inventoryColumns(e.inventory),
  };
}

type QueueRow = Selectable<CommandQueueTable> & Pick<Selectable<CommandsTable>, 'verb' | 'loc_uri' | 'payload'>;

/**
 * A command's row in `commands`: an Atomic keeps its children in `payload` and no LocURI of
 * its own, so one row still serves every device it is queued to.
 */
function commandRow(id: string, command: NewCommand, at: string): Insertable<CommandsTable> {
  if (command.verb === 'Atomic') return { id, verb: 'Atomic', loc_uri: '', payload: JSON.stringify({ children: command.children }), created_at: at };
  return { id, verb: command.verb, loc_uri: command.locUri, payload: JSON.stringify(command.payload ?? {}), created_at: at };
}

/** The `data` of an item command's stored payload, or null (no command, an Atomic, or a row gone). */
function commandData(payload: string | null): string | null {
  const parsed = parseJsonOr<unknown>(payload, null);
  const data = parsed && typeof parsed === 'object' ? (parsed as { data?: unknown }).data : undefined;
  return typeof data === 'string' ? data : null;
}

function toQueued(row: QueueRow): QueuedCommand {
  const queued: QueuedCommand = {
    commandId: row.command_id,
    verb: row.verb as CommandVerb | 'Atomic',
    locUri: row.loc_uri,
    payload: {},
    position: Number(row.position),
    status: row.status,
    sessionId: row.session_id,
    msgId: row.msg_id,
    cmdId: row.cmd_id,
    statusCode: row.status_code,
    result: parseJsonOr(row.result, null),
  };
  if (queued.verb === 'Atomic') {
    queued.children = parseJsonOr<{ children?: AtomicChild[] }>(row.payload, {}).children ?? [];
    if (row.child_statuses !== null) queued.childStatuses = parseJsonOr<ChildStatus[]>(row.child_statuses, []);
  } else {
    queued.payload = parseJsonOr(row.payload, {});
  }
  return queued;
}

export class KyselyManagementStore implements ManagementStore {
  constructor(
    private readonly db: Kysely<ManagementDatabase>,
    readonly dialect: Dialect,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(fn: (store: ManagementStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db
      .transaction()
      .execute((trx: Transaction<ManagementDatabase>) => fn(new KyselyManagementStore(trx, this.dialect, true)));
  }

  async getCertificateAuthority(): Promise<StoredCertificateAuthority | undefined> {
    const row = await this.db.selectFrom('mdm_ca').selectAll().where('id', '=', CA_ROW_ID).executeTakeFirst();
    return row ? { certPem: row.cert_pem, keySealed: row.key_sealed } : undefined;
  }

  async putCertificateAuthorityIfAbsent(ca: StoredCertificateAuthority): Promise<StoredCertificateAuthority> {
    await this.db
      .insertInto('mdm_ca')
      .values({ id: CA_ROW_ID, cert_pem: ca.certPem, key_sealed: ca.keySealed, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.getCertificateAuthority())!;
  }

  replaceEnrollment(enrollment: Enrollment, initialCommands: NewCommand[], credential?: DigestCredential): Promise<string[]> {
    return this.transaction(async (tx) => (tx as KyselyManagementStore).replaceEnrollmentInTx(enrollment, initialCommands, credential));
  }

  async findEnrollmentOfDevice(tenantId: string, device: Pick<Enrollment, 'azureAdDeviceId' | 'mdmDeviceId' | 'hwDevId'>): Promise<Enrollment | undefined> {
    const row = await this.db
      .selectFrom('enrollments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => {
        const same = [eb('azure_ad_device_id', '=', device.azureAdDeviceId), eb('mdm_device_id', '=', device.mdmDeviceId)];
        if (device.hwDevId) same.push(eb('hw_dev_id', '=', device.hwDevId));
        return eb.or(same);
      })
      .limit(1)
      .executeTakeFirst();
    return row ? toEnrollment(row) : undefined;
  }

  private async replaceEnrollmentInTx(e: Enrollment, initialCommands: NewCommand[], credential?: DigestCredential): Promise<string[]> {
    const previous = await this.db
      .selectFrom('enrollments')
      .select('id')
      .where('tenant_id', '=', e.tenantId)
      .where((eb) => {
        const same = [eb('azure_ad_device_id', '=', e.azureAdDeviceId), eb('mdm_device_id', '=', e.mdmDeviceId)];
        if (e.hwDevId) same.push(eb('hw_dev_id', '=', e.hwDevId));
        return eb.or(same);
      })
      .execute();
    const removed = previous.map((p) => p.id);
    if (removed.length > 0) await this.db.deleteFrom('enrollments').where('id', 'in', removed).execute();
    await this.db.insertInto('enrollments').values(enrollmentRow(e)).execute();
    if (credential) {
      await this.db
        .insertInto('digest_credentials')
        .values({ enrollment_id: e.id, user_name: credential.userName, secret_sealed: credential.secretSealed, nonce: credential.nonce, updated_at: e.enrolledAt })
        .execute();
    }
    for (const command of initialCommands) await this.enqueueCommandInTx(command, [e.id]);
    return removed;
  }

  insertEnrollments(enrollments: Enrollment[], command?: NewCommand): Promise<void> {
    // Bounded batches keep each statement under SQLite's and PostgreSQL's parameter limits.
    const BATCH = 500;
    return this.transaction(async (tx) => {
      const self = tx as KyselyManagementStore;
      const now = new Date().toISOString();
      const commandId = randomUUID();
      if (command) await self.db.insertInto('commands').values(commandRow(commandId, command, now)).execute();
      for (let i = 0; i < enrollments.length; i += BATCH) {
        const batch = enrollments.slice(i, i + BATCH);
        await self.db.insertInto('enrollments').values(batch.map(enrollmentRow)).execute();
        if (!command) continue;
        await self.db
          .insertInto('command_queue')
          .values(
            batch.map((e) => ({
              enrollment_id: e.id,
              command_id: commandId,
              position: 1,
              status: 'queued' as const,
              session_id: null,
              msg_id: null,
              cmd_id: null,
              status_code: null,
              result: null,
              updated_at: now,
            })),
          )
          .execute();
      }
    });
  }

  async getEnrollment(id: string): Promise<Enrollment | undefined> {
    const row = await this.db.selectFrom('enrollments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEnrollment(row) : undefined;
  }

  async lockEnrollment(id: string): Promise<Enrollment | undefined> {
    // SQLite has one writer and Kysely runs a transaction on its single connection, so
    // only PostgreSQL needs the row lock.
    const query = this.dialect === 'postgres' ? enrollmentByIdForUpdate : enrollmentById;
    const [row] = (await query.execute(this.db, { id })).rows;
    return row ? toEnrollment(row) : undefined;
  }

  async lockEnrollmentForMessage(id: string, sessionId: string): Promise<MessageSubject | undefined> {
    const query = this.dialect === 'postgres' ? enrollmentForMessageForUpdate : enrollmentForMessage;
    const [row] = (await query.execute(this.db, { id, sessionId })).rows;
    if (!row) return undefined;
    const { s_last_msg_id, s_ended_at, s_auth, s_max_msg_size, s_max_obj_size, any_open, ...enrollment } = row;
    const subject: MessageSubject = { enrollment: toEnrollment(enrollment), anyOpen: sqlBoolean(any_open) };
    if (s_last_msg_id !== null) {
      subject.session = toSessionState({ last_msg_id: s_last_msg_id, ended_at: s_ended_at, auth: s_auth!, max_msg_size: s_max_msg_size, max_obj_size: s_max_obj_size });
    }
    return subject;
  }

  appendEvents(events: FeedEvent[]): Promise<void> {
    return new EventFeedStore(this.db, MANAGEMENT_EVENTS_TABLE).append(events);
  }

  sessionDue(enrollmentId: string, tenantId: string): Promise<SessionDue> {
    return readSessionDue(this.db, enrollmentId, tenantId);
  }

  async enrollmentOfCertificate(thumbprint: string): Promise<{ enrollment: Enrollment; due: SessionDue } | undefined> {
    const found = await readEnrollmentOfCertificate(this.db, thumbprint);
    return found ? { enrollment: toEnrollment(found.row), due: found.due } : undefined;
  }

  async getEnrollmentByThumbprint(thumbprint: string): Promise<Enrollment | undefined> {
    const [row] = (await enrollmentByThumbprint.execute(this.db, { thumbprint })).rows;
    return row ? toEnrollment(row) : undefined;
  }

  async replaceCertificate(enrollmentId: string, previousThumbprint: string, certPem: string, thumbprint: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollments')
      .set({ cert_pem: certPem, cert_thumbprint: thumbprint })
      .where('id', '=', enrollmentId)
      .where('cert_thumbprint', '=', previousThumbprint)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listEnrollments(tenantId: string, page: ListPage, filter?: FilterNode, orderby?: readonly OrderByItem[]): Promise<{ items: Enrollment[]; total: number }> {
    const scoped = this.db.selectFrom('enrollments').where('tenant_id', '=', tenantId);
    // complianceState reads another table: its subquery names this row as enrollments.id.
    const odata = { table: 'enrollments' };
    const filtered = applyODataFilter(scoped.selectAll(), filter, MANAGED_DEVICE_PROPERTIES, this.dialect, odata);
    const rows = await applyODataOrderBy(filtered, orderby, MANAGED_DEVICE_PROPERTIES, this.dialect, odata)
      .orderBy('enrolled_at')
      .orderBy('id')
      .limit(page.top)
      .offset(page.skip)
      .execute();
    const count = await applyODataFilter(
      scoped.select((eb) => eb.fn.countAll().as('n')),
      filter,
      MANAGED_DEVICE_PROPERTIES,
      this.dialect,
      odata,
    ).executeTakeFirstOrThrow();
    return { items: rows.map(toEnrollment), total: Number(count.n) };
  }

  updateEnrollment(id: string, patch: EnrollmentPatch): Promise<void> {
    return this.transaction(async (tx) => {
      const self = tx as KyselyManagementStore;
      const set: Partial<EnrollmentsTable> = {};
      if (patch.managementState) set.management_state = patch.managementState;
      if (patch.lastSyncAt) set.last_sync_at = patch.lastSyncAt;
      if (patch.inventory && Object.keys(patch.inventory).length > 0) {
        const row = await self.db.selectFrom('enrollments').select('inventory').where('id', '=', id).executeTakeFirst();
        if (!row) return;
        const merged = { ...parseJsonOr<Record<string, string>>(row.inventory, {}), ...patch.inventory };
        set.inventory = JSON.stringify(merged);
        Object.assign(set, inventoryColumns(merged));
      }
      if (Object.keys(set).length === 0) return;
      await self.db.updateTable('enrollments').set(set).where('id', '=', id).execute();
    });
  }

  async markSynced(id: string, state: ManagementState, at: string): Promise<void> {
    await enrollmentSynced.execute(this.db, { id, state, at });
  }

  async setPrimaryUser(id: string, user: PrimaryUser): Promise<boolean> {
    // Only where there is none: two sessions carrying tokens at once cannot both set it.
    const result = await this.db
      .updateTable('enrollments')
      .set({ user_id: user.userId, upn: user.upn, user_display_name: user.displayName, user_email: user.email })
      .where('id', '=', id)
      .where('user_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  enqueueCommand(command: NewCommand, enrollmentIds: string[]): Promise<string> {
    return this.transaction(async (tx) => (tx as KyselyManagementStore).enqueueCommandInTx(command, enrollmentIds));
  }

  private async enqueueCommandInTx(command: NewCommand, enrollmentIds: string[]): Promise<string> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.db.insertInto('commands').values(commandRow(id, command, now)).execute();
    if (enrollmentIds.length === 0) return id;
    const tails = await this.db
      .selectFrom('command_queue')
      .select((eb) => ['enrollment_id', eb.fn.max('position').as('last')])
      .where('enrollment_id', 'in', enrollmentIds)
      .groupBy('enrollment_id')
      .execute();
    const last = new Map(tails.map((t) => [t.enrollment_id, Number(t.last)]));
    await this.db
      .insertInto('command_queue')
      .values(
        enrollmentIds.map((enrollmentId) => ({
          enrollment_id: enrollmentId,
          command_id: id,
          position: (last.get(enrollmentId) ?? 0) + 1,
          status: 'queued' as const,
          session_id: null,
          msg_id: null,
          cmd_id: null,
          status_code: null,
          result: null,
          updated_at: now,
        })),
      )
      .execute();
    return id;
  }

  private queueQuery(enrollmentId: string) {
    return this.db
      .selectFrom('command_queue as q')
      .innerJoin('commands as c', 'c.id', 'q.command_id')
      .selectAll('q')
      .select(['c.verb', 'c.loc_uri', 'c.payload'])
      .where('q.enrollment_id', '=', enrollmentId);
  }

  async listQueue(enrollmentId: string): Promise<QueuedCommand[]> {
    const rows = await this.queueQuery(enrollmentId).orderBy('q.position').execute();
    return rows.map(toQueued);
  }

  async nextQueued(enrollmentId: string, limit: number): Promise<QueuedCommand[]> {
    const rows = await this.queueQuery(enrollmentId).where('q.status', '=', 'queued').orderBy('q.position').limit(limit).execute();
    return rows.map(toQueued);
  }

  async markSent(enrollmentId: string, sessionId: string, msgId: string, sent: SentCommand[]): Promise<void> {
    const now = new Date().toISOString();
    for (const s of sent) {
      const children: ChildStatus[] | undefined = s.childCmdIds?.map((cmdId) => ({ cmdId, statusCode: null }));
      await this.db
        .updateTable('command_queue')
        .set({ status: 'sent', session_id: sessionId, msg_id: msgId, cmd_id: s.cmdId, child_statuses: children ? JSON.stringify(children) : null, updated_at: now })
        .where('enrollment_id', '=', enrollmentId)
        .where('command_id', '=', s.commandId)
        .execute();
    }
  }

  async requeueInFlight(enrollmentId: string): Promise<number> {
    const result = await this.db
      .updateTable('command_queue')
      .set({ status: 'queued', session_id: null, msg_id: null, cmd_id: null, child_statuses: null, updated_at: new Date().toISOString() })
      .where('enrollment_id', '=', enrollmentId)
      .where('status', '=', 'sent')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async failQueued(enrollmentId: string, commandIds: string[], statusCode: string): Promise<void> {
    if (commandIds.length === 0) return;
    await this.db
      .updateTable('command_queue')
      .set({ status: 'failed', status_code: statusCode, updated_at: new Date().toISOString() })
      .where('enrollment_id', '=', enrollmentId)
      .where('command_id', 'in', commandIds)
      .where('status', '=', 'queued')
      .execute();
  }

  private sentRow(ref: CommandCorrelation) {
    return this.db
      .updateTable('command_queue')
      .where('enrollment_id', '=', ref.enrollmentId)
      .where('session_id', '=', ref.sessionId)
      .where('msg_id', '=', ref.msgRef)
      .where('cmd_id', '=', ref.cmdRef);
  }

  async recordStatus(ref: CommandCorrelation, statusCode: string): Promise<boolean> {
    // 2xx is success in OMA-DM (200 done, 202 accepted for later processing, …).
    const status = /^2\d\d$/.test(statusCode) ? ('acknowledged' as const) : ('failed' as const);
    // Only a command still waiting for its Status: a second Status (a replay, or a device
    // answering twice) must not rewrite the outcome already recorded.
    const result = await this.sentRow(ref)
      .where('status', '=', 'sent')
      .set({ status, status_code: statusCode, updated_at: new Date().toISOString() })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async recordChildStatuses(enrollmentId: string, sessionId: string, msgRef: string, statuses: ReadonlyMap<string, string>): Promise<number> {
    if (statuses.size === 0) return 0;
    // The Atomics of one message: a handful of rows at most, each with its children's CmdIDs.
    const rows = await this.db
      .selectFrom('command_queue')
      .select(['command_id', 'child_statuses'])
      .where('enrollment_id', '=', enrollmentId)
      .where('session_id', '=', sessionId)
      .where('msg_id', '=', msgRef)
      .where('child_statuses', 'is not', null)
      .execute();
    let matched = 0;
    for (const row of rows) {
      const children = parseJsonOr<ChildStatus[]>(row.child_statuses, []);
      let changed = false;
      for (const child of children) {
        const code = statuses.get(child.cmdId);
        if (code === undefined || child.statusCode !== null) continue;
        child.statusCode = code;
        changed = true;
        matched++;
      }
      if (!changed) continue;
      await this.db
        .updateTable('command_queue')
        .set({ child_statuses: JSON.stringify(children), updated_at: new Date().toISOString() })
        .where('enrollment_id', '=', enrollmentId)
        .where('command_id', '=', row.command_id)
        .execute();
    }
    return matched;
  }

  async recordResult(ref: CommandCorrelation, result: unknown): Promise<boolean> {
    // Results arrive with or after the Status of the same message, and only once.
    const updated = await this.sentRow(ref)
      .where('status', 'in', ['sent', 'acknowledged', 'failed'])
      .where('result', 'is', null)
      .set({ result: JSON.stringify(result), updated_at: new Date().toISOString() })
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  async countOutstanding(enrollmentId: string): Promise<{ queued: number; sent: number }> {
    const rows = await this.db
      .selectFrom('command_queue')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .where('enrollment_id', '=', enrollmentId)
      .where('status', 'in', ['queued', 'sent'])
      .groupBy('status')
      .execute();
    const out = { queued: 0, sent: 0 };
    for (const r of rows) out[r.status as 'queued' | 'sent'] = Number(r.n);
    return out;
  }

  requestDeviceAction(enrollmentId: string, action: NewDeviceAction): Promise<boolean> {
    return this.transaction(async (tx) => {
      const self = tx as KyselyManagementStore;
      // Held until commit, so the action and a session of the same device serialise.
      if (!(await self.lockEnrollment(enrollmentId))) return false;
      const commandId = action.command ? await self.enqueueCommandInTx(action.command, [enrollmentId]) : null;
      for (const read of action.followUp ?? []) await self.enqueueCommandInTx(read, [enrollmentId]);
      await self.db
        .insertInto('device_actions')
        .values({ id: randomUUID(), enrollment_id: enrollmentId, action_name: action.actionName, command_id: commandId, started_at: action.at })
        .execute();
      if (action.managementState) {
        await self.db.updateTable('enrollments').set({ management_state: action.managementState }).where('id', '=', enrollmentId).execute();
      }
      return true;
    });
  }

  async listDeviceActions(enrollmentIds: string[]): Promise<StoredDeviceAction[]> {
    if (enrollmentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('device_actions as a')
      .leftJoin('command_queue as q', (join) => join.onRef('q.enrollment_id', '=', 'a.enrollment_id').onRef('q.command_id', '=', 'a.command_id'))
      .leftJoin('commands as c', 'c.id', 'a.command_id')
      .select(['a.enrollment_id', 'a.action_name', 'a.started_at', 'q.status', 'q.status_code', 'q.updated_at', 'c.payload'])
      .where('a.enrollment_id', 'in', enrollmentIds)
      .orderBy('a.started_at')
      .orderBy('a.id')
      .execute();
    return rows.map((r) => ({
      enrollmentId: r.enrollment_id,
      actionName: r.action_name as DeviceActionName,
      startedAt: r.started_at,
      queueStatus: r.status ?? null,
      statusCode: r.status_code ?? null,
      queueUpdatedAt: r.updated_at ?? null,
      commandData: commandData(r.payload ?? null),
    }));
  }

  async deleteEnrollment(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('enrollments').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async digestCandidates(mdmDeviceId: string): Promise<Array<{ enrollment: Enrollment; credential: DigestCredential }>> {
    const rows = await this.db
      .selectFrom('enrollments as e')
      .innerJoin('digest_credentials as d', 'd.enrollment_id', 'e.id')
      .selectAll('e')
      .select(['d.user_name', 'd.secret_sealed', 'd.nonce'])
      .where('e.mdm_device_id', '=', mdmDeviceId)
      .where('e.management_state', 'not in', [...UNENROLLED_STATES])
      .orderBy('e.enrolled_at', 'desc')
      .limit(8)
      .execute();
    return rows.map((r) => ({ enrollment: toEnrollment(r), credential: { userName: r.user_name, secretSealed: r.secret_sealed, nonce: r.nonce } }));
  }

  async rotateNonce(enrollmentId: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('digest_credentials')
      .set({ nonce: next, updated_at: new Date().toISOString() })
      .where('enrollment_id', '=', enrollmentId)
      .where('nonce', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async findSession(enrollmentId: string, sessionId: string): Promise<SessionState | undefined> {
    const [row] = (await latestSessionWithId.execute(this.db, { enrollmentId, sessionId })).rows;
    return row ? toSessionState(row) : undefined;
  }

  async recordSessionMessage(message: SessionMessage): Promise<void> {
    const { enrollmentId, sessionId, msgId, at, endedAt } = message;
    const limits = { maxMsgSize: message.limits?.maxMsgSize, maxObjSize: message.limits?.maxObjSize };
    if (!message.opens) {
      await continueSession.execute(this.db, { enrollmentId, sessionId, msgId, endedAt, ...limits });
      return;
    }
    if (message.endsOpenSessions !== false) await endOpenSessions.execute(this.db, { enrollmentId, at });
    // A time-ordered id: sessions are written in time order, so the primary key grows at its end.
    await insertSession.execute(this.db, { id: timeOrderedId(), enrollmentId, sessionId, msgId, at, endedAt, auth: message.auth ?? 'certificate', ...limits });
  }

  async recordRawRequest(enrollmentId: string, sessionId: string, msgId: string, body: string, at: string): Promise<void> {
    await insertRawRequest.execute(this.db, { id: timeOrderedId(), enrollmentId, sessionId, msgId, bodyGzip: compressRawBody(body), at });
  }

  async listRawRequests(enrollmentId: string) {
    const rows = await this.db
      .selectFrom('raw_requests')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      sessionId: r.session_id,
      msgId: r.msg_id,
      body: decompressRawBody(r.body_gzip),
      receivedAt: r.received_at,
    }));
  }

  pruneEndedSessions(before: string, limit: number): Promise<number> {
    // No index on ended_at: every poll would pay for it. Rows are found in insertion order,
    // where the oldest sit, and this runs hourly in bounded batches.
    return this.deleteBatch('sessions', limit, this.db.selectFrom('sessions').select('id').where('ended_at', 'is not', null).where('ended_at', '<', before));
  }

  pruneRawRequests(before: string, limit: number): Promise<number> {
    return this.deleteBatch('raw_requests', limit, this.db.selectFrom('raw_requests').select('id').where('received_at', '<', before));
  }

  /**
   * Deletes the first `limit` rows of `table` that `ids` selects, in one statement: a
   * long-idle service does not delete millions of rows in one transaction, and sessions keep
   * going between batches.
   */
  private async deleteBatch(table: 'sessions' | 'raw_requests', limit: number, ids: SelectQueryBuilder<ManagementDatabase, 'sessions' | 'raw_requests', { id: string }>): Promise<number> {
    const result = await this.db.deleteFrom(table).where('id', 'in', ids.limit(limit)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
