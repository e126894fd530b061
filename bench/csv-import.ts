/**
 * Discovery's Autopilot CSV import (decode, parse, per-row hash check, sealing, batched
 * registration with its outbox messages) against raw SQLite inserts of the same rows into
 * tables of the same shape, in transactions of the same size, measured in the same run.
 * Files over the endpoint's 64 MB limit are uploaded in parts, as an administrator would.
 *
 *   node --import tsx bench/csv-import.ts [--rows 100000]
 */
import { adminToken } from '@baton/cli';
import { arg, fleetCsv, rawImportFloorSeconds, report, startDemoBaton } from './support.js';

const rowCount = arg('rows', 100_000);

const { rows, parts, generateSeconds } = fleetCsv('csv-bench', rowCount, 'Bench');

const { baton, fetch, demo } = await startDemoBaton({ timeoutMs: 900_000 });
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
const baselineSeconds = rawImportFloorSeconds(rows);

const megabytes = parts.reduce((n, p) => n + p.length, 0) / 1024 / 1024;
report(
  `csv import: ${rowCount} devices, ${parts.length} UTF-16LE file(s) of ${megabytes.toFixed(1)} MB in all (generated in ${generateSeconds.toFixed(1)} s); ${imported} imported, ${failed} failed`,
  [
    ['discovery POST …/importCsv (HTTPS, end to end)', { perSecond: rowCount / importSeconds, note: `rows/s, ${importSeconds.toFixed(1)} s` }],
    ['baseline: raw SQLite inserts, 500 per transaction', { perSecond: rowCount / baselineSeconds, note: `rows/s, ${baselineSeconds.toFixed(1)} s` }],
  ],
);
if (imported !== rowCount) process.exitCode = 1;
