/**
 * Compliance's storage, on management's own database (SQLite or PostgreSQL through the
 * same Kysely code). Evaluation works in pages of devices: one read of their facts and
 * earlier states, one batched write of the new states and of the outbox messages, so that
 * re-evaluating a whole tenant after a policy edit costs a few statements per page.
 */
import { randomUUID } from 'node:crypto';
import { outboxRow, type Dialect } from '@baton/kit';
import type { Kysely, Transaction } from 'kysely';
import type { ManagementState } from '../store/schema.js';
import type { FactValue } from './facts.js';
import type { CompliancePolicy } from './policy.js';
import type { ComplianceDatabase } from './schema.js';
import type { SettingResult, SettingState } from './evaluate.js';

export interface StoredAssignment {
  id: string;
  policyId: string;
  target: Record<string, unknown>;
}

/** What evaluation needs to know of an enrollment. */
export interface EvaluatedDevice {
  id: string;
  tenantId: string;
  azureAdDeviceId: string;
  userId: string | null;
  deviceName: string | null;
  upn: string | null;
  model: string | null;
  managementState: ManagementState;
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

/** What evaluating one device reads: the device, its latest facts, its previous evaluation. */
export interface EvaluationInput {
  device: EvaluatedDevice;
  facts?: Record<string, FactValue>;
  previous?: StoredDeviceCompliance;
}

export interface EvaluationWrite {
  device: EvaluatedDevice;
  policyStates: StoredPolicyState[];
  compliance: StoredDeviceCompliance;
  /** An outbox message to write with the state, when the reported result changed. */
  outbox?: { topic: string; payload: unknown };
}

const BATCH = 1000;

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
    return rows.map((r) => ({ id: r.id, policyId: r.policy_id, target: json(r.target, {}) }));
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

  private devicesQuery() {
    return this.db
      .selectFrom('enrollments')
      .select(['id', 'tenant_id', 'azure_ad_device_id', 'user_id', 'device_name', 'upn', 'management_state', 'inventory']);
  }

  async getDevice(enrollmentId: string): Promise<EvaluatedDevice | undefined> {
    const row = await this.devicesQuery().where('id', '=', enrollmentId).executeTakeFirst();
    return row ? toDevice(row) : undefined;
  }

  /**
   * A page of the tenant's enrollments after `after`, in the order of the tenant index
   * (enrolled_at, id), so that each page is an index range rather than a sort of the tenant.
   */
  async tenantDevices(tenantId: string, after: DevicePageKey | null, limit: number): Promise<Array<EvaluatedDevice & { key: DevicePageKey }>> {
    let query = this.devicesQuery().select('enrolled_at').where('tenant_id', '=', tenantId);
    if (after !== null) {
      query = query.where((eb) => eb.or([eb('enrolled_at', '>', after.enrolledAt), eb.and([eb('enrolled_at', '=', after.enrolledAt), eb('id', '>', after.id)])]));
    }
    const rows = await query.orderBy('enrolled_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ ...toDevice(r), key: { enrolledAt: r.enrolled_at, id: r.id } }));
  }

  /**
   * A page of the tenant's devices with their facts and previous evaluation, in one range read
   * of the tenant index; inside a transaction on PostgreSQL the enrollments stay locked until commit.
   */
  async devicePage(tenantId: string, after: DevicePageKey | null, limit: number, lock: boolean): Promise<Array<EvaluationInput & { key: DevicePageKey }>> {
    let query = this.db
      .selectFrom('enrollments as e')
      .leftJoin('device_facts as f', 'f.enrollment_id', 'e.id')
      .leftJoin('device_compliance as c', 'c.enrollment_id', 'e.id')
      .select(['e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.device_name', 'e.upn', 'e.management_state', 'e.inventory', 'e.enrolled_at'])
      .select(['f.facts', 'c.state', 'c.is_compliant', 'c.grace_expires_at', 'c.version', 'c.evaluated_at', 'c.policies'])
      .where('e.tenant_id', '=', tenantId);
    if (after !== null) {
      query = query.where((eb) => eb.or([eb('e.enrolled_at', '>', after.enrolledAt), eb.and([eb('e.enrolled_at', '=', after.enrolledAt), eb('e.id', '>', after.id)])]));
    }
    query = query.orderBy('e.enrolled_at').orderBy('e.id').limit(limit);
    const rows = await (lock && this.dialect === 'postgres' ? query.forUpdate('e') : query).execute();
    return rows.map((r) => ({ ...toInput(r), key: { enrolledAt: r.enrolled_at, id: r.id } }));
  }

  /** Keeps the latest value of each fact; an older report (a late message) does not overwrite a newer one. */
  putFacts(enrollmentId: string, facts: Record<string, string>, at: string): Promise<void> {
    if (Object.keys(facts).length === 0) return Promise.resolve();
    return this.transaction(async (tx) => {
      await tx.lockDevices([enrollmentId]);
      const row = await tx.db.selectFrom('device_facts').select('facts').where('enrollment_id', '=', enrollmentId).executeTakeFirst();
      const merged = row ? json<Record<string, FactValue>>(row.facts, {}) : {};
      for (const [name, value] of Object.entries(facts)) {
        const known = merged[name];
        if (!known || known.reportedAt <= at) merged[name] = { value, reportedAt: at };
      }
      await tx.db
        .insertInto('device_facts')
        .values({ enrollment_id: enrollmentId, facts: JSON.stringify(merged), updated_at: at })
        .onConflict((oc) => oc.column('enrollment_id').doUpdateSet({ facts: JSON.stringify(merged), updated_at: at }))
        .execute();
    });
  }

  async factsOf(enrollmentIds: readonly string[]): Promise<Map<string, Record<string, FactValue>>> {
    const out = new Map<string, Record<string, FactValue>>();
    for (const ids of chunks(enrollmentIds, 1000)) {
      const rows = await this.db.selectFrom('device_facts').select(['enrollment_id', 'facts']).where('enrollment_id', 'in', ids).execute();
      for (const r of rows) out.set(r.enrollment_id, json(r.facts, {}));
    }
    return out;
  }

  /** Devices with their facts and previous evaluation, by id. */
  async evaluationInputs(enrollmentIds: readonly string[]): Promise<EvaluationInput[]> {
    const out: EvaluationInput[] = [];
    for (const ids of chunks(enrollmentIds, 1000)) {
      const rows = await this.db
        .selectFrom('enrollments as e')
        .leftJoin('device_facts as f', 'f.enrollment_id', 'e.id')
        .leftJoin('device_compliance as c', 'c.enrollment_id', 'e.id')
        .select(['e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.device_name', 'e.upn', 'e.management_state', 'e.inventory'])
        .select(['f.facts', 'c.state', 'c.is_compliant', 'c.grace_expires_at', 'c.version', 'c.evaluated_at', 'c.policies'])
        .where('e.id', 'in', ids)
        .execute();
      out.push(...rows.map(toInput));
    }
    return out;
  }

  // --- evaluation results ------------------------------------------------------------------

  async complianceOf(enrollmentIds: readonly string[]): Promise<Map<string, StoredDeviceCompliance>> {
    const out = new Map<string, StoredDeviceCompliance>();
    for (const ids of chunks(enrollmentIds, 1000)) {
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
      .select(['c.policies', 'e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.device_name', 'e.upn', 'e.management_state', 'e.inventory'])
      .where('c.tenant_id', '=', tenantId)
      .orderBy('c.enrollment_id')
      .execute();
    return rows.flatMap((r) => {
      const state = json<StoredPolicyState[]>(r.policies, []).find((p) => p.policyId === policyId);
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
    for (const ids of chunks(enrollmentIds, 1000)) {
      await this.db.selectFrom('enrollments').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
    }
  }

  /** Writes the devices' evaluations (policy states included) and their outbox messages. */
  async saveEvaluations(writes: readonly EvaluationWrite[]): Promise<void> {
    for (const batch of chunks(writes)) {
      await this.db
        .insertInto('device_compliance')
        .values(
          batch.map((w) => ({
            enrollment_id: w.device.id,
            tenant_id: w.device.tenantId,
            state: w.compliance.state,
            is_compliant: w.compliance.isCompliant ? 1 : 0,
            grace_expires_at: w.compliance.graceExpiresAt,
            version: w.compliance.version,
            evaluated_at: w.compliance.evaluatedAt,
            policies: JSON.stringify(w.policyStates),
          })),
        )
        .onConflict((oc) =>
          oc.column('enrollment_id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            is_compliant: eb.ref('excluded.is_compliant'),
            grace_expires_at: eb.ref('excluded.grace_expires_at'),
            version: eb.ref('excluded.version'),
            evaluated_at: eb.ref('excluded.evaluated_at'),
            policies: eb.ref('excluded.policies'),
          })),
        )
        .execute();
      const messages = batch.flatMap((w) => (w.outbox ? [outboxRow(w.outbox.topic, w.outbox.payload)] : []));
      if (messages.length > 0) await this.db.insertInto('outbox').values(messages).execute();
    }
  }
}

type InputRow = Parameters<typeof toDevice>[0] & {
  facts: string | null;
  state: string | null;
  is_compliant: number | null;
  grace_expires_at: string | null;
  version: number | string | null;
  evaluated_at: string | null;
  policies: string | null;
};

function toInput(r: InputRow): EvaluationInput {
  const input: EvaluationInput = { device: toDevice(r) };
  if (r.facts !== null) input.facts = json(r.facts, {});
  if (r.state !== null) {
    input.previous = toCompliance({
      enrollment_id: r.id,
      state: r.state,
      is_compliant: r.is_compliant ?? 0,
      grace_expires_at: r.grace_expires_at,
      version: r.version ?? 0,
      evaluated_at: r.evaluated_at ?? '',
      policies: r.policies ?? '[]',
    });
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
    policies: json(r.policies, []),
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
    settings: json(row.settings, {}),
    scheduledActions: json(row.scheduled_actions, []),
  };
}

function toDevice(r: {
  id: string;
  tenant_id: string;
  azure_ad_device_id: string;
  user_id: string | null;
  device_name: string | null;
  upn: string | null;
  management_state: ManagementState;
  inventory: string;
}): EvaluatedDevice {
  const inventory = json<Record<string, string>>(r.inventory, {});
  return {
    id: r.id,
    tenantId: r.tenant_id,
    azureAdDeviceId: r.azure_ad_device_id,
    userId: r.user_id,
    deviceName: inventory['DevDetail/Ext/Microsoft/DeviceName'] ?? r.device_name,
    upn: r.upn,
    model: inventory['DevInfo/Mod'] ?? null,
    managementState: r.management_state,
  };
}
