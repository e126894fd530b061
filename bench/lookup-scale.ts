/**
 * Discovery's device lookup with a large fleet registered (a million by default), against
 * a bare Fastify HTTPS server answering from a Map and a raw SQLite point lookup by the
 * indexed digest in the same database file, all measured in the same run.
 *
 * Registering a million devices over HTTPS would take most of the run, so the rows are
 * written in process by discovery's own CSV import (`importCsv`, the code behind
 * `POST …/importCsv`): same parsing, same sealing, same keyed digest, same three rows per
 * device. The placeholders' outbox messages are then marked delivered, as the relay would
 * have done long before a million devices boot; otherwise the relay would push a million
 * placeholders to identity during the measurement. Baton is then restarted on that data
 * directory and the lookup is measured over HTTPS.
 *
 * Baton exposes no server-side timing header (the request log rounds to whole ms), so
 * "service-side" is measured two ways: the handler's domain work (`lookupDevice`) called in
 * process on the running service, and client latency minus the bare-HTTPS baseline's.
 *
 *   node --import tsx bench/lookup-scale.ts [--devices 1000000] [--requests 20000] [--concurrency 16]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import { loadConfig, createHttpsFetch } from '@baton/kit';
import { SERVICE_NAMES, DISCOVERY_PATHS } from '@baton/contracts';
import { graphJson, seedDemo, startBaton, type RunningBaton } from '@baton/cli';
import { hardwareHash, randomInventory } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import type { DiscoveryRuntime } from '@baton/discovery';
import { autopilotCsvText, encodeCsvText } from '@baton/protocols';
// The package exports only its service; the domain functions are reached by path on purpose,
// so the rows and the handler work measured here are exactly the service's own.
import { importCsv } from '../services/discovery/src/domain/csv-import.js';
import { lookupDevice } from '../services/discovery/src/domain/lookup.js';
import { parseBase64Binary, readHardwareHash } from '../services/discovery/src/domain/hardware-hash.js';
import { arg, benchDataDir, load, type LoadResult } from './support.js';

const deviceCount = arg('devices', 1_000_000);
const requests = arg('requests', 20_000);
const concurrency = arg('concurrency', 16);
const CHUNK = 10_000;
const SEED = 'lookup-scale';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (v: number) => `${v.toFixed(2)} ms`;

const dataDir = benchDataDir();
const config = loadConfig({}, { dataDir, port: 0, logLevel: 'silent' });
const start = () => startBaton({ config, services: [...SERVICE_NAMES], quiet: true });

// Phase 1: registration, in process.
let baton: RunningBaton = await start();
let fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency });
let demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
let discovery = baton.runtimes.discovery as DiscoveryRuntime;
await discovery.relay.stop();
const quietDeps = { ...discovery.deps, outboxWritten: undefined };
const registerStarted = performance.now();
let imported = 0;
for (let from = 0; from < deviceCount; from += CHUNK) {
  const rows = [];
  for (let i = from; i < Math.min(deviceCount, from + CHUNK); i++) {
    const inventory = randomInventory(SEED, i);
    rows.push({ serialNumber: inventory.serialNumber, hardwareHash: hardwareHash(inventory).replace(/=+$/, ''), groupTag: '' });
  }
  const result = await importCsv(quietDeps, demo.tenantId, encodeCsvText(autopilotCsvText(rows), 'utf-8'));
  imported += result.summary.imported;
  if ((from / CHUNK) % 10 === 9) process.stderr.write(`  registered ${imported} (${((performance.now() - registerStarted) / 1000).toFixed(0)} s)\n`);
}
const registerSeconds = (performance.now() - registerStarted) / 1000;
if (imported !== deviceCount) throw new Error(`only ${imported} of ${deviceCount} devices registered`);
const deliveredAt = new Date().toISOString();
await discovery.store.db.updateTable('outbox').set({ delivered_at: deliveredAt }).where('delivered_at', 'is', null).execute();
await discovery.store.db.updateTable('autopilot_devices').set({ placeholder_delivered: 1 }).execute();
await fetch.close();
await baton.close();

// Phase 2: Baton restarted on the data, as an operator would after a bulk load.
const restartStarted = performance.now();
baton = await start();
const restartSeconds = (performance.now() - restartStarted) / 1000;
fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency });
demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
discovery = baton.runtimes.discovery as DiscoveryRuntime;

// Devices spread over the whole table, so the index is exercised beyond a hot corner.
const sampleCount = Math.min(requests, deviceCount);
const bodies: string[] = [];
const hashes: string[] = [];
for (let s = 0; s < sampleCount; s++) {
  const inventory = randomInventory(SEED, Math.floor((s * deviceCount) / sampleCount));
  const hash = hardwareHash(inventory);
  hashes.push(hash);
  bodies.push(JSON.stringify({ hardwareHash: hash, serialNumber: inventory.serialNumber }));
}
const lookupUrl = `${baton.url}${DISCOVERY_PATHS.lookup}`;
const sample = await graphJson(fetch, lookupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] });
if (sample.deploymentProfile?.id !== demo.deploymentProfileId) throw new Error('the sample device did not get the demo profile');
const answerBody = JSON.stringify(sample);

const post = (url: string, body: string) => async () => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status === 200;
};
// A short warm-up on both servers, so neither figure pays for JIT and TLS session setup.
await load(Math.min(500, sampleCount), concurrency, (i) => post(lookupUrl, bodies[i % sampleCount]!)());
const lookups = await load(requests, concurrency, (i) => post(lookupUrl, bodies[i % sampleCount]!)());

// The handler's own work on the running service, one at a time, without HTTP.
const handlerTimes: number[] = [];
const handlerCount = Math.min(requests, 5000);
for (let i = 0; i < handlerCount; i++) {
  const s = i % sampleCount;
  const t0 = performance.now();
  await lookupDevice(discovery.deps, JSON.parse(bodies[s]!));
  handlerTimes.push(performance.now() - t0);
}
handlerTimes.sort((a, b) => a - b);

const bare = Fastify({ https: { key: readFileSync(`${dataDir}/tls/server.key.pem`), cert: readFileSync(`${dataDir}/tls/server.pem`) } });
const answers = new Map(hashes.map((h) => [h, answerBody]));
bare.post('/lookup', async (req, reply) => {
  reply.type('application/json');
  return answers.get((req.body as { hardwareHash: string }).hardwareHash) ?? '{}';
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `https://localhost:${(bare.server.address() as { port: number }).port}/lookup`;
await load(Math.min(500, sampleCount), concurrency, (i) => post(bareUrl, bodies[i % sampleCount]!)());
const baseline = await load(requests, concurrency, (i) => post(bareUrl, bodies[i % sampleCount]!)());

const digests = hashes.map((h) => {
  const reading = readHardwareHash(parseBase64Binary(h)!, discovery.deps.box);
  if (!reading.ok) throw new Error(reading.reason);
  return reading.identityDigest;
});
await bare.close();
await fetch.close();
await baton.close();

const driver = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';
const SQLite = createRequire(import.meta.url)(driver) as typeof BetterSqlite3;
const db = new SQLite(join(dataDir, 'discovery.sqlite'), { readonly: true });
const byDigest = db.prepare('select * from autopilot_devices where hardware_identity_digest = ?');
const rawTimes: number[] = [];
for (let i = 0; i < requests; i++) {
  const t0 = performance.now();
  const row = byDigest.get(digests[i % sampleCount]);
  rawTimes.push(performance.now() - t0);
  if (!row) throw new Error('raw lookup missed a registered device');
}
rawTimes.sort((a, b) => a - b);
const plan = (db.prepare('explain query plan select * from autopilot_devices where hardware_identity_digest = ?').all('x') as Array<{ detail: string }>)
  .map((r) => r.detail)
  .join('; ');
db.close();

const line = (name: string, r: LoadResult) =>
  console.log(`  ${name.padEnd(52)} ${r.perSecond.toFixed(0).padStart(7)} /s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  errors ${r.errors}`);
console.log(
  `\nlookup-scale: ${deviceCount} registered devices (registered in process in ${registerSeconds.toFixed(1)} s, ${(deviceCount / registerSeconds).toFixed(0)}/s; ` +
    `Baton restart on the data ${restartSeconds.toFixed(2)} s), ${requests} requests over ${sampleCount} distinct devices, concurrency ${concurrency}`,
);
line('discovery POST /ztd/v1/lookup (HTTPS, client-side)', lookups);
line('baseline: bare Fastify HTTPS, Map lookup', baseline);
console.log(
  `  service-side estimate (client minus bare baseline)          p50 ${ms(lookups.p50 - baseline.p50)}  p99 ${ms(lookups.p99 - baseline.p99)}`,
);
console.log(
  `  lookupDevice() in process, sequential (${handlerCount})              p50 ${ms(pct(handlerTimes, 50))}  p99 ${ms(pct(handlerTimes, 99))}  max ${ms(handlerTimes.at(-1)!)}`,
);
console.log(
  `  baseline: raw SQLite point lookup by digest (${requests})        p50 ${ms(pct(rawTimes, 50))}  p99 ${ms(pct(rawTimes, 99))}  plan: ${plan}`,
);
console.log(`  target: p99 under 2 ms service-side`);
