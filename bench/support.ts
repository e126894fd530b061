/**
 * Benchmark helpers: a bounded HTTPS load loop and figure printing. Every benchmark
 * prints its figure beside a baseline measured in the same run, because absolute
 * numbers on shared machines drift.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHttpsFetch, loadConfig, loadSqliteDriver, type Fetch } from '@baton/kit';
import { SERVICE_NAMES } from '@baton/contracts';
import { seedDemo, startBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { hardwareHash, randomInventory } from '@baton/device';
import { autopilotCsvText, encodeCsvText, type CsvWriteRow } from '@baton/protocols';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';

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

/**
 * A lean HTTPS client for form posts: undici's request API on a keep-alive pool. The WHATWG
 * fetch() wrapper costs about as much CPU per request as a token endpoint itself (streams,
 * abort signals, header lists), and with the client in the same process as the server that
 * cost comes off the server's figure. Both sides of a comparison use the same client.
 */
export function formPoster(url: string, caPem: string, connections: number): { post(body: string): Promise<boolean>; close(): Promise<void> } {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, connect: { ca: caPem } });
  const path = target.pathname + target.search;
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  return {
    async post(body) {
      const res = await pool.request({ path, method: 'POST', headers, body });
      await res.body.dump();
      return res.statusCode === 200;
    },
    close: () => pool.close(),
  };
}

/** A scratch data directory, removed when the benchmark exits (a million devices is gigabytes). */
export function benchDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * All three services in this process on SQLite in a fresh data directory, seeded with the demo
 * tenant, and a client that trusts their CA.
 */
export async function startDemoBaton(options: { timeoutMs?: number } = {}) {
  const dataDir = benchDataDir();
  const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
  const fetch = createHttpsFetch({ caPem: baton.caPem, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
  return { dataDir, baton, fetch, demo };
}

/** Posts each CSV part to discovery's importCsv; answers the ZTDIds of the devices registered. */
export async function importCsvParts(fetch: Fetch, batonUrl: string, token: string, parts: FleetCsv['parts']): Promise<string[]> {
  const registered: string[] = [];
  for (const body of parts) {
    const res = await fetch(`${batonUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    });
    const answer = (await res.json()) as { summary?: unknown; value?: Array<{ state: { deviceRegistrationId: string } }>; error?: { message: string } };
    if (!res.ok || !answer.summary) throw new Error(`import failed: ${res.status} ${answer.error?.message}`);
    for (const r of answer.value ?? []) if (r.state.deviceRegistrationId) registered.push(r.state.deviceRegistrationId);
  }
  return registered;
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

/**
 * The SQLite floor for an import: the three rows discovery writes per device (device,
 * imported record, outbox message) inserted raw, 500 per transaction, in tables of the same
 * shape. Returns seconds.
 */
export function rawImportFloorSeconds(rows: CsvWriteRow[]): number {
  const SQLite = loadSqliteDriver();
  const db = new SQLite(join(benchDataDir(), 'baseline.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`
    create table devices (id text primary key, tenant_id text not null, serial_number text not null, hardware_hash text not null,
      hardware_identity_digest text not null unique, product_key text, group_tag text, purchase_order_identifier text, manufacturer text,
      model text, user_principal_name text, azure_active_directory_device_id text not null, enrollment_state text not null,
      last_contacted text, placeholder_delivered integer not null default 0, created text not null);
    create index devices_tenant on devices (tenant_id, created, id);
    create table imported (id text primary key, tenant_id text not null, serial_number text, product_key text, group_tag text,
      assigned_user_principal_name text, hardware_hash text, state text not null, import_id text, created text not null);
    create index imported_tenant on imported (tenant_id, created, id);
    create table outbox (id text primary key, topic text not null, payload text not null, trace_parent text, created_at text not null,
      attempts integer not null default 0, next_attempt_at text not null, claimed_until text, delivered_at text, last_error text);
    create index outbox_due on outbox (delivered_at, next_attempt_at);`);
  const device = db.prepare('insert into devices values (?, ?, ?, ?, ?, null, ?, null, null, null, null, ?, ?, null, 0, ?)');
  const record = db.prepare('insert into imported values (?, ?, ?, null, ?, null, ?, ?, ?, ?)');
  const message = db.prepare('insert into outbox values (?, ?, ?, null, ?, 0, ?, null, null, null)');
  const tenant = randomUUID();
  const t0 = performance.now();
  for (let start = 0; start < rows.length; start += 500) {
    db.transaction(() => {
      for (const r of rows.slice(start, start + 500)) {
        const now = new Date().toISOString();
        const id = randomUUID();
        const sealed = randomBytes(Math.ceil((r.hardwareHash!.length * 3) / 4) + 28).toString('base64');
        device.run(id, tenant, r.serialNumber, sealed, randomBytes(32).toString('base64url'), r.groupTag, randomUUID(), 'notContacted', now);
        record.run(randomUUID(), tenant, r.serialNumber, r.groupTag, sealed, JSON.stringify({ deviceImportStatus: 'complete', deviceRegistrationId: id }), randomUUID(), now);
        message.run(randomUUID(), 'discovery.placeholderDeviceRequested', JSON.stringify({ tenantId: tenant, ztdId: id, serialNumber: r.serialNumber }), now, now);
      }
    })();
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return seconds;
}
