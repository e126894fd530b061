/**
 * Devices per second through the whole chain (lookup → sign-in → join → device token →
 * MS-MDE2 enrollment → first OMA-DM session), all three services in one process on
 * SQLite, against the device-side crypto floor measured in the same run: the two RSA-2048
 * key pairs every device generates (join key, MDM key) are its largest fixed cost.
 *
 *   node --import tsx bench/chain.ts [--devices 100] [--concurrency 16]
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig, createHttpsFetch } from '@baton/kit';
import { SERVICE_NAMES } from '@baton/contracts';
import { runFleet, seedDemo, startBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { arg, benchDataDir, report } from './support.js';

const devices = arg('devices', 100);
const concurrency = arg('concurrency', 16);

const floorStart = performance.now();
const floorKeys = 20;
for (let i = 0; i < floorKeys; i++) generateKeyPairSync('rsa', { modulusLength: 2048 });
const keysPerSecond = floorKeys / ((performance.now() - floorStart) / 1000);

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
const { results, runMs, registerMs } = await runFleet({ demo, caPem: baton.caPem, devices, concurrency, seed: 1 });
const managed = results.filter((r) => r.managed).length;
await fetch.close();
await baton.close();

report(`chain: ${devices} devices, concurrency ${concurrency}, SQLite, one process (${managed}/${devices} managed)`, [
  ['devices through the chain', { perSecond: devices / (runMs / 1000), note: `registration ${(devices / (registerMs / 1000)).toFixed(0)}/s` }],
  ['baseline: device crypto floor (2 RSA-2048 keys)', { perSecond: keysPerSecond / 2 }],
]);
