/**
 * Compliance's storage, on management's own database (SQLite or PostgreSQL through the
 * same Kysely code). Evaluation works in pages of devices: one read of their facts and
 * earlier states, one batched write of the new states and of the outbox messages, so that
 * re-evaluating a whole tenant after a policy edit costs a few statements per page.
 * Facts are stored as values (JSON, canonical key order) beside their arrival times, and
 * policy states as JSON without what the row already says, so that unchanged devices are
 * recognised by comparing texts.
 */
import { randomUUID } from 'node:crypto';
import { chunks, type Dialect, outboxRow, parseJsonOr, timeOrderedId } from '@baton/kit';
import type { Kysely, Transaction } from 'kysely';
import type { ManagementState } from '../store/schema.js';
import { insertRows } from './bulk.js';
import { factsText, type DeviceFacts } from './facts.js';
import { parseFacts } from './memo.js';
import type { CompliancePolicy } from './policy.js';
import type { ComplianceDatabase } from './schema.js';
import type { SettingResult, SettingState } from './evaluate.js';

export interface StoredAssignment {
  id: string;
  policyId: string;
  target: Record<string, unknown>;
}

/** What evaluation needs of an enrollment (the Graph views read the rest). */
export interface ComplianceSubject {
  id: string;
  tenantId: string;
  azureAdDeviceId: string;
  userId: string | null;
  managementState: ManagementState;
}

/** An enrollment as the Graph views of compliance show it. */
export interface EvaluatedDevice extends ComplianceSubject {
  deviceName: string | null;
  upn: string | null;
  model: string | null;
}

/** Where a page of a tenant's devices ends. */
export interface DevicePageKey {
  enrolledAt: string;
  id: string;
}

export interface StoredPolicyState {
  enrollmentId: string;
  policyId: string;
  state: SettingState;
  settings: SettingResult[];
  noncompliantSince: string | null;
  policyVersion: number;
  evaluatedAt: string;
}

export interface StoredDeviceCompliance {
  enrollmentId: string;
  state: string;
  isCompliant: boolean;
  graceExpiresAt: string | null;
  version: number;
  evaluatedAt: string;
  policies: StoredPolicyState[];
}

/**
 * The previous evaluation as evaluation reads it. Its policy states stay JSON text: a
 * re-evaluation compares the new text with it, and parses it only for a policy that is
 * still noncompliant (when that streak began).
 */
export interface PreviousEvaluation {
  state: string;
  isCompliant: boolean;
  graceExpiresAt: string | null;
  version: number;
  policiesJson: string;
}

/** What evaluating one device reads: the device, its facts as stored (JSON), its previous evaluation. */
export interface EvaluationInput {
  device: ComplianceSubject;
  factsJson?: string;
  previous?: PreviousEvaluation;
}

export interface EvaluationWrite {
  device: ComplianceSubject;
  state: string;
  isCompliant: boolean;
  graceExpiresAt: string | null;
  version: number;
  evaluatedAt: string;
  /** The policy states, without the device id and evaluation time the row already holds (`policyStatesJson`). */
  policiesJson: string;
  /** An outbox message to write with the state, when the reported result changed. */
  outbox?: { topic: string; payload: unknown };
}

const BATCH = 1000;

export class ComplianceStore {
  constructor(
    readonly db: Kysely<ComplianceDatabase>,
    readonly dialect: Dialect,
  ) {}

  transaction<T>(fn: (store: ComplianceStore) => Promise<T>): Promise<T> {
    if ((this.db as unknown as { isTransaction?: boolean }).isTransaction) return fn(this);
    return this.db.transaction().execute((trx: Transaction<ComplianceDatabase>) => fn(new ComplianceStore(trx, this.dialect)));
  }

  // --- policies -------------------------------------------------------------------------

  async insertPolicy(p: CompliancePolicy): Promise<void> {
    await this.db
      .insertInto('compliance_policies')
      .values({
        id: p.id,
        tenant_id: p.tenantId,
        display_name: p.displayName,
        description: p.description,
        settings: JSON.stringify(p.settings),
        scheduled_actions: JSON.stringify(p.scheduledActions),
        version: p.version,
        created_at: p.createdAt,
        modified_at: p.modifiedAt,
      })
      .execute();
  }

  async updatePolicy(p: CompliancePolicy): Promise<void> {
    await this.db
      .updateTable('compliance_policies')
      .set({
        display_name: p.displayName,
        description: p.description,
        settings: JSON.stringify(p.settings),
        scheduled_actions: JSON.stringify(p.scheduledActions),
        version: p.version,
        modified_at: p.modifiedAt,
      })
      .where('id', '=', p.id)
      .where('tenant_id', '=', p.tenantId)
      .execute();
  }

  async deletePolicy(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('compliance_policies').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getPolicy(tenantId: string, id: string): Promise<CompliancePolicy | undefined> {
    const row = await this.db.selectFrom('compliance_policies').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async listPolicies(tenantId: string): Promise<CompliancePolicy[]> {
    const rows = await this.db.selectFrom('compliance_policies').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPolicy);
  }

  // --- assignments ----------------------------------------------------------------------

  async replaceAssignments(tenantId: string, policyId: string, assignments: StoredAssignment[]): Promise<void> {
    await this.db.deleteFrom('compliance_assignments').where('policy_id', '=', policyId).execute();
    if (assignments.length === 0) return;
    await this.db
      .insertInto('compliance_assignments')
      .values(assignments.map((a) => ({ id: a.id, policy_id: policyId, tenant_id: tenantId, target: JSON.stringify(a.target) })))
      .execute();
  }

  async addAssignment(tenantId: string, a: StoredAssignment): Promise<void> {
    await this.db.insertInto('compliance_assignments').values({ id: a.id, policy_id: a.policyId, tenant_id: tenantId, target: JSON.stringify(a.target) }).execute();
  }

  async deleteAssignment(policyId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('compliance_assignments').where('policy_id', '=', policyId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAssignments(tenantId: string, policyId?: string): Promise<StoredAssignment[]> {
    let query = this.db.selectFrom('compliance_assignments').selectAll().where('tenant_id', '=', tenantId);
    if (policyId) query = query.where('policy_id', '=', policyId);
    const rows = await query.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, policyId: r.policy_id, target: parseJsonOr(r.target, {}) }));
  }

  async tenantHasAssignments(tenantId: string): Promise<boolean> {
    const row = await this.db.selectFrom('compliance_assignments').select('id').where('tenant_id', '=', tenantId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Queues a Get of each LocURI at the end of the device's queue, except those a Get is still
   * queued or in flight for (a session that ended early leaves them there). Returns how many it queued.
   */
  queueGets(enrollmentId: string, locUris: readonly string[], at: string): Promise<number> {
    return this.transaction(async (tx) => {
      const db = tx.db;
      const pending = await db
        .selectFrom('command_queue as q')
        .innerJoin('commands as c', 'c.id', 'q.command_id')
        .select('c.loc_uri')
        .where('q.enrollment_id', '=', enrollmentId)
        .where('q.status', 'in', ['queued', 'sent'])
        .where('c.verb', '=', 'Get')
        .where('c.loc_uri', 'in', [...locUris])
        .execute();
      const skip = new Set(pending.map((p) => p.loc_uri));
      const wanted = locUris.filter((u) => !skip.has(u));
      if (wanted.length === 0) return 0;
      const tail = await db
        .selectFrom('command_queue')
        .select((eb) => eb.fn.max('position').as('last'))
        .where('enrollment_id', '=', enrollmentId)
        .executeTakeFirst();
      const last = Number(tail?.last ?? 0);
      const commands = wanted.map((locUri) => ({ id: randomUUID(), verb: 'Get', loc_uri: locUri, payload: '{}', created_at: at }));
      await db.insertInto('commands').values(commands).execute();
      await db
        .insertInto('command_queue')
        .values(
          commands.map((c, i) => ({
            enrollment_id: enrollmentId,
            command_id: c.id,
            position: last + 1 + i,
            status: 'queued' as const,
            session_id: null,
            msg_id: null,
            cmd_id: null,
            status_code: null,
            result: null,
            updated_at: at,
          })),
        )
        .execute();
      return wanted.length;
    });
  }

  // --- devices and facts ------------------------------------------------------------------

  async getDevice(enrollmentId: string): Promise<ComplianceSubject | undefined> {
    const row = await this.db
      .selectFrom('enrollments')
      .select(['id', 'tenant_id', 'azure_ad_device_id', 'user_id', 'management_state'])
      .where('id', '=', enrollmentId)
      .executeTakeFirst();
    return row ? toSubject(row) : undefined;
  }

  /**
   * A page of the tenant's enrollments after `after`, in the order of the tenant index
   * (enrolled_at, id). The row-value comparison keeps each page one index range on SQLite and
   * PostgreSQL alike; the equivalent OR of two comparisons made SQLite walk the tenant's
   * index from its start on every page.
   */
  async tenantDevices(tenantId: string, after: DevicePageKey | null, limit: number): Promise<Array<ComplianceSubject & { key: DevicePageKey }>> {
    let query = this.db
      .selectFrom('enrollments as e')
      .select(['e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.management_state', 'e.enrolled_at'])
      .where('e.tenant_id', '=', tenantId);
    if (after !== null) query = query.where((eb) => eb(eb.refTuple('e.enrolled_at', 'e.id'), '>', eb.tuple(after.enrolledAt, after.id)));
    const rows = await query.orderBy('e.enrolled_at').orderBy('e.id').limit(limit).execute();
    return rows.map((r) => ({ ...toSubject(r), key: { enrolledAt: r.enrolled_at, id: r.id } }));
  }

  private inputsQuery() {
    return this.db
      .selectFrom('enrollments as e')
      .leftJoin('device_facts as f', 'f.enrollment_id', 'e.id')
      .leftJoin('device_compliance as c', 'c.enrollment_id', 'e.id')
      .select(['e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.management_state', 'e.enrolled_at'])
      .select(['f.facts', 'c.state', 'c.is_compliant', 'c.grace_expires_at', 'c.version', 'c.policies']);
  }

  /**
   * A page of the tenant's devices with their facts and previous evaluation, in one range read
   * of the tenant index; inside a transaction on PostgreSQL the enrollments stay locked until commit.
   */
  async devicePage(tenantId: string, after: DevicePageKey | null, limit: number, lock: boolean): Promise<Array<EvaluationInput & { key: DevicePageKey }>> {
    let query = this.inputsQuery().where('e.tenant_id', '=', tenantId);
    if (after !== null) query = query.where((eb) => eb(eb.refTuple('e.enrolled_at', 'e.id'), '>', eb.tuple(after.enrolledAt, after.id)));
    query = query.orderBy('e.enrolled_at').orderBy('e.id').limit(limit);
    const rows = await (lock && this.dialect === 'postgres' ? query.forUpdate('e') : query).execute();
    return rows.map((r) => ({ ...toInput(r), key: { enrolledAt: r.enrolled_at, id: r.id } }));
  }

  /**
   * Keeps the latest value of each fact; an older report (a late message) does not overwrite a
   * newer one. Values and their arrival times are two columns, so evaluation reads values only.
   */
  putFacts(enrollmentId: string, facts: Record<string, string>, at: string): Promise<void> {
    if (Object.keys(facts).length === 0) return Promise.resolve();
    return this.transaction(async (tx) => {
      await tx.lockDevices([enrollmentId]);
      const row = await tx.db.selectFrom('device_facts').select(['facts', 'reported_at']).where('enrollment_id', '=', enrollmentId).executeTakeFirst();
      const values: Record<string, string | undefined> = row ? { ...parseFacts(row.facts) } : {};
      const times = row ? parseJsonOr<Record<string, string>>(row.reported_at, {}) : {};
      for (const [name, value] of Object.entries(facts)) {
        const known = times[name];
        if (values[name] === undefined || known === undefined || known <= at) {
          values[name] = value;
          times[name] = at;
        }
      }
      const stored = { facts: factsText(values), reported_at: JSON.stringify(times), updated_at: at };
      await tx.db
        .insertInto('device_facts')
        .values({ enrollment_id: enrollmentId, ...stored })
        .onConflict((oc) => oc.column('enrollment_id').doUpdateSet(stored))
        .execute();
    });
  }

  async factsOf(enrollmentIds: readonly string[]): Promise<Map<string, DeviceFacts>> {
    const out = new Map<string, DeviceFacts>();
    for (const ids of chunks(enrollmentIds, BATCH)) {
      const rows = await this.db.selectFrom('device_facts').select(['enrollment_id', 'facts']).where('enrollment_id', 'in', ids).execute();
      for (const r of rows) out.set(r.enrollment_id, parseFacts(r.facts));
    }
    return out;
  }

  /** Devices with their facts and previous evaluation, by id. */
  async evaluationInputs(enrollmentIds: readonly string[]): Promise<EvaluationInput[]> {
    const out: EvaluationInput[] = [];
    for (const ids of chunks(enrollmentIds, BATCH)) {
      const rows = await this.inputsQuery().where('e.id', 'in', ids).execute();
      out.push(...rows.map(toInput));
    }
    return out;
  }

  // --- evaluation results ------------------------------------------------------------------

  async complianceOf(enrollmentIds: readonly string[]): Promise<Map<string, StoredDeviceCompliance>> {
    const out = new Map<string, StoredDeviceCompliance>();
    for (const ids of chunks(enrollmentIds, BATCH)) {
      const rows = await this.db.selectFrom('device_compliance').selectAll().where('enrollment_id', 'in', ids).execute();
      for (const r of rows) out.set(r.enrollment_id, toCompliance(r));
    }
    return out;
  }

  async policyStatesOf(enrollmentIds: readonly string[]): Promise<StoredPolicyState[]> {
    return [...(await this.complianceOf(enrollmentIds)).values()].flatMap((c) => c.policies);
  }

  /** One policy's state on each device it was evaluated on, with the device (a scan of the tenant's evaluations). */
  async policyStatesOfPolicy(tenantId: string, policyId: string): Promise<Array<StoredPolicyState & { device: EvaluatedDevice }>> {
    const rows = await this.db
      .selectFrom('device_compliance as c')
      .innerJoin('enrollments as e', 'e.id', 'c.enrollment_id')
      .select(['c.policies', 'c.evaluated_at', 'e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.device_name', 'e.upn', 'e.management_state', 'e.inventory'])
      .where('c.tenant_id', '=', tenantId)
      .orderBy('c.enrollment_id')
      .execute();
    return rows.flatMap((r) => {
      const state = policyStates(r.policies, r.id, r.evaluated_at).find((p) => p.policyId === policyId);
      return state ? [{ ...state, device: toDevice(r) }] : [];
    });
  }

  /** Devices whose grace period has ended by `at` but whose evaluation still says inGracePeriod. */
  async graceEnded(at: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('device_compliance')
      .select('enrollment_id')
      .where('grace_expires_at', 'is not', null)
      .where('grace_expires_at', '<=', at)
      .orderBy('grace_expires_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.enrollment_id);
  }

  /**
   * Holds these enrollments' rows until commit (PostgreSQL), so that two evaluations of one
   * device serialise and its report versions stay in order. SQLite has one writer already.
   */
  async lockDevices(enrollmentIds: readonly string[]): Promise<void> {
    if (this.dialect !== 'postgres' || enrollmentIds.length === 0) return;
    for (const ids of chunks(enrollmentIds, BATCH)) {
      await this.db.selectFrom('enrollments').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
    }
  }

  /** Writes the devices' evaluations (policy states included) and their outbox messages, a few statements per thousand. */
  async saveEvaluations(writes: readonly EvaluationWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await insertRows(
      this.db,
      this.dialect,
      'device_compliance',
      COMPLIANCE_COLUMNS,
      writes.map((w) => [w.device.id, w.device.tenantId, w.state, w.isCompliant ? 1 : 0, w.graceExpiresAt, w.version, w.evaluatedAt, w.policiesJson]),
      { conflict: 'enrollment_id', update: COMPLIANCE_COLUMNS.slice(2) },
    );
    // Time-ordered ids: a page's messages land on the rightmost pages of the outbox's key
    // instead of on a random page each. One clock reading per page.
    const now = Date.now();
    const at = new Date(now).toISOString();
    const messages: unknown[][] = [];
    for (const w of writes) {
      if (!w.outbox) continue;
      const row = outboxRow(w.outbox.topic, w.outbox.payload, null, at);
      row.id = timeOrderedId(now);
      messages.push(OUTBOX_COLUMNS.map((c) => row[c]));
    }
    if (messages.length > 0) await insertRows(this.db, this.dialect, 'outbox', OUTBOX_COLUMNS, messages);
  }
}

const COMPLIANCE_COLUMNS = ['enrollment_id', 'tenant_id', 'state', 'is_compliant', 'grace_expires_at', 'version', 'evaluated_at', 'policies'] as const;
const OUTBOX_COLUMNS = ['id', 'topic', 'payload', 'trace_parent', 'created_at', 'attempts', 'next_attempt_at', 'claimed_until', 'delivered_at', 'last_error'] as const;

export interface PolicyStateWrite {
  policyId: string;
  state: SettingState;
  settingsJson: string;
  noncompliantSince: string | null;
  policyVersion: number;
}

/** Policy states as the evaluation writes them (`policies` column): the row holds the device id and the evaluation time. */
export function policyStatesJson(states: readonly PolicyStateWrite[]): string {
  let out = '[';
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    if (i > 0) out += ',';
    out += `{"policyId":${JSON.stringify(s.policyId)},"state":"${s.state}","settings":${s.settingsJson},"noncompliantSince":${s.noncompliantSince === null ? 'null' : JSON.stringify(s.noncompliantSince)},"policyVersion":${s.policyVersion}}`;
  }
  return out + ']';
}

/** Reads a `policies` column, rows written before the device id and time moved out of it included. */
function policyStates(text: string, enrollmentId: string, evaluatedAt: string): StoredPolicyState[] {
  return parseJsonOr<StoredPolicyState[]>(text, []).map((p) => ({ ...p, enrollmentId, evaluatedAt }));
}

type InputRow = Parameters<typeof toSubject>[0] & {
  facts: string | null;
  state: string | null;
  is_compliant: number | null;
  grace_expires_at: string | null;
  version: number | string | null;
  policies: string | null;
};

function toInput(r: InputRow): EvaluationInput {
  const input: EvaluationInput = { device: toSubject(r) };
  if (r.facts !== null) input.factsJson = r.facts;
  if (r.state !== null) {
    input.previous = {
      state: r.state,
      isCompliant: Number(r.is_compliant) === 1,
      graceExpiresAt: r.grace_expires_at,
      version: Number(r.version ?? 0),
      policiesJson: r.policies ?? '[]',
    };
  }
  return input;
}

function toCompliance(r: Omit<ComplianceDatabase['device_compliance'], 'tenant_id'> & { enrollment_id: string }): StoredDeviceCompliance {
  return {
    enrollmentId: r.enrollment_id,
    state: r.state,
    isCompliant: Number(r.is_compliant) === 1,
    graceExpiresAt: r.grace_expires_at,
    version: Number(r.version),
    evaluatedAt: r.evaluated_at,
    policies: policyStates(r.policies, r.enrollment_id, r.evaluated_at),
  };
}

function toPolicy(row: ComplianceDatabase['compliance_policies']): CompliancePolicy {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    description: row.description,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    version: Number(row.version),
    settings: parseJsonOr(row.settings, {}),
    scheduledActions: parseJsonOr(row.scheduled_actions, []),
  };
}

function toSubject(r: { id: string; tenant_id: string; azure_ad_device_id: string; user_id: string | null; management_state: ManagementState }): ComplianceSubject {
  return { id: r.id, tenantId: r.tenant_id, azureAdDeviceId: r.azure_ad_device_id, userId: r.user_id, managementState: r.management_state };
}

function toDevice(r: Parameters<typeof toSubject>[0] & { device_name: string | null; upn: string | null; inventory: string }): EvaluatedDevice {
  const inventory = parseJsonOr<Record<string, string>>(r.inventory, {});
  return {
    ...toSubject(r),
    deviceName: inventory['DevDetail/Ext/Microsoft/DeviceName'] ?? r.device_name,
    upn: r.upn,
    model: inventory['DevInfo/Mod'] ?? null,
  };
}
