/**
 * Full-chain devices per second for self-deploying and user-driven devices, all three
 * services and the simulated devices in one process on SQLite, with the floors that bound
 * each figure, measured in the same run:
 *   - the per-device request count (every HTTPS request a device makes, OMA-DM included),
 *   - the bare-HTTPS floor: what the same client reaches against a server that answers at
 *     once (same TLS certificate, same concurrency) on warm keep-alive connections, over at
 *     least 20,000 requests and 3 seconds, as requests/s and as devices/s at the per-device
 *     request count,
 *   - the device-side crypto floor: the two RSA-2048 key pairs each device generates; the
 *     measured fleets take them from a pool made before the clock starts (a real device makes
 *     them in its own TPM, not on the services' cores), and one self-deploying fleet that
 *     generates its own shows what the simulator's key generation costs,
 *   - the password-hash floor: scrypt (identity's parameters) at the same concurrency; a
 *     user-driven device costs one password verification, so its rate is reported against it.
 * CPU time of the process and the load average are printed beside each phase, because the
 * machine is shared.
 *
 *   node --import tsx bench/self-deploying.ts [--devices 200] [--concurrency 16] [--profile]
 *   (--profile writes a CPU profile of the process over the self-deploying fleet that takes its
 *   keys from the pool: services and simulated devices together, as they share the process)
 */
import { createServer } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { randomBytes, scrypt, webcrypto } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@baton/contracts';
import { createHttpsFetch, ensureLocalTls, loadConfig, type Fetch } from '@baton/kit';
import { runFleet, seedDemo, startBaton } from '@baton/cli';
import { KeyPool, randomInventory, runDevice, type DeviceRunResult } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { cpuProfiler } from './profiler.js';
import { arg, benchDataDir, load, report } from './support.js';

const devices = arg('devices', 200);
const concurrency = arg('concurrency', 16);

/** Runs `fn` and answers its wall time, the process's CPU time over it, and the 1-minute load average after. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; wallS: number; cpuS: number; load1: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, load1: loadavg()[0]! };
}

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency * 2 });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });

/** One device of each mode with a counting fetch: the requests a device makes, OMA-DM messages included. */
async function requestsPerDevice(selfDeploying: boolean): Promise<number> {
  // Registers the device (and, self-deploying, its profile) and provisions it once.
  await runFleet({ demo, caPem: baton.caPem, devices: 1, concurrency: 1, seed: selfDeploying ? 9001 : 9002, selfDeployingShare: selfDeploying ? 1 : 0 });
  const inventory = randomInventory(selfDeploying ? 9001 : 9002, 0);
  let count = 0;
  const counting: Fetch = (input, init) => {
    count++;
    return fetch(input, init);
  };
  // The registration above is kept; a second run of the same device replays the chain (a user-driven
  // device re-enrolls; a self-deploying one is refused at enrollment, so its record is deleted first).
  if (selfDeploying) await deleteManagedDevices();
  const result: DeviceRunResult = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: baton.caPem, inventory, user: demo.user, fetch: counting });
  if (!result.ok) throw new Error(`request count run failed: ${JSON.stringify(result.error)}`);
  return count + (result.session?.messagesSent ?? 0);
}

async function deleteManagedDevices(): Promise<void> {
  const { adminToken, graphJson } = await import('@baton/cli');
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
  const list = await graphJson(fetch, `${baton.url}/graph/v1.0/deviceManagement/managedDevices?$top=1000`, { headers });
  for (const d of list.value as Array<{ id: string }>) await fetch(`${baton.url}/graph/v1.0/deviceManagement/managedDevices/${d.id}`, { method: 'DELETE', headers });
}

const selfRequests = await requestsPerDevice(true);
const userRequests = await requestsPerDevice(false);

const keyPool = await KeyPool.generate(devices * 4);
const user = await measured(() => runFleet({ demo, caPem: baton.caPem, devices, concurrency, seed: 11, selfDeployingShare: 0, keyPool }));
const profiler = process.argv.includes('--profile') ? cpuProfiler() : undefined;
await profiler?.start();
const self = await measured(() => runFleet({ demo, caPem: baton.caPem, devices, concurrency, seed: 12, selfDeployingShare: 1, keyPool }));
const profileFile = join(tmpdir(), `self-deploying-${Date.now()}.cpuprofile`);
await profiler?.stop(profileFile);
if (profiler) console.log(`CPU profile of the self-deploying fleet: ${profileFile}`);
const selfGenerating = await measured(() => runFleet({ demo, caPem: baton.caPem, devices, concurrency, seed: 13, selfDeployingShare: 1 }));
const managed = (r: { value: { results: DeviceRunResult[] } }) => r.value.results.filter((x) => x.managed).length;
await fetch.close();
await baton.close();

// The bare-HTTPS floor: same certificate, an answer with no work behind it. The connections are
// opened and warmed first, and the count is large enough that neither the TLS handshakes nor a
// garbage collection left over from the fleets sets the figure: what a keep-alive client reaches.
const tls = await ensureLocalTls(dataDir);
const bare = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{}');
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `https://localhost:${(bare.address() as AddressInfo).port}/`;
const bareFetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency * 2 });
const bareFloor = async (requests: number) =>
  load(requests, concurrency, async () => {
    const r = await bareFetch(bareUrl);
    await r.text();
    return r.ok;
  });
const FLOOR_MIN_REQUESTS = 20_000;
const FLOOR_MIN_SECONDS = 3;
await bareFloor(concurrency * 100);
let bareRun = await measured(() => bareFloor(FLOOR_MIN_REQUESTS));
// On a fast machine 20,000 requests take less than the minimum time: run that long again.
const enough = Math.ceil((bareRun.value.perSecond * FLOOR_MIN_SECONDS * 1.1) / 1000) * 1000;
if (bareRun.value.seconds < FLOOR_MIN_SECONDS) bareRun = await measured(() => bareFloor(enough));
if (bareRun.value.errors > 0) throw new Error(`the bare-HTTPS floor had ${bareRun.value.errors} failed requests`);
await bareFetch.close();
await new Promise((r) => bare.close(r));

// The device-side crypto floor: the two RSA-2048 key pairs every device of either mode makes (join, MDM).
const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const rsaFloor = await measured(() =>
  load(Math.min(devices, 40), concurrency, async () => {
    await webcrypto.subtle.generateKey(rsa, true, ['sign', 'verify']);
    await webcrypto.subtle.generateKey(rsa, true, ['sign', 'verify']);
    return true;
  }),
);

// The password-hash floor: identity's scrypt parameters, as many verifications as user-driven devices.
const scryptFloor = await measured(() =>
  load(devices, concurrency, () =>
    new Promise<boolean>((resolve, reject) =>
      scrypt('a password of the demo user', randomBytes(16), 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err) => (err ? reject(err) : resolve(true))),
    ),
  ),
);

const perS = (n: number, s: number) => n / s;
const note = (m: { wallS: number; cpuS: number; load1: number }) => `CPU ${m.cpuS.toFixed(1)} s over ${m.wallS.toFixed(1)} s, load ${m.load1.toFixed(2)}`;
const rate = (n: number, s: number) => `${(n / s).toFixed(2)}/s`;
const bareNote = `${bareRun.value.perSecond.toFixed(0)} requests/s over ${bareRun.value.requests} warm keep-alive requests, p50 ${bareRun.value.p50.toFixed(2)} ms; ${note(bareRun)}`;
report(`self-deploying vs user-driven: ${devices} devices each, concurrency ${concurrency}, SQLite, one process, ${cpus().length} cores`, [
  ['self-deploying devices through the chain', { perSecond: perS(devices, self.value.runMs / 1000), note: `${rate(devices, self.value.runMs / 1000)}, ${managed(self)}/${devices} managed, ${selfRequests} requests/device; ${note(self)} (registration included)` }],
  ['  bare-HTTPS floor, devices at that many requests', { perSecond: bareRun.value.perSecond / selfRequests, note: bareNote }],
  ['  the same, each device generating its two RSA keys', { perSecond: perS(devices, selfGenerating.value.runMs / 1000), note: `${managed(selfGenerating)}/${devices} managed; ${note(selfGenerating)} (registration included)` }],
  ['user-driven devices through the chain', { perSecond: perS(devices, user.value.runMs / 1000), note: `${rate(devices, user.value.runMs / 1000)}, ${managed(user)}/${devices} managed, ${userRequests} requests/device; ${note(user)} (registration included)` }],
  ['  bare-HTTPS floor, devices at that many requests', { perSecond: bareRun.value.perSecond / userRequests, note: bareNote }],
  ['  device crypto floor (2 RSA-2048 keys per device)', { perSecond: rsaFloor.value.perSecond, note: `${rsaFloor.value.perSecond.toFixed(2)}/s; ${note(rsaFloor)}` }],
  ['  password-hash floor (scrypt N=16384 r=8 p=1)', { perSecond: scryptFloor.value.perSecond, note: `user-driven at ${(perS(devices, user.value.runMs / 1000) / scryptFloor.value.perSecond).toFixed(3)}x of it; ${note(scryptFloor)}` }],
]);
