/** The per-phase summary table a fleet run ends with. */
import { summarizeRuns, type DeviceRunResult } from '@baton/device';

export function formatReport(results: DeviceRunResult[], wallMs: number): string {
  const summary = summarizeRuns(results);
  const rows = [['phase', 'ok', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
  for (const p of summary.phases) {
    rows.push([p.name, String(p.count), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const failures = Object.entries(summary.failedByService)
    .filter(([, n]) => n > 0)
    .map(([service, n]) => `${service}: ${n}`);
  const errors = new Map<string, number>();
  for (const r of results) {
    if (r.error) {
      const key = `${r.error.service} ${r.error.phase} ${r.error.code}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  }
  lines.push('');
  if (errors.size > 0) {
    lines.push(`failures by service: ${failures.join(', ')}`);
    for (const [key, n] of [...errors].sort((a, b) => b[1] - a[1])) lines.push(`  ${n} × ${key}`);
  }
  lines.push(`${summary.managed}/${summary.devices} devices reached "managed" in ${(wallMs / 1000).toFixed(1)}s`);
  return lines.join('\n');
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(0) : '-';
}
