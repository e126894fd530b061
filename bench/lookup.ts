/**
 * Discovery's device lookup over HTTPS (decode the 4K hash, keyed-digest lookup in
 * SQLite, profile resolution, AutopilotConfigurationFile) against a bare Fastify HTTPS
 * server answering a same-sized JSON body from a Map, measured in the same run with the
 * same client and TLS settings.
 *
 *   node --import tsx bench/lookup.ts [--devices 500] [--requests 5000] [--concurrency 32]
 */
import Fastify from 'fastify';
import { loadConfig, createHttpsFetch } from '@baton/kit';
import { SERVICE_NAMES, DISCOVERY_PATHS } from '@baton/contracts';
import { adminToken, graphJson, seedDemo, startBaton } from '@baton/cli';
import { hardwareHash, randomInventory } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { arg, benchDataDir, load, report } from './support.js';

const deviceCount = arg('devices', 500);
const requests = arg('requests', 5000);
const concurrency = arg('concurrency', 32);

const dataDir = benchDataDir();
const baton = await startBaton({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), services: [...SERVICE_NAMES], quiet: true });
const fetch = createHttpsFetch({ caPem: baton.caPem, connections: concurrency });
const demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
const token = await adminToken(demo, fetch);
const inventories = Array.from({ length: deviceCount }, (_, i) => randomInventory(3, i));
const hashes = inventories.map((inv) => hardwareHash(inv));
for (let i = 0; i < inventories.length; i++) {
  await graphJson(fetch, `${baton.url}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ serialNumber: inventories[i]!.serialNumber, hardwareIdentifier: hashes[i], groupTag: '' }),
  });
}

const sample = await graphJson(fetch, `${baton.url}${DISCOVERY_PATHS.lookup}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hardwareHash: hashes[0], serialNumber: inventories[0]!.serialNumber }),
});
const answerBody = JSON.stringify(sample);

const lookups = await load(requests, concurrency, async (i) => {
  const k = i % deviceCount;
  const res = await fetch(`${baton.url}${DISCOVERY_PATHS.lookup}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hardwareHash: hashes[k], serialNumber: inventories[k]!.serialNumber }),
  });
  await res.arrayBuffer();
  return res.status === 200;
});

const { readFileSync } = await import('node:fs');
const bare = Fastify({ https: { key: readFileSync(`${dataDir}/tls/server.key.pem`), cert: readFileSync(`${dataDir}/tls/server.pem`) } });
const answers = new Map(hashes.map((h) => [h, answerBody]));
bare.post('/lookup', async (req, reply) => {
  const body = req.body as { hardwareHash: string };
  reply.type('application/json');
  return answers.get(body.hardwareHash) ?? '{}';
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const barePort = (bare.server.address() as { port: number }).port;
const baseline = await load(requests, concurrency, async (i) => {
  const k = i % deviceCount;
  const res = await fetch(`https://localhost:${barePort}/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hardwareHash: hashes[k], serialNumber: inventories[k]!.serialNumber }),
  });
  await res.arrayBuffer();
  return res.status === 200;
});

await bare.close();
await fetch.close();
await baton.close();
report(`lookup: ${deviceCount} registered devices, ${requests} requests, concurrency ${concurrency}, client in the same process`, [
  ['discovery POST /ztd/v1/lookup', lookups],
  ['baseline: bare Fastify HTTPS, Map lookup', baseline],
]);
