/**
 * What a device should be sent, worked out from the policies assigned to it and what it has
 * reported so far. Pure: the same inputs give the same plan on every replica.
 *
 * - Two assigned policies that set one node (by `settingKey`) to different values conflict:
 *   neither value is sent, and both policies report `conflict` for that setting.
 * - A setting is sent when its value is new or changed, when an earlier conflict is resolved,
 *   or when a drift read found the device holding another value. Succeeded and failed
 *   settings with an unchanged value are not sent again (a failure is retried when the
 *   policy changes, not at every check-in).
 * - Whatever a policy sends goes in one Atomic; settings of that policy still waiting for an
 *   earlier answer go with it, since only the newest Atomic's answer is filed, and the earlier
 *   one is withdrawn if the device has not been sent it yet (so a value that has since come
 *   into conflict never leaves).
 */
import { settingKey, type DesiredSetting } from './setting.js';

export type SettingStatus = 'pending' | 'succeeded' | 'error' | 'conflict';

export interface SettingState extends DesiredSetting {
  state: SettingStatus;
  /** The CSP's SyncML status for an error (e.g. 500, 405, 216 when rolled back). */
  errorCode: number | null;
  /** The value a drift read last found on the device. */
  currentValue?: string | null;
  /** For a conflict: the other policies setting this node to another value. */
  conflictsWith?: string[];
}

export interface PolicyState {
  policyId: string;
  policyVersion: number;
  settings: SettingState[];
  /** The Atomic whose answer the pending settings wait for; null when none is outstanding. */
  commandId: string | null;
  updatedAt: string;
}

export interface AssignedPolicy {
  id: string;
  version: number;
  settings: DesiredSetting[];
}

export interface PlannedPolicy {
  policyId: string;
  policyVersion: number;
  settings: SettingState[];
  /** What to deliver now, as one Atomic (empty: nothing). */
  send: DesiredSetting[];
  /** An outstanding Atomic this plan supersedes: withdrawn from the queue if not yet sent. */
  withdraw: string | null;
  /** Whether the stored state must be written. */
  changed: boolean;
}

export interface DevicePlan {
  policies: PlannedPolicy[];
  /** Policies with a stored state that are no longer assigned. */
  removed: string[];
}

/** Graph complianceStatus of a policy on a device: error beats conflict beats pending (unknown). */
export function policyStatus(settings: readonly SettingState[]): 'compliant' | 'error' | 'conflict' | 'unknown' | 'notApplicable' {
  if (settings.length === 0) return 'notApplicable';
  if (settings.some((s) => s.state === 'error')) return 'error';
  if (settings.some((s) => s.state === 'conflict')) return 'conflict';
  if (settings.some((s) => s.state === 'pending')) return 'unknown';
  return 'compliant';
}

const identity = (s: DesiredSetting) => `${s.format}:${s.value}`;

/** For each node set by more than one assigned policy to different values: policy id → the others. */
export function findConflicts(policies: readonly AssignedPolicy[]): Map<string, Map<string, string[]>> {
  const byKey = new Map<string, Map<string, string[]>>();
  for (const p of policies) {
    for (const s of p.settings) {
      const key = settingKey(s.omaUri);
      const values = byKey.get(key) ?? new Map<string, string[]>();
      values.set(identity(s), [...(values.get(identity(s)) ?? []), p.id]);
      byKey.set(key, values);
    }
  }
  const conflicts = new Map<string, Map<string, string[]>>();
  for (const [key, values] of byKey) {
    if (values.size < 2) continue;
    const others = new Map<string, string[]>();
    for (const [value, ids] of values) {
      const rest = [...values].filter(([v]) => v !== value).flatMap(([, x]) => x);
      for (const id of ids) others.set(id, rest);
    }
    conflicts.set(key, others);
  }
  return conflicts;
}

function sameSettings(a: readonly SettingState[], b: readonly SettingState[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function planDevice(assigned: readonly AssignedPolicy[], previous: readonly PolicyState[]): DevicePlan {
  const conflicts = findConflicts(assigned);
  const before = new Map(previous.map((p) => [p.policyId, p]));
  const policies = assigned.map((policy): PlannedPolicy => {
    const prior = before.get(policy.id);
    const priorByKey = new Map((prior?.settings ?? []).map((s) => [settingKey(s.omaUri), s]));
    const send: DesiredSetting[] = [];
    const settings = policy.settings.map((desired): SettingState => {
      const key = settingKey(desired.omaUri);
      const others = conflicts.get(key)?.get(policy.id);
      if (others) return { ...desired, state: 'conflict', errorCode: null, conflictsWith: others };
      const old = priorByKey.get(key);
      const same = old !== undefined && old.value === desired.value && old.format === desired.format;
      if (same && (old.state === 'succeeded' || old.state === 'error')) return { ...old, settingName: desired.settingName, omaUri: desired.omaUri };
      if (same && old.state === 'pending' && prior?.commandId) return { ...old, settingName: desired.settingName, omaUri: desired.omaUri };
      send.push(desired);
      return { ...desired, state: 'pending', errorCode: null };
    });
    // The outstanding Atomic carries a value no longer wanted (changed, or now in conflict):
    // it is withdrawn, and what still waits goes again in a new one.
    const wanted = new Set(settings.filter((s) => s.state === 'pending').map((s) => `${settingKey(s.omaUri)}=${s.format}:${s.value}`));
    const stale = Boolean(prior?.commandId) && (prior?.settings ?? []).some((s) => s.state === 'pending' && !wanted.has(`${settingKey(s.omaUri)}=${s.format}:${s.value}`));
    const withdraw = prior?.commandId && (stale || send.length > 0) ? prior.commandId : null;
    if (withdraw) {
      for (const s of settings) if (s.state === 'pending' && !send.some((d) => d.omaUri === s.omaUri)) send.push({ omaUri: s.omaUri, settingName: s.settingName, format: s.format, value: s.value });
    }
    const changed = !prior || prior.policyVersion !== policy.version || send.length > 0 || withdraw !== null || !sameSettings(prior.settings, settings);
    return { policyId: policy.id, policyVersion: policy.version, settings, send, withdraw, changed };
  });
  const assignedIds = new Set(assigned.map((p) => p.id));
  return { policies, removed: previous.filter((p) => !assignedIds.has(p.policyId)).map((p) => p.policyId) };
}

/** The answer to an Atomic: its own status and, per child LocURI, the child's (when it came). */
export interface AtomicOutcome {
  statusCode: string | null;
  acknowledged: boolean;
  children: Array<{ locUri: string; statusCode: string | null }>;
}

/** Applied: a 2xx other than cancelled (214), not executed (215) and rolled back (216). */
const applied = (code: string) => /^2\d\d$/.test(code) && !['214', '215', '216'].includes(code);

/** Files an Atomic's answer on the settings that waited for it. */
export function applyOutcome(settings: readonly SettingState[], outcome: AtomicOutcome): SettingState[] {
  const byKey = new Map(outcome.children.map((c) => [settingKey(c.locUri), c.statusCode]));
  return settings.map((s) => {
    if (s.state !== 'pending' || !byKey.has(settingKey(s.omaUri))) return s;
    // A child the device did not answer on its own shares its Atomic's fate.
    const code = byKey.get(settingKey(s.omaUri)) ?? (outcome.acknowledged ? '200' : (outcome.statusCode ?? '500'));
    if (applied(code)) return { ...s, state: 'succeeded', errorCode: null, currentValue: s.value };
    return { ...s, state: 'error', errorCode: Number.parseInt(code, 10) || 500 };
  });
}

/**
 * Files a drift read: a succeeded setting whose node now holds another value (or is gone)
 * becomes pending with nothing outstanding, so the next session sends it again.
 */
export function applyReads(settings: readonly SettingState[], reads: ReadonlyMap<string, string | null>): { settings: SettingState[]; drifted: number } {
  let drifted = 0;
  const out = settings.map((s) => {
    const key = settingKey(s.omaUri);
    if (s.state !== 'succeeded' || !reads.has(key)) return s;
    const found = reads.get(key) ?? null;
    if (found !== null && sameValue(s, found)) return s.currentValue === found ? s : { ...s, currentValue: found };
    drifted++;
    return { ...s, state: 'pending' as const, currentValue: found };
  });
  return { settings: out, drifted };
}

/** Booleans come back in any case; everything else must match exactly. */
function sameValue(s: DesiredSetting, found: string): boolean {
  return s.format === 'bool' ? s.value.toLowerCase() === found.toLowerCase() : s.value === found;
}
