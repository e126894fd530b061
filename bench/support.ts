/**
 * Benchmark helpers: a bounded HTTPS load loop and figure printing. Every benchmark
 * prints its figure beside a baseline measured in the same run, because absolute
 * numbers on shared machines drift.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hardwareHash, randomInventory } from '@baton/device';
import { autopilotCsvText, encodeCsvText, type CsvWriteRow } from '@baton/protocols';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Runs `total` calls of `fn` with `concurrency` in flight; stops by itself. */
export async function load(total: number, concurrency: number, fn: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const ok = await fn(i).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { requests: total, seconds, perSecond: total / seconds, p50: pct(50), p99: pct(99), errors };
}

export function report(title: string, rows: Array<[string, LoadResult | { perSecond: number; note?: string }]>): void {
  console.log(`\n${title}`);
  for (const [name, r] of rows) {
    const extra = 'p50' in r ? `  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  errors ${r.errors}` : r.note ? `  ${r.note}` : '';
    console.log(`  ${name.padEnd(44)} ${r.perSecond.toFixed(0).padStart(8)} /s${extra}`);
  }
}

/** A scratch data directory, removed when the benchmark exits (a million devices is gigabytes). */
export function benchDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The devices' CSV files, split under the import endpoint's 64 MB body limit. */
export interface FleetCsv {
  rows: CsvWriteRow[];
  parts: Buffer<ArrayBuffer>[];
  generateSeconds: number;
}

const CSV_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * `count` simulated devices as Get-WindowsAutopilotInfo writes them under Windows
 * PowerShell: UTF-16LE, hashes without padding.
 */
export function fleetCsv(seed: string, count: number, groupTag: string): FleetCsv {
  const started = performance.now();
  const rows: CsvWriteRow[] = Array.from({ length: count }, (_, i) => {
    const inventory = randomInventory(seed, i);
    return { serialNumber: inventory.serialNumber, hardwareHash: hardwareHash(inventory).replace(/=+$/, ''), groupTag };
  });
  const parts: Buffer<ArrayBuffer>[] = [];
  let start = 0;
  while (start < rows.length) {
    let end = rows.length;
    let bytes = encodeCsvText(autopilotCsvText(rows.slice(start, end)), 'utf-16le');
    while (bytes.length > CSV_BODY_LIMIT) {
      end = start + Math.floor(((end - start) * CSV_BODY_LIMIT * 0.95) / bytes.length);
      bytes = encodeCsvText(autopilotCsvText(rows.slice(start, end)), 'utf-16le');
    }
    parts.push(Buffer.from(bytes));
    start = end;
  }
  return { rows, parts, generateSeconds: (performance.now() - started) / 1000 };
}
