/**
 * Compliance as management runs it: facts arrive from OMA-DM sessions, policies and
 * assignments from Graph; either one re-evaluates the devices concerned. Each evaluation
 * stores the per-policy and per-device states, and when what identity sees (isCompliant,
 * the grace expiry) changed, writes a ComplianceStateReported message to the outbox in the
 * same transaction: the state and its delivery commit together or not at all.
 */
import { TOPICS, type ComplianceStateReported } from '@baton/contracts';
import type { Logger } from 'pino';
import { UNENROLLED_STATES } from '../store/store.js';
import { evaluateDevice } from './evaluate.js';
import { COMPLIANCE_FACT_URIS, isComplianceFact } from './facts.js';
import type { GroupMembership } from './membership.js';
import type { CompliancePolicy } from './policy.js';
import type { ComplianceStore, EvaluatedDevice, EvaluationWrite } from './store.js';
import { needsGroups, targetsDevice, type AssignmentTarget } from './targets.js';

const PAGE = 1000;
const NO_GROUPS: ReadonlySet<string> = new Set();

export interface ComplianceOptions {
  store: ComplianceStore;
  groups: GroupMembership;
  now?: () => Date;
  /** Called after a commit that wrote outbox messages (wakes the relay). */
  outboxWritten?: () => void;
  logger?: Logger;
}

/** The tenant's policies with the targets of each, read once per evaluation run. */
interface TenantPolicies {
  policies: Array<{ policy: CompliancePolicy; targets: AssignmentTarget[] }>;
  groupTargeted: boolean;
}

/**
 * Report versions: the evaluation time in microseconds, and never less than one above the
 * last one, so they increase per device across restarts, replicas and re-enrollments.
 */
export function nextVersion(previous: number | undefined, now: Date): number {
  return Math.max((previous ?? 0) + 1, now.getTime() * 1000);
}

export class Compliance {
  constructor(private readonly options: ComplianceOptions) {}

  private get store(): ComplianceStore {
    return this.options.store;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /**
   * At the start of a device's session: queue the reads of its compliance facts, as Intune
   * reads them at every check-in. Only in tenants that assign a compliance policy, so that
   * devices nobody evaluates are not asked for anything.
   */
  async sessionStarting(enrollment: { id: string; tenantId: string }): Promise<number> {
    if (!(await this.store.tenantHasAssignments(enrollment.tenantId))) return 0;
    return this.store.queueGets(enrollment.id, COMPLIANCE_FACT_URIS, this.now().toISOString());
  }

  /**
   * Keeps the compliance facts among the values a session brought, then re-evaluates the
   * device. Returns whether anything was kept (no facts, no evaluation).
   */
  async factsReported(enrollmentId: string, values: Record<string, string>, at: string): Promise<boolean> {
    const facts: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) if (isComplianceFact(key)) facts[key] = value;
    if (Object.keys(facts).length === 0) return false;
    await this.store.putFacts(enrollmentId, facts, at);
    await this.evaluateEnrollment(enrollmentId);
    return true;
  }

  async evaluateEnrollment(enrollmentId: string): Promise<number> {
    const device = await this.store.getDevice(enrollmentId);
    if (!device) return 0;
    return this.evaluateDevices(await this.tenantPolicies(device.tenantId), [device]);
  }

  /** Re-evaluates every device of the tenant (after a policy or assignment change). */
  async evaluateTenant(tenantId: string): Promise<number> {
    const policies = await this.tenantPolicies(tenantId);
    let changed = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.store.tenantDevices(tenantId, after, PAGE);
      if (page.length === 0) break;
      changed += await this.evaluateDevices(policies, page);
      after = page[page.length - 1]!.id;
      if (page.length < PAGE) break;
    }
    return changed;
  }

  private async tenantPolicies(tenantId: string): Promise<TenantPolicies> {
    const [policies, assignments] = await Promise.all([this.store.listPolicies(tenantId), this.store.listAssignments(tenantId)]);
    const targetsOf = new Map<string, AssignmentTarget[]>();
    for (const a of assignments) targetsOf.set(a.policyId, [...(targetsOf.get(a.policyId) ?? []), a.target as unknown as AssignmentTarget]);
    const list = policies.map((policy) => ({ policy, targets: targetsOf.get(policy.id) ?? [] })).filter((p) => p.targets.length > 0);
    return { policies: list, groupTargeted: list.some((p) => needsGroups(p.targets)) };
  }

  /** Evaluates devices of one tenant; returns how many reports to identity it queued. */
  private async evaluateDevices(tenant: TenantPolicies, devices: EvaluatedDevice[]): Promise<number> {
    const live = devices.filter((d) => !UNENROLLED_STATES.includes(d.managementState));
    if (live.length === 0) return 0;
    // Group lookups go to identity over HTTP: before the transaction, never inside it.
    const groups = new Map<string, ReadonlySet<string>>();
    if (tenant.groupTargeted) {
      for (const d of live) groups.set(d.id, await this.options.groups.groupsOf(d));
    }
    const queued = await this.store.transaction(async (tx) => {
      const ids = live.map((d) => d.id);
      await tx.lockDevices(ids);
      const [facts, previousStates, previous] = await Promise.all([tx.factsOf(ids), tx.policyStatesOf(ids), tx.complianceOf(ids)]);
      const since = new Map(previousStates.map((s) => [`${s.enrollmentId} ${s.policyId}`, s.noncompliantSince]));
      const now = this.now();
      const at = now.toISOString();
      const writes: EvaluationWrite[] = [];
      for (const device of live) {
        const deviceFacts = facts.get(device.id);
        const before = previous.get(device.id);
        // Not evaluated until the device has reported: its state stays unknown. In a tenant that
        // assigns no compliance policy, devices stay unknown too (nothing is sent to identity)
        // unless they were evaluated before, when their policies were taken away.
        if (!deviceFacts || (tenant.policies.length === 0 && !before)) continue;
        const assigned = tenant.policies.filter((p) => targetsDevice(p.targets, device, groups.get(device.id) ?? NO_GROUPS)).map((p) => p.policy);
        const { results, verdict } = evaluateDevice(assigned, deviceFacts, (policyId) => since.get(`${device.id} ${policyId}`) ?? null, now);
        const changed = !before || before.isCompliant !== verdict.isCompliant || before.graceExpiresAt !== verdict.graceExpiresAt;
        const version = changed ? nextVersion(before?.version, now) : before.version;
        const write: EvaluationWrite = {
          device,
          policyStates: results.map((r, i) => ({
            enrollmentId: device.id,
            policyId: r.result.policyId,
            state: r.result.state,
            settings: r.result.settings,
            noncompliantSince: r.noncompliantSince,
            policyVersion: assigned[i]!.version,
            evaluatedAt: at,
          })),
          compliance: { enrollmentId: device.id, state: verdict.state, isCompliant: verdict.isCompliant, graceExpiresAt: verdict.graceExpiresAt, version, evaluatedAt: at },
        };
        if (changed) {
          const payload: ComplianceStateReported = {
            tenantId: device.tenantId,
            deviceId: device.azureAdDeviceId,
            isCompliant: verdict.isCompliant,
            isManaged: true,
            complianceExpirationDateTime: verdict.graceExpiresAt,
            version,
            evaluatedDateTime: at,
          };
          write.outbox = { topic: TOPICS.complianceStateReported, payload };
        }
        writes.push(write);
      }
      await tx.saveEvaluations(writes);
      return writes.filter((w) => w.outbox).length;
    });
    if (queued > 0) this.options.outboxWritten?.();
    return queued;
  }
}
