/** The per-phase summary table a fleet run ends with, each phase beside the service that owns it. */
import { PHASE_SERVICE, reportedCode, summarizeRuns, type DeviceRunResult } from '@baton/device';

export function formatReport(results: DeviceRunResult[], wallMs: number): string {
  const summary = summarizeRuns(results);
  const rows = [['phase', 'service', 'ok', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
  for (const p of summary.phases) {
    rows.push([p.name, PHASE_SERVICE[p.name], String(p.count), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const failures = Object.entries(summary.failedByService)
    .filter(([, n]) => n > 0)
    .map(([service, n]) => `${service}: ${n}`);
  const errors = new Map<string, number>();
  for (const r of results) {
    if (r.error) {
      const key = `${r.error.service} ${r.error.phase} ${reportedCode(r.error)}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  }
  lines.push('');
  if (errors.size > 0) {
    lines.push(`failures by service: ${failures.join(', ')}`);
    for (const [key, n] of [...errors].sort((a, b) => b[1] - a[1])) lines.push(`  ${n} × ${key}`);
  }
  lines.push(`${summary.managed}/${summary.devices} devices reached "managed" in ${(wallMs / 1000).toFixed(1)}s`);
  lines.push(`modes: ${summary.byMode.userDriven} user-driven, ${summary.byMode.selfDeploying} self-deploying, ${summary.byMode.preProvisioned} pre-provisioned`);
  return lines.join('\n');
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(0) : '-';
}

export interface DeviceOutcome {
  outcome: 'healthy' | 'recovered' | 'failed';
  /** The mode the device's profile chose; '-' when it never got one. */
  mode: string;
  service: string;
  phase: string;
  code: string;
  /** The fault injected, or '-' for a device run healthy. */
  fault: string;
}

/** Each device's outcome as the device saw it: one row per device, nothing counted twice. */
export function deviceOutcomes(results: DeviceRunResult[], faults: Array<string | null> = [], retries: number[] = []): DeviceOutcome[] {
  return results.map((r, i) => {
    const fault = faults[i] ?? '-';
    const mode = r.mode ?? '-';
    if (r.ok) {
      if ((retries[i] ?? 0) > 0) return { outcome: 'recovered', mode, service: '-', phase: '-', code: '-', fault };
      return { outcome: 'healthy', mode, service: '-', phase: '-', code: '-', fault };
    }
    return { outcome: 'failed', mode, service: r.error?.service ?? 'device', phase: r.error?.phase ?? r.phase, code: r.error ? reportedCode(r.error) : 'unknown', fault };
  });
}

/** Devices grouped by outcome, service, code and injected fault; the counts add up to the fleet. */
export function formatOutcomes(outcomes: DeviceOutcome[]): string {
  const counts = new Map<string, { row: DeviceOutcome; n: number }>();
  for (const o of outcomes) {
    const key = JSON.stringify(o);
    const entry = counts.get(key) ?? { row: o, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  const order = ['failed', 'recovered', 'healthy'];
  const sorted = [...counts.values()].sort((a, b) => order.indexOf(a.row.outcome) - order.indexOf(b.row.outcome) || b.n - a.n);
  const rows = [['outcome', 'mode', 'service', 'phase', 'code', 'injected fault', 'devices'], ...sorted.map(({ row, n }) => [row.outcome, row.mode, row.service, row.phase, row.code, row.fault, String(n)])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const by = (o: string) => outcomes.filter((x) => x.outcome === o).length;
  lines.push('', `${outcomes.length} devices: ${by('healthy')} healthy, ${by('recovered')} recovered, ${by('failed')} failed`);
  return lines.join('\n');
}
