/**
 * Configuration's storage, on management's own database through the same Kysely code on
 * SQLite and PostgreSQL. Delivery writes in batches: the devices of a page that are sent the
 * same settings share one Atomic command row (one queue row each), and states are upserted
 * five hundred to a statement, so a fan-out to a tenant costs a few statements per page. Each
 * state keeps a fingerprint of its settings, so a fan-out can tell devices apart without
 * reading their per-setting JSON.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Dialect } from '@baton/kit';
import type { Kysely, Transaction } from 'kysely';
import type { ManagementState } from '../store/schema.js';
import type { AtomicCommand, ChildStatus } from '../store/store.js';
import type { ConfigurationPolicy } from './policy.js';
import { policyStatus, type AtomicOutcome, type PlannedPolicy, type PolicyState, type SettingState } from './plan.js';
import type { ConfigurationDatabase } from './schema.js';
import type { DesiredSetting } from './setting.js';
import { chunks, parseJsonOr } from '@baton/kit';

export interface StoredAssignment {
  id: string;
  policyId: string;
  target: Record<string, unknown>;
}

/** What delivery and Graph need to know of an enrollment. */
export interface ConfiguredDevice {
  id: string;
  tenantId: string;
  azureAdDeviceId: string;
  userId: string | null;
  deviceName: string | null;
  upn: string | null;
  model: string | null;
  managementState: ManagementState;
  enrolledAt: string;
}

export interface DeviceWrite {
  device: Pick<ConfiguredDevice, 'id' | 'tenantId'>;
  policies: PlannedPolicy[];
  removed: string[];
}

/** A stored state without its settings: what a fan-out compares devices by. */
export interface StateSummary extends Omit<PolicyState, 'settings'> {
  fingerprint: string;
}

export function fingerprintOf(settingsJson: string): string {
  return createHash('sha256').update(settingsJson).digest('base64url');
}

/** A drift read outstanding: the Get queued for one applied setting. */
export interface DriftRead {
  commandId: string;
  policyId: string;
  omaUri: string;
}

const BATCH = 1000;

type StateRow = ConfigurationDatabase['configuration_states'];

function atomicOf(settings: readonly DesiredSetting[]): AtomicCommand {
  return { verb: 'Atomic', children: settings.map((s) => ({ verb: 'Replace', locUri: s.omaUri, payload: { data: s.value, format: s.format } })) };
}

export class ConfigurationStore {
  constructor(
    readonly db: Kysely<ConfigurationDatabase>,
    readonly dialect: Dialect,
  ) {}

  transaction<T>(fn: (store: ConfigurationStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx: Transaction<ConfigurationDatabase>) => fn(new ConfigurationStore(trx, this.dialect)));
  }

  // --- policies -------------------------------------------------------------------------

  async insertPolicy(p: ConfigurationPolicy): Promise<void> {
    await this.db
      .insertInto('configuration_policies')
      .values({
        id: p.id,
        tenant_id: p.tenantId,
        odata_type: p.odataType,
        display_name: p.displayName,
        description: p.description,
        properties: JSON.stringify(p.properties),
        version: p.version,
        created_at: p.createdAt,
        modified_at: p.modifiedAt,
      })
      .execute();
  }

  async updatePolicy(p: ConfigurationPolicy): Promise<void> {
    await this.db
      .updateTable('configuration_policies')
      .set({ display_name: p.displayName, description: p.description, properties: JSON.stringify(p.properties), version: p.version, modified_at: p.modifiedAt })
      .where('id', '=', p.id)
      .where('tenant_id', '=', p.tenantId)
      .execute();
  }

  async deletePolicy(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('configuration_policies').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getPolicy(tenantId: string, id: string): Promise<ConfigurationPolicy | undefined> {
    const row = await this.db.selectFrom('configuration_policies').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async listPolicies(tenantId: string): Promise<ConfigurationPolicy[]> {
    const rows = await this.db.selectFrom('configuration_policies').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPolicy);
  }

  // --- assignments ----------------------------------------------------------------------

  async replaceAssignments(tenantId: string, policyId: string, assignments: StoredAssignment[]): Promise<void> {
    await this.db.deleteFrom('configuration_assignments').where('policy_id', '=', policyId).execute();
    if (assignments.length === 0) return;
    await this.db
      .insertInto('configuration_assignments')
      .values(assignments.map((a) => ({ id: a.id, policy_id: policyId, tenant_id: tenantId, target: JSON.stringify(a.target) })))
      .execute();
  }

  async addAssignment(tenantId: string, a: StoredAssignment): Promise<void> {
    await this.db.insertInto('configuration_assignments').values({ id: a.id, policy_id: a.policyId, tenant_id: tenantId, target: JSON.stringify(a.target) }).execute();
  }

  async deleteAssignment(policyId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('configuration_assignments').where('policy_id', '=', policyId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAssignments(tenantId: string, policyId?: string): Promise<StoredAssignment[]> {
    let query = this.db.selectFrom('configuration_assignments').selectAll().where('tenant_id', '=', tenantId);
    if (policyId) query = query.where('policy_id', '=', policyId);
    const rows = await query.orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, policyId: r.policy_id, target: parseJsonOr(r.target, {}) }));
  }

  async tenantHasAssignments(tenantId: string): Promise<boolean> {
    const row = await this.db.selectFrom('configuration_assignments').select('id').where('tenant_id', '=', tenantId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  // --- devices --------------------------------------------------------------------------

  private devicesQuery() {
    return this.db
      .selectFrom('enrollments')
      .select(['id', 'tenant_id', 'azure_ad_device_id', 'user_id', 'device_name', 'upn', 'management_state', 'inventory', 'enrolled_at']);
  }

  async getDevice(enrollmentId: string): Promise<ConfiguredDevice | undefined> {
    const row = await this.devicesQuery().where('id', '=', enrollmentId).executeTakeFirst();
    return row ? toDevice(row) : undefined;
  }

  /** A page of the tenant's enrollments after `after` (enrolled_at, id), in index order. */
  async tenantDevices(tenantId: string, after: { enrolledAt: string; id: string } | null, limit: number): Promise<ConfiguredDevice[]> {
    let query = this.devicesQuery().where('tenant_id', '=', tenantId);
    if (after !== null) {
      query = query.where((eb) => eb.or([eb('enrolled_at', '>', after.enrolledAt), eb.and([eb('enrolled_at', '=', after.enrolledAt), eb('id', '>', after.id)])]));
    }
    const rows = await query.orderBy('enrolled_at').orderBy('id').limit(limit).execute();
    return rows.map(toDevice);
  }

  /**
   * Holds these enrollments until commit (PostgreSQL), so that a session's planning and a
   * fan-out of the same device serialise. SQLite has one writer already.
   */
  async lockDevices(enrollmentIds: readonly string[]): Promise<void> {
    if (this.dialect !== 'postgres' || enrollmentIds.length === 0) return;
    for (const ids of chunks(enrollmentIds, BATCH)) await this.db.selectFrom('enrollments').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
  }

  // --- states ---------------------------------------------------------------------------

  async statesOf(enrollmentIds: readonly string[]): Promise<Map<string, PolicyState[]>> {
    const out = new Map<string, PolicyState[]>();
    for (const ids of chunks(enrollmentIds, BATCH)) {
      const rows = await this.db.selectFrom('configuration_states').selectAll().where('enrollment_id', 'in', ids).orderBy('policy_id').execute();
      for (const r of rows) out.set(r.enrollment_id, [...(out.get(r.enrollment_id) ?? []), toState(r)]);
    }
    return out;
  }

  /**
   * The states without their settings (which run to kilobytes per profile): a fan-out plans the
   * devices whose states have the same fingerprints once, reading one device's settings.
   */
  async stateSummaries(enrollmentIds: readonly string[]): Promise<Map<string, StateSummary[]>> {
    const out = new Map<string, StateSummary[]>();
    for (const ids of chunks(enrollmentIds, BATCH)) {
      const rows = await this.db
        .selectFrom('configuration_states')
        .select(['enrollment_id', 'policy_id', 'policy_version', 'fingerprint', 'command_id', 'updated_at'])
        .where('enrollment_id', 'in', ids)
        .orderBy('policy_id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.enrollment_id) ?? [];
        list.push({ policyId: r.policy_id, policyVersion: Number(r.policy_version), fingerprint: r.fingerprint, commandId: r.command_id, updatedAt: r.updated_at });
        out.set(r.enrollment_id, list);
      }
    }
    return out;
  }

  /** One policy's state on every device it was planned for, with the device. */
  async statesOfPolicy(tenantId: string, policyId: string): Promise<Array<PolicyState & { device: ConfiguredDevice }>> {
    const rows = await this.db
      .selectFrom('configuration_states as s')
      .innerJoin('enrollments as e', 'e.id', 's.enrollment_id')
      .selectAll('s')
      .select(['e.id', 'e.tenant_id', 'e.azure_ad_device_id', 'e.user_id', 'e.device_name', 'e.upn', 'e.management_state', 'e.inventory', 'e.enrolled_at'])
      .where('s.tenant_id', '=', tenantId)
      .where('s.policy_id', '=', policyId)
      .orderBy('s.enrollment_id')
      .execute();
    return rows.map((r) => ({ ...toState(r), device: toDevice(r) }));
  }

  /**
   * Writes the plans of a page of devices: one Atomic command row per distinct set of
   * settings sent, one queue row per device it goes to (at the end of its queue), the changed
   * states, and the removal of states of policies no longer assigned. Returns the queue rows written.
   */
  async saveDevicePlans(writes: readonly DeviceWrite[], at: string): Promise<number> {
    const commands = new Map<string, { id: string; command: AtomicCommand; devices: Set<string> }>();
    const withdrawn: Array<{ enrollmentId: string; commandId: string }> = [];
    // States that point at a new Atomic (or at none, once withdrawn), and states whose
    // outstanding Atomic, if any, stays as it is.
    const repointed: StateRow[] = [];
    const kept: StateRow[] = [];
    const removals: Array<{ enrollmentId: string; policyId: string }> = [];
    // Devices planned alike share their plan objects: each is serialised once.
    const serialised = new WeakMap<PlannedPolicy, { command: AtomicCommand; signature: string; settings: string; fingerprint: string; state: string }>();
    const serialise = (p: PlannedPolicy) => {
      let known = serialised.get(p);
      if (!known) {
        const command = atomicOf(p.send);
        const settings = JSON.stringify(p.settings);
        known = { command, signature: JSON.stringify(command.children), settings, fingerprint: fingerprintOf(settings), state: policyStatus(p.settings) };
        serialised.set(p, known);
      }
      return known;
    };
    for (const w of writes) {
      for (const p of w.policies) {
        let commandId: string | null = null;
        const { command, signature, settings, fingerprint, state } = serialise(p);
        if (p.send.length > 0) {
          // Two profiles sending one device the same settings share the Atomic.
          const shared = commands.get(signature) ?? { id: randomUUID(), command, devices: new Set<string>() };
          shared.devices.add(w.device.id);
          commands.set(signature, shared);
          commandId = shared.id;
        }
        if (p.withdraw) withdrawn.push({ enrollmentId: w.device.id, commandId: p.withdraw });
        if (!p.changed) continue;
        const row: StateRow = {
          enrollment_id: w.device.id,
          policy_id: p.policyId,
          tenant_id: w.device.tenantId,
          policy_version: p.policyVersion,
          state,
          settings,
          fingerprint,
          command_id: commandId,
          updated_at: at,
        };
        if (commandId !== null || p.withdraw) repointed.push(row);
        else kept.push(row);
      }
      for (const policyId of w.removed) removals.push({ enrollmentId: w.device.id, policyId });
    }
    for (const w of withdrawn) {
      await this.db.deleteFrom('command_queue').where('enrollment_id', '=', w.enrollmentId).where('command_id', '=', w.commandId).where('status', '=', 'queued').execute();
    }
    let queued = 0;
    if (commands.size > 0) {
      await this.db
        .insertInto('commands')
        .values([...commands.values()].map((c) => ({ id: c.id, verb: 'Atomic', loc_uri: '', payload: JSON.stringify({ children: c.command.children }), created_at: at })))
        .execute();
      const devices = [...new Set([...commands.values()].flatMap((c) => [...c.devices]))];
      const tails = new Map<string, number>();
      for (const ids of chunks(devices, BATCH)) {
        const rows = await this.db
          .selectFrom('command_queue')
          .select((eb) => ['enrollment_id', eb.fn.max('position').as('last')])
          .where('enrollment_id', 'in', ids)
          .groupBy('enrollment_id')
          .execute();
        for (const r of rows) tails.set(r.enrollment_id, Number(r.last));
      }
      const queueRows = [...commands.values()].flatMap((c) =>
        [...c.devices].map((enrollmentId) => {
          const position = (tails.get(enrollmentId) ?? 0) + 1;
          tails.set(enrollmentId, position);
          return { enrollment_id: enrollmentId, command_id: c.id, position, status: 'queued' as const, updated_at: at };
        }),
      );
      for (const batch of chunks(queueRows, 500)) await this.db.insertInto('command_queue').values(batch).execute();
      queued = queueRows.length;
    }
    await this.upsertStates(repointed, kept);
    for (const r of removals) await this.db.deleteFrom('configuration_states').where('enrollment_id', '=', r.enrollmentId).where('policy_id', '=', r.policyId).execute();
    return queued;
  }

  private async upsertStates(repointed: readonly StateRow[], kept: readonly StateRow[]): Promise<void> {
    for (const [rows, setCommand] of [
      [repointed, true],
      [kept, false],
    ] as const) {
      for (const batch of chunks(rows, 500)) {
        await this.db
          .insertInto('configuration_states')
          .values(batch)
          .onConflict((oc) =>
            oc.columns(['enrollment_id', 'policy_id']).doUpdateSet((eb) => ({
              policy_version: eb.ref('excluded.policy_version'),
              state: eb.ref('excluded.state'),
              settings: eb.ref('excluded.settings'),
              fingerprint: eb.ref('excluded.fingerprint'),
              ...(setCommand ? { command_id: eb.ref('excluded.command_id') } : {}),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    }
  }

  /** The device's states waiting on an Atomic that has been answered (or given up), with the answer. */
  async answeredAtomics(enrollmentId: string): Promise<Array<{ state: PolicyState; outcome: AtomicOutcome }>> {
    const rows = await this.db
      .selectFrom('configuration_states as s')
      .innerJoin('command_queue as q', (join) => join.onRef('q.enrollment_id', '=', 's.enrollment_id').onRef('q.command_id', '=', 's.command_id'))
      .innerJoin('commands as c', 'c.id', 'q.command_id')
      .selectAll('s')
      .select(['q.status as queue_status', 'q.status_code', 'q.child_statuses', 'c.payload'])
      .where('s.enrollment_id', '=', enrollmentId)
      .where('q.status', 'in', ['acknowledged', 'failed'])
      .execute();
    return rows.map((r) => {
      const children = parseJsonOr<{ children?: Array<{ locUri: string }> }>(r.payload, {}).children ?? [];
      const statuses = parseJsonOr<ChildStatus[]>(r.child_statuses, []);
      return {
        state: toState(r),
        outcome: {
          statusCode: r.status_code,
          acknowledged: r.queue_status === 'acknowledged',
          children: children.map((c, i) => ({ locUri: c.locUri, statusCode: statuses[i]?.statusCode ?? null })),
        },
      };
    });
  }

  /** Rewrites the settings of the device's states (after an answer or a drift read). */
  async saveStates(enrollmentId: string, states: ReadonlyArray<{ policyId: string; settings: SettingState[]; commandId: string | null }>, at: string): Promise<void> {
    for (const s of states) {
      const settings = JSON.stringify(s.settings);
      await this.db
        .updateTable('configuration_states')
        .set({ settings, fingerprint: fingerprintOf(settings), state: policyStatus(s.settings), command_id: s.commandId, updated_at: at })
        .where('enrollment_id', '=', enrollmentId)
        .where('policy_id', '=', s.policyId)
        .execute();
    }
  }

  // --- drift ----------------------------------------------------------------------------

  async getCheck(enrollmentId: string): Promise<{ checkedAt: string; reads: DriftRead[] } | undefined> {
    const row = await this.db.selectFrom('configuration_checks').selectAll().where('enrollment_id', '=', enrollmentId).executeTakeFirst();
    return row ? { checkedAt: row.checked_at, reads: parseJsonOr<DriftRead[]>(row.reads, []) } : undefined;
  }

  async putCheck(enrollmentId: string, at: string, reads: readonly DriftRead[]): Promise<void> {
    const value = reads.length > 0 ? JSON.stringify(reads) : null;
    await this.db
      .insertInto('configuration_checks')
      .values({ enrollment_id: enrollmentId, checked_at: at, reads: value })
      .onConflict((oc) => oc.column('enrollment_id').doUpdateSet({ checked_at: at, reads: value }))
      .execute();
  }

  async clearReads(enrollmentId: string): Promise<void> {
    await this.db.updateTable('configuration_checks').set({ reads: null }).where('enrollment_id', '=', enrollmentId).execute();
  }

  /** Queues one Get per LocURI at the end of the device's queue; returns the command id of each. */
  async queueReads(enrollmentId: string, locUris: readonly string[], at: string): Promise<string[]> {
    if (locUris.length === 0) return [];
    const tail = await this.db.selectFrom('command_queue').select((eb) => eb.fn.max('position').as('last')).where('enrollment_id', '=', enrollmentId).executeTakeFirst();
    const last = Number(tail?.last ?? 0);
    const commands = locUris.map((locUri) => ({ id: randomUUID(), verb: 'Get', loc_uri: locUri, payload: '{}', created_at: at }));
    for (const batch of chunks(commands, 500)) await this.db.insertInto('commands').values(batch).execute();
    const rows = commands.map((c, i) => ({ enrollment_id: enrollmentId, command_id: c.id, position: last + 1 + i, status: 'queued' as const, updated_at: at }));
    for (const batch of chunks(rows, 500)) await this.db.insertInto('command_queue').values(batch).execute();
    return commands.map((c) => c.id);
  }

  /** The answers to drift reads: undefined while a read is still outstanding, else the value read (null: not found). */
  async readResults(enrollmentId: string, commandIds: readonly string[]): Promise<Map<string, string | null | undefined>> {
    const out = new Map<string, string | null | undefined>();
    for (const ids of chunks(commandIds, BATCH)) {
      const rows = await this.db
        .selectFrom('command_queue')
        .select(['command_id', 'status', 'result'])
        .where('enrollment_id', '=', enrollmentId)
        .where('command_id', 'in', ids)
        .execute();
      for (const r of rows) {
        if (r.status === 'queued' || r.status === 'sent') {
          out.set(r.command_id, undefined);
          continue;
        }
        const items = parseJsonOr<Array<{ data?: string }> | null>(r.result, null);
        out.set(r.command_id, r.status === 'acknowledged' && items?.[0]?.data !== undefined ? items[0].data : null);
      }
    }
    return out;
  }
}

function toPolicy(row: ConfigurationDatabase['configuration_policies']): ConfigurationPolicy {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    odataType: row.odata_type,
    displayName: row.display_name,
    description: row.description,
    properties: parseJsonOr(row.properties, {}),
    version: Number(row.version),
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}

function toState(r: ConfigurationDatabase['configuration_states']): PolicyState {
  return { policyId: r.policy_id, policyVersion: Number(r.policy_version), settings: parseJsonOr(r.settings, []), commandId: r.command_id, updatedAt: r.updated_at };
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
  enrolled_at: string;
}): ConfiguredDevice {
  const inventory = parseJsonOr<Record<string, string>>(r.inventory, {});
  return {
    id: r.id,
    tenantId: r.tenant_id,
    azureAdDeviceId: r.azure_ad_device_id,
    userId: r.user_id,
    deviceName: inventory['DevDetail/Ext/Microsoft/DeviceName'] ?? r.device_name,
    upn: r.upn,
    model: inventory['DevInfo/Mod'] ?? null,
    managementState: r.management_state,
    enrolledAt: r.enrolled_at,
  };
}
