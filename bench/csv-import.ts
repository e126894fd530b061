/**
 * Discovery's Autopilot CSV import (decode, parse, per-row hash check, sealing, batched
 * registration with its outbox messages) against raw SQLite inserts of the same rows into
 * tables of the same shape, in transactions of the same size, measured in the same run.
 * Files over the endpoint's 64 MB limit are uploaded in parts, as an administrator would.
 *
 *   node --import tsx bench/csv-import.ts [--rows 100000]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadConfig, createHttpsFetch } from '@baton/kit';
import { SERVICE_NAMES } from '@baton/contracts';
import { adminToken, seedDemo, startBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { arg, benchDataDir, fleetCsv, report } from './support.js';

const rowCount = arg('rows', 100_000);
const BATCH = 500;

const { rows, parts, generateSeconds } = fleetCsv('csv-bench', rowCount, 'Bench');

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem, timeoutMs: 900_000 });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
const token = await adminToken(demo, fetch);

let imported = 0;
let failed = 0;
const started = performance.now();
for (const body of parts) {
  const res = await fetch(`${baton.url}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  });
  const answer = (await res.json()) as { summary?: { imported: number; failed: number }; error?: { message: string } };
  if (!res.ok || !answer.summary) throw new Error(`import failed: ${res.status} ${answer.error?.message}`);
  imported += answer.summary.imported;
  failed += answer.summary.failed;
}
const importSeconds = (performance.now() - started) / 1000;
await fetch.close();
await baton.close();

/** The same three records per device the import writes, with values of the same sizes. */
function rawSqlite(): number {
  const driver = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
  const SQLite = createRequire(import.meta.url)(driver) as typeof BetterSqlite3;
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
  for (let start = 0; start < rows.length; start += BATCH) {
    db.transaction(() => {
      for (const r of rows.slice(start, start + BATCH)) {
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
const baselineSeconds = rawSqlite();

const megabytes = parts.reduce((n, p) => n + p.length, 0) / 1024 / 1024;
report(
  `csv import: ${rowCount} devices, ${parts.length} UTF-16LE file(s) of ${megabytes.toFixed(1)} MB in all (generated in ${generateSeconds.toFixed(1)} s); ${imported} imported, ${failed} failed`,
  [
    ['discovery POST …/importCsv (HTTPS, end to end)', { perSecond: rowCount / importSeconds, note: `rows/s, ${importSeconds.toFixed(1)} s` }],
    ['baseline: raw SQLite inserts, 500 per transaction', { perSecond: rowCount / baselineSeconds, note: `rows/s, ${baselineSeconds.toFixed(1)} s` }],
  ],
);
if (imported !== rowCount) process.exitCode = 1;
