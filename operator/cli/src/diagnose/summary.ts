/**
 * `baton diagnose --summary`: a fleet's provisioning outcomes from the three feeds, every
 * device counted once. Events are tied into devices by the ids they share (serial number,
 * ZTDId, Entra device id, managed device id) and by the trace id of each provisioning
 * attempt; an import's trace is not used, since one import can register many devices.
 */
import type { ChainEvent } from '@baton/contracts';
import { diagnoseEvents, isAdminEvent, type DiagnoseOptions, type Diagnosis, type Outcome } from '@baton/diagnosis';

export interface FleetRow {
  outcome: Outcome;
  service: string;
  phase: string;
  errorCode: string;
  devices: number;
}

export interface FleetSummary {
  devices: number;
  byOutcome: Record<Outcome, number>;
  rows: FleetRow[];
  diagnoses: Diagnosis[];
}

class UnionFind {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

function keysOf(e: ChainEvent): string[] {
  const keys: string[] = [];
  if (e.serialNumber) keys.push(`serial:${e.serialNumber.toLowerCase()}`);
  if (e.ztdId) keys.push(`ztd:${e.ztdId}`);
  if (e.azureADDeviceId) keys.push(`device:${e.azureADDeviceId}`);
  if (e.managedDeviceId) keys.push(`managed:${e.managedDeviceId}`);
  if (!isAdminEvent(e)) keys.push(`trace:${e.traceId}`);
  return keys;
}

export function groupByDevice(events: ChainEvent[]): ChainEvent[][] {
  const uf = new UnionFind();
  const unique = [...new Map(events.map((e) => [`${e.service}/${e.id}`, e])).values()];
  for (const e of unique) {
    const keys = keysOf(e);
    for (const k of keys.slice(1)) uf.union(keys[0]!, k);
  }
  const groups = new Map<string, ChainEvent[]>();
  for (const e of unique) {
    const keys = keysOf(e);
    if (keys.length === 0) continue;
    const root = uf.find(keys[0]!);
    const list = groups.get(root) ?? [];
    list.push(e);
    groups.set(root, list);
  }
  return [...groups.values()];
}

export function summarizeFleet(events: ChainEvent[], options: DiagnoseOptions = {}): FleetSummary {
  const diagnoses = groupByDevice(events).map((group) => {
    const name = group.find((e) => e.serialNumber)?.serialNumber ?? group.find((e) => e.ztdId)?.ztdId ?? group[0]!.traceId;
    return diagnoseEvents(name, group, options);
  });
  const byOutcome: Record<Outcome, number> = { healthy: 0, failed: 0, recovered: 0, notStarted: 0, unknown: 0 };
  const rows = new Map<string, FleetRow>();
  for (const d of diagnoses) {
    byOutcome[d.outcome]++;
    const finding = d.failure ?? d.earlierFailures.at(-1) ?? null;
    const row = { outcome: d.outcome, service: finding?.service ?? '-', phase: finding?.phase ?? '-', errorCode: finding?.errorCode ?? '-' };
    const key = JSON.stringify(row);
    const existing = rows.get(key) ?? { ...row, devices: 0 };
    existing.devices++;
    rows.set(key, existing);
  }
  const order: Outcome[] = ['failed', 'recovered', 'notStarted', 'unknown', 'healthy'];
  return {
    devices: diagnoses.length,
    byOutcome,
    rows: [...rows.values()].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome) || b.devices - a.devices || a.errorCode.localeCompare(b.errorCode)),
    diagnoses,
  };
}

export function formatFleetSummary(summary: FleetSummary): string {
  const rows = [['outcome', 'service', 'phase', 'code', 'devices'], ...summary.rows.map((r) => [r.outcome, r.service, r.phase, r.errorCode, String(r.devices)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const parts = Object.entries(summary.byOutcome)
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${n} ${o}`);
  lines.push('', `${summary.devices} devices: ${parts.join(', ')}`);
  return lines.join('\n');
}
