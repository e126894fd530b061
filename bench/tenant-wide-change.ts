/**
 * What an administrator waits for when one change moves every device of a large tenant: an
 * all-devices assignment of a newer profile (every device changes profile), then a rename of
 * that profile (every device's enrollmentProfileName changes). For each: how long the Graph
 * request takes to answer, how long until discovery has recorded every device's change and
 * identity has every new name, and how long another admin's write to one device waits while
 * the change runs. Baselines from the same run: the same write to one device with nothing else
 * running, and a PATCH of the same profile that changes no name (the request without the walk).
 *
 *   node --import tsx bench/tenant-wide-change.ts [--devices 30000]
 */
import { sql } from 'kysely';
import { outboxStats } from '@baton/kit';
import { adminToken, graphJson } from '@baton/cli';
import type { DiscoveryRuntime } from '@baton/discovery';
import { arg, fleetCsv, importCsvParts, startDemoBaton } from './support.js';

const deviceCount = arg('devices', 30_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const { parts } = fleetCsv('tenant-wide-bench', deviceCount, 'Fleet');
const { baton, fetch, demo } = await startDemoBaton({ timeoutMs: 900_000 });
const discovery = baton.runtimes.discovery as DiscoveryRuntime;
const token = await adminToken(demo, fetch);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const graph = `${baton.url}/graph/beta/deviceManagement`;

const registered = await importCsvParts(fetch, baton.url, token, parts);

const undelivered = async () => (await outboxStats(discovery.store.db)).pending;
const untilDrained = async (since: number) => {
  while ((await undelivered()) > 0) {
    if (performance.now() - since > 1_800_000) throw new Error('the outbox did not drain in 30 minutes');
    await sleep(100);
  }
  return (performance.now() - since) / 1000;
};
await untilDrained(performance.now());

/** Another admin's write: one device's display name, every 25 ms while `during` runs. */
const probeDevice = registered[0]!;
let probeSerial = 0;
const probeOnce = async () => {
  const t0 = performance.now();
  const res = await fetch(`${graph}/windowsAutopilotDeviceIdentities/${probeDevice}/updateDeviceProperties`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ displayName: `probe-${probeSerial++}` }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`probe write answered ${res.status}`);
  return performance.now() - t0;
};
const probeWhile = async <T>(during: Promise<T>): Promise<{ result: T; latencies: number[] }> => {
  const latencies: number[] = [];
  let done = false;
  const settled = during.finally(() => (done = true));
  while (!done) {
    latencies.push(await probeOnce());
    await sleep(25);
  }
  return { result: await settled, latencies };
};
const quietProbes: number[] = [];
for (let i = 0; i < 40; i++) quietProbes.push(await probeOnce());

const profile = await graphJson(fetch, `${graph}/windowsAutopilotDeploymentProfiles`, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
    displayName: 'Fleet 2027',
    deviceNameTemplate: 'FLEET-%RAND:5%',
    outOfBoxExperienceSetting: { deviceUsageType: 'singleUser', userType: 'standard', privacySettingsHidden: true, eulaHidden: true },
  }),
});
const profileUrl = `${graph}/windowsAutopilotDeploymentProfiles/${profile.id}`;

const timed = async (send: () => Promise<unknown>) => {
  const started = performance.now();
  const { latencies } = await probeWhile(
    (async () => {
      await send();
      return performance.now() - started;
    })(),
  );
  const answeredMs = performance.now() - started;
  const drainedS = await untilDrained(started);
  return { answeredMs, drainedS, latencies };
};

// The request without the walk: a description change moves no device and renames nothing.
const baselineStarted = performance.now();
for (let i = 0; i < 5; i++) await graphJson(fetch, profileUrl, { method: 'PATCH', headers, body: JSON.stringify({ description: `note ${i}` }) });
const baselineMs = (performance.now() - baselineStarted) / 5;

const assign = await timed(() =>
  graphJson(fetch, `${profileUrl}/assignments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
  }),
);
const rename = await timed(() => graphJson(fetch, profileUrl, { method: 'PATCH', headers, body: JSON.stringify({ displayName: 'Fleet 2027 (renamed)' }) }));

const events = Number(
  (
    await discovery.store.db
      .selectFrom('discovery_events')
      .select(sql<number>`count(*)`.as('n'))
      .where('type', '=', 'assignment')
      .where('detail', 'like', '%"reason":"assignmentCreated"%')
      .executeTakeFirstOrThrow()
  ).n,
);

const probes = (values: number[]) =>
  values.length === 0 ? 'none sent' : `${values.length} writes, p50 ${pct(values, 50).toFixed(0)} ms, max ${pct(values, 100).toFixed(0)} ms`;
console.log(`\ntenant-wide change, ${deviceCount} devices (SQLite, all services in one process)\n`);
console.log(`  all-devices assignment of a newer profile: answered in ${(assign.answeredMs / 1000).toFixed(2)} s; identity has every name after ${assign.drainedS.toFixed(1)} s`);
console.log(`    another admin's write meanwhile: ${probes(assign.latencies)}`);
console.log(`    assignment events recorded: ${events} (one per device that changed profile)`);
console.log(`  rename of that profile: answered in ${(rename.answeredMs / 1000).toFixed(2)} s; identity has every name after ${rename.drainedS.toFixed(1)} s`);
console.log(`    another admin's write meanwhile: ${probes(rename.latencies)}`);
console.log(`  baseline: a PATCH of the same profile that moves nothing: ${baselineMs.toFixed(0)} ms`);
console.log(`  baseline: the same write with nothing else running: ${probes(quietProbes)}`);

await baton.close();
process.exit(events === deviceCount ? 0 : 1);
