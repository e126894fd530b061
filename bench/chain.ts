/**
 * Devices per second through the whole chain (lookup → sign-in → join → device token →
 * MS-MDE2 enrollment → first OMA-DM session), all three services in one process on
 * SQLite, against the device-side crypto floor measured in the same run: the two RSA-2048
 * key pairs every device generates (join key, MDM key) are its largest fixed cost, and the
 * simulated devices share the machine with the services.
 *
 *   node --import tsx bench/chain.ts [--devices 100] [--concurrency 16]
 */
import { webcrypto } from 'node:crypto';
import { runFleet } from '@baton/cli';
import { arg, load, report, startDemoBaton } from './support.js';

const devices = arg('devices', 100);
const concurrency = arg('concurrency', 16);

// The floor: the same RSA-2048 generation the agent does (WebCrypto, thread pool), with the
// same number of devices in flight, two keys each, and nothing else running.
const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const floorDevices = Math.min(devices, 40);
const floor = await load(floorDevices, concurrency, async () => {
  await webcrypto.subtle.generateKey(rsa, true, ['sign', 'verify']);
  await webcrypto.subtle.generateKey(rsa, true, ['sign', 'verify']);
  return true;
});

const { baton, fetch, demo } = await startDemoBaton();
const { results, runMs, registerMs } = await runFleet({ demo, caPem: baton.caPem, devices, concurrency, seed: 1 });
const managed = results.filter((r) => r.managed).length;
await fetch.close();
await baton.close();

report(`chain: ${devices} devices, concurrency ${concurrency}, SQLite, one process (${managed}/${devices} managed)`, [
  ['devices through the chain', { perSecond: devices / (runMs / 1000), note: `registration ${(devices / (registerMs / 1000)).toFixed(0)}/s` }],
  ['baseline: device crypto floor (2 RSA-2048 keys each)', { perSecond: floor.perSecond }],
]);
