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
import { deviceVerdict, type AssignedPolicyResult } from './evaluate.js';
import { COMPLIANCE_FACT_URIS, isComplianceFact } from './facts.js';
import type { GroupMembership } from '../targeting/membership.js';
import { ResultMemo } from './memo.js';
import { gracePeriodHours, type CompliancePolicy } from './policy.js';
import { policyStatesJson, type ComplianceStore, type PolicyStateWrite, type ComplianceSubject, type DevicePageKey, type EvaluationInput, type EvaluationWrite, type StoredPolicyState } from './store.js';
import { needsGroups, targetsDevice, type AssignmentTarget } from '../targeting/targets.js';

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

/** The tenant's policies with the targets and grace period of each, read once per evaluation run. */
interface TenantPolicies {
  policies: Array<{ policy: CompliancePolicy; targets: AssignmentTarget[]; graceHours: number }>;
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
   * device. Returns whether anything was kept: nothing is, and nothing evaluated, in a tenant
   * that assigns no compliance policy (its sessions cost no compliance writes).
   */
  async factsReported(enrollment: { id: string; tenantId: string }, values: Record<string, string>, at: string): Promise<boolean> {
    const facts: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) if (isComplianceFact(key)) facts[key] = value;
    if (Object.keys(facts).length === 0 || !(await this.store.tenantHasAssignments(enrollment.tenantId))) return false;
    const enrollmentId = enrollment.id;
    await this.store.putFacts(enrollmentId, facts, at);
    await this.evaluateEnrollment(enrollmentId);
    return true;
  }

  async evaluateEnrollment(enrollmentId: string): Promise<number> {
    const device = await this.store.getDevice(enrollmentId);
    if (!device) return 0;
    const tenant = await this.tenantPolicies(device.tenantId);
    const groups = await this.groupsFor(tenant, [device]);
    const queued = await this.store.transaction(async (tx) => {
      await tx.lockDevices([device.id]);
      return this.evaluateInputs(tx, tenant, await tx.evaluationInputs([device.id]), groups, new ResultMemo(), {});
    });
    if (queued > 0) this.options.outboxWritten?.();
    return queued;
  }

  /**
   * An administrator changed a policy's assignments: memberships are looked up afresh (an
   * administrator who just added a device to a group expects it to count), then the tenant is
   * re-evaluated.
   */
  async assignmentsChanged(tenantId: string): Promise<number> {
    this.options.groups.clear?.();
    return this.evaluateTenant(tenantId);
  }

  /**
   * Re-evaluates every device of the tenant (after a policy or assignment change), a page at
   * a time: one range read of devices, facts and previous states, one batched write.
   */
  async evaluateTenant(tenantId: string): Promise<number> {
    const tenant = await this.tenantPolicies(tenantId);
    const memo = new ResultMemo();
    let queued = 0;
    let after: DevicePageKey | null = null;
    for (;;) {
      const from: DevicePageKey | null = after;
      // Group lookups go to identity over HTTP: before the transaction, never inside it.
      const groups = tenant.groupTargeted ? await this.groupsFor(tenant, await this.store.tenantDevices(tenantId, from, PAGE)) : new Map<string, ReadonlySet<string>>();
      const page = await this.store.transaction(async (tx) => {
        const inputs = await tx.devicePage(tenantId, from, PAGE, true);
        const written = await this.evaluateInputs(tx, tenant, inputs, groups, memo, { skipUnchanged: true });
        return { written, count: inputs.length, last: inputs[inputs.length - 1]?.key };
      });
      queued += page.written;
      if (page.count < PAGE || !page.last) break;
      after = page.last;
    }
    if (queued > 0) this.options.outboxWritten?.();
    return queued;
  }

  /**
   * Re-evaluates devices whose grace period has ended, so that identity hears that they are
   * noncompliant without waiting for their next check-in. Returns how many were re-evaluated.
   */
  async sweepGracePeriods(): Promise<number> {
    let done = 0;
    for (;;) {
      const due = await this.store.graceEnded(this.now().toISOString(), 100);
      for (const id of due) await this.evaluateEnrollment(id);
      done += due.length;
      if (due.length < 100) return done;
    }
  }

  private async groupsFor(tenant: TenantPolicies, devices: readonly ComplianceSubject[]): Promise<Map<string, ReadonlySet<string>>> {
    const groups = new Map<string, ReadonlySet<string>>();
    if (!tenant.groupTargeted) return groups;
    for (const d of devices) if (!UNENROLLED_STATES.includes(d.managementState)) groups.set(d.id, await this.options.groups.groupsOf(d));
    return groups;
  }

  private async tenantPolicies(tenantId: string): Promise<TenantPolicies> {
    const [policies, assignments] = await Promise.all([this.store.listPolicies(tenantId), this.store.listAssignments(tenantId)]);
    const targetsOf = new Map<string, AssignmentTarget[]>();
    for (const a of assignments) targetsOf.set(a.policyId, [...(targetsOf.get(a.policyId) ?? []), a.target as unknown as AssignmentTarget]);
    const list = policies
      .map((policy) => ({ policy, targets: targetsOf.get(policy.id) ?? [], graceHours: gracePeriodHours(policy) }))
      .filter((p) => p.targets.length > 0);
    return { policies: list, groupTargeted: list.some((p) => needsGroups(p.targets)) };
  }

  /**
   * Evaluates devices of one tenant inside `tx`; returns how many reports to identity it queued.
   * Policy results come from `memo` (one computation per distinct fact set); a device whose
   * verdict and policy states are what is stored already is not written when `skipUnchanged`.
   */
  private async evaluateInputs(
    tx: ComplianceStore,
    tenant: TenantPolicies,
    inputs: readonly EvaluationInput[],
    groups: ReadonlyMap<string, ReadonlySet<string>>,
    memo: ResultMemo,
    options: { skipUnchanged?: boolean },
  ): Promise<number> {
    const now = this.now();
    const at = now.toISOString();
    const writes: EvaluationWrite[] = [];
    let queued = 0;
    for (const input of inputs) {
      const device = input.device;
      if (UNENROLLED_STATES.includes(device.managementState)) continue;
      const before = input.previous;
      // Not evaluated until the device has reported: its state stays unknown. In a tenant that
      // assigns no compliance policy, devices stay unknown too (nothing is sent to identity)
      // unless they were evaluated before, when their policies were taken away.
      if (input.factsJson === undefined || (tenant.policies.length === 0 && !before)) continue;
      const deviceGroups = groups.get(device.id) ?? NO_GROUPS;
      let earlier: Map<string, string | null> | undefined;
      const results: AssignedPolicyResult[] = [];
      const states: PolicyStateWrite[] = [];
      for (const assigned of tenant.policies) {
        if (!targetsDevice(assigned.targets, device, deviceGroups)) continue;
        const { result, settingsJson } = memo.result(assigned.policy, input.factsJson);
        let noncompliantSince: string | null = null;
        if (result.state === 'nonCompliant') {
          // A streak that began earlier keeps its start, for the grace period.
          earlier ??= streakStarts(before?.policiesJson);
          noncompliantSince = earlier.get(assigned.policy.id) ?? at;
        }
        results.push({ result, noncompliantSince, graceHours: assigned.graceHours });
        states.push({ policyId: result.policyId, state: result.state, settingsJson, noncompliantSince, policyVersion: assigned.policy.version });
      }
      const verdict = deviceVerdict(results, now);
      const policiesJson = policyStatesJson(states);
      const changed = !before || before.isCompliant !== verdict.isCompliant || before.graceExpiresAt !== verdict.graceExpiresAt;
      // A re-evaluation that changes nothing at all writes nothing (a policy edit that does not
      // concern this device, say); a device's own report always refreshes its evaluation time.
      if (!changed && options.skipUnchanged && before.state === verdict.state && before.policiesJson === policiesJson) continue;
      const version = changed ? nextVersion(before?.version, now) : before.version;
      const write: EvaluationWrite = { device, state: verdict.state, isCompliant: verdict.isCompliant, graceExpiresAt: verdict.graceExpiresAt, version, evaluatedAt: at, policiesJson };
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
        queued++;
      }
      writes.push(write);
    }
    await tx.saveEvaluations(writes);
    return queued;
  }
}

/** When each policy's noncompliant streak began, from the stored policy states. */
function streakStarts(policiesJson: string | undefined): Map<string, string | null> {
  if (policiesJson === undefined) return new Map();
  try {
    const states = JSON.parse(policiesJson) as Array<Pick<StoredPolicyState, 'policyId' | 'noncompliantSince'>>;
    return new Map(states.map((p) => [p.policyId, p.noncompliantSince]));
  } catch {
    return new Map();
  }
}
