/**
 * Configuration delivery as management runs it. At the start of a device's OMA-DM session, and
 * for a whole tenant after a profile or its assignments change, the device's assigned profiles
 * are planned (`plan.ts`) and what is not yet applied is queued, one Atomic per profile. After
 * each device message that answered something, the answers are filed per setting. Applied
 * settings are read back at most once per `driftCheckMs`; a node found holding another value is
 * sent again at the next session.
 *
 * A device in a tenant without configuration assignments costs one indexed read per session
 * and writes nothing; so does a device whose plan did not change.
 */
import type { Logger } from 'pino';
import { UNENROLLED_STATES, type ManagementState } from '../store/store.js';
import type { GroupMembership, TargetedDevice } from '../targeting/membership.js';
import { needsGroups, targetsDevice, type AssignmentTarget } from '../targeting/targets.js';
import { applyOutcome, applyReads, planDevice, type AssignedPolicy, type DevicePlan, type PolicyState } from './plan.js';
import { desiredSettings } from './policy.js';
import { settingKey } from './setting.js';
import type { ConfigurationStore, DeviceWrite, DriftRead } from './store.js';

const PAGE = 1000;
const NO_GROUPS: ReadonlySet<string> = new Set();
export const DEFAULT_DRIFT_CHECK_MS = 8 * 3_600_000;

export interface ConfigurationOptions {
  store: ConfigurationStore;
  groups: GroupMembership;
  now?: () => Date;
  /** The least time between two read-backs of a device's applied settings (default 8 hours). */
  driftCheckMs?: number;
  logger?: Logger;
}

export interface ConfigurationDevice extends TargetedDevice {
  id: string;
  managementState: ManagementState;
}

interface TenantProfiles {
  policies: Array<AssignedPolicy & { targets: AssignmentTarget[] }>;
  groupTargeted: boolean;
}

function changes(plan: DevicePlan): boolean {
  return plan.removed.length > 0 || plan.policies.some((p) => p.changed);
}

export class Configuration {
  constructor(private readonly options: ConfigurationOptions) {}

  private get store(): ConfigurationStore {
    return this.options.store;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Plans the device and queues what it lacks, then a drift read when one is due. Returns the commands queued. */
  async sessionStarting(device: ConfigurationDevice): Promise<number> {
    if (UNENROLLED_STATES.includes(device.managementState)) return 0;
    if (!(await this.store.tenantHasAssignments(device.tenantId))) {
      // Nothing assigned in the tenant: only a device that had profiles has anything to forget.
      const previous = (await this.store.statesOf([device.id])).get(device.id) ?? [];
      if (previous.length === 0) return 0;
    }
    const tenant = await this.tenantProfiles(device.tenantId);
    const groups = tenant.groupTargeted ? await this.options.groups.groupsOf(device) : NO_GROUPS;
    const at = this.now().toISOString();
    return this.store.transaction(async (tx) => {
      await tx.lockDevices([device.id]);
      const previous = (await tx.statesOf([device.id])).get(device.id) ?? [];
      const write = this.planFor(device, tenant, groups, previous);
      const queued = write ? await tx.saveDevicePlans([write], at) : 0;
      return queued + (await this.readBackIfDue(tx, device.id, previous, at));
    });
  }

  /**
   * Files what the device answered in its last message: Atomic outcomes per setting, then
   * drift reads once they are all back.
   */
  async answered(enrollmentId: string): Promise<void> {
    const at = this.now().toISOString();
    await this.store.transaction(async (tx) => {
      const outcomes = await tx.answeredAtomics(enrollmentId);
      if (outcomes.length > 0) {
        await tx.saveStates(
          enrollmentId,
          outcomes.map(({ state, outcome }) => ({ policyId: state.policyId, settings: applyOutcome(state.settings, outcome), commandId: null })),
          at,
        );
      }
      const check = await tx.getCheck(enrollmentId);
      // The first read-back of freshly applied settings is one interval away.
      if (!check) {
        if (outcomes.length > 0) await tx.putCheck(enrollmentId, at, []);
        return;
      }
      if (check.reads.length > 0) await this.fileReads(tx, enrollmentId, check.reads, at);
    });
  }

  /** An administrator changed assignments: memberships are asked afresh, then the tenant is planned. */
  async assignmentsChanged(tenantId: string): Promise<number> {
    this.options.groups.clear?.();
    return this.fanOut(tenantId);
  }

  /** Plans every device of the tenant, a page at a time; returns the commands queued. */
  async fanOut(tenantId: string): Promise<number> {
    const tenant = await this.tenantProfiles(tenantId);
    const at = this.now().toISOString();
    let queued = 0;
    let after: { enrolledAt: string; id: string } | null = null;
    for (;;) {
      const devices = await this.store.tenantDevices(tenantId, after, PAGE);
      // Group lookups go to identity over HTTP: before the transaction, never inside it.
      const groups = new Map<string, ReadonlySet<string>>();
      if (tenant.groupTargeted) for (const d of devices) if (!UNENROLLED_STATES.includes(d.managementState)) groups.set(d.id, await this.options.groups.groupsOf(d));
      queued += await this.store.transaction(async (tx) => {
        const ids = devices.map((d) => d.id);
        await tx.lockDevices(ids);
        const summaries = await tx.stateSummaries(ids);
        // Devices with the same profiles and the same stored states get the same plan: planned
        // once, from the settings of the first of them.
        const plans = new Map<string, DevicePlan>();
        const writes: DeviceWrite[] = [];
        for (const d of devices) {
          if (UNENROLLED_STATES.includes(d.managementState)) continue;
          const assigned = this.assignedTo(d, tenant, groups.get(d.id) ?? NO_GROUPS);
          const stored = summaries.get(d.id) ?? [];
          const key = `${assigned.map((p) => p.id).join(',')}|${stored.map((s) => `${s.policyId}:${s.policyVersion}:${s.commandId}:${s.fingerprint}`).join(',')}`;
          let plan = plans.get(key);
          if (!plan) {
            const previous = stored.length > 0 ? ((await tx.statesOf([d.id])).get(d.id) ?? []) : [];
            plan = planDevice(assigned, previous);
            plans.set(key, plan);
          }
          if (changes(plan)) writes.push({ device: d, policies: plan.policies, removed: plan.removed });
        }
        return writes.length > 0 ? tx.saveDevicePlans(writes, at) : 0;
      });
      const last = devices[devices.length - 1];
      if (devices.length < PAGE || !last) return queued;
      after = { enrolledAt: last.enrolledAt, id: last.id };
    }
  }

  private async tenantProfiles(tenantId: string): Promise<TenantProfiles> {
    const [policies, assignments] = await Promise.all([this.store.listPolicies(tenantId), this.store.listAssignments(tenantId)]);
    const targetsOf = new Map<string, AssignmentTarget[]>();
    for (const a of assignments) targetsOf.set(a.policyId, [...(targetsOf.get(a.policyId) ?? []), a.target as unknown as AssignmentTarget]);
    const list = policies
      .map((p) => ({ id: p.id, version: p.version, settings: desiredSettings(p), targets: targetsOf.get(p.id) ?? [] }))
      .filter((p) => p.targets.length > 0);
    return { policies: list, groupTargeted: list.some((p) => needsGroups(p.targets)) };
  }

  private assignedTo(device: ConfigurationDevice, tenant: TenantProfiles, groups: ReadonlySet<string>): AssignedPolicy[] {
    return tenant.policies.filter((p) => targetsDevice(p.targets, device, groups));
  }

  /** The device's write, or undefined when its plan changes nothing. */
  private planFor(device: ConfigurationDevice, tenant: TenantProfiles, groups: ReadonlySet<string>, previous: readonly PolicyState[]): DeviceWrite | undefined {
    if (UNENROLLED_STATES.includes(device.managementState)) return undefined;
    const plan = planDevice(this.assignedTo(device, tenant, groups), previous);
    return changes(plan) ? { device, policies: plan.policies, removed: plan.removed } : undefined;
  }

  /** Queues a Get of every applied setting when the last read-back is older than the interval. */
  private async readBackIfDue(tx: ConfigurationStore, enrollmentId: string, previous: readonly PolicyState[], at: string): Promise<number> {
    const applied = previous.flatMap((p) => p.settings.filter((s) => s.state === 'succeeded').map((s) => ({ policyId: p.policyId, omaUri: s.omaUri })));
    if (applied.length === 0) return 0;
    const check = await tx.getCheck(enrollmentId);
    const interval = this.options.driftCheckMs ?? DEFAULT_DRIFT_CHECK_MS;
    if (check && (check.reads.length > 0 || Date.parse(check.checkedAt) + interval > Date.parse(at))) return 0;
    const uris = [...new Set(applied.map((a) => a.omaUri))];
    const ids = await tx.queueReads(enrollmentId, uris, at);
    const idOf = new Map(uris.map((u, i) => [u, ids[i]!]));
    await tx.putCheck(enrollmentId, at, applied.map((a) => ({ commandId: idOf.get(a.omaUri)!, policyId: a.policyId, omaUri: a.omaUri })));
    return ids.length;
  }

  private async fileReads(tx: ConfigurationStore, enrollmentId: string, reads: readonly DriftRead[], at: string): Promise<void> {
    const results = await tx.readResults(enrollmentId, [...new Set(reads.map((r) => r.commandId))]);
    // Wait for every read: an abandoned session sends the rest again at the next one.
    if ([...results.values()].some((v) => v === undefined) || results.size === 0) return;
    const states = (await tx.statesOf([enrollmentId])).get(enrollmentId) ?? [];
    const updates: Array<{ policyId: string; settings: PolicyState['settings']; commandId: string | null }> = [];
    let drifted = 0;
    for (const state of states) {
      const found = new Map<string, string | null>();
      for (const r of reads) if (r.policyId === state.policyId && results.has(r.commandId)) found.set(settingKey(r.omaUri), results.get(r.commandId) ?? null);
      if (found.size === 0) continue;
      const filed = applyReads(state.settings, found);
      drifted += filed.drifted;
      if (JSON.stringify(filed.settings) !== JSON.stringify(state.settings)) updates.push({ policyId: state.policyId, settings: filed.settings, commandId: state.commandId });
    }
    if (updates.length > 0) await tx.saveStates(enrollmentId, updates, at);
    await tx.clearReads(enrollmentId);
    if (drifted > 0) this.options.logger?.info({ enrollmentId, drifted }, 'configuration drift found; the settings go again at the next session');
  }
}
