import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeHttp } from '../testing/fake-fetch.js';
import { lookup, lookupUrl } from './lookup.js';

const answer = (identity: Record<string, unknown>) => ({
  contentType: 'application/json',
  body: JSON.stringify({ ztdId: 'z1', serialNumber: 'S', deploymentProfile: { id: 'p', configuration: {} }, branding: {}, identity }),
});

test('the lookup URL is discovery base + /ztd/v1/lookup, keeping any path prefix', () => {
  assert.equal(lookupUrl('https://d.example'), 'https://d.example/ztd/v1/lookup');
  assert.equal(lookupUrl('https://d.example/discovery/'), 'https://d.example/discovery/ztd/v1/lookup');
  assert.equal(lookupUrl('https://d.example/ztd/v1/lookup'), 'https://d.example/ztd/v1/lookup');
});

test('the request carries hash, serial and traceparent; the answer names identity', async () => {
  const http = fakeHttp(() =>
    answer({ tenantId: 't', tenantDomain: 'demo.baton.local', authority: 'https://id.example/t/', deviceRegistrationDiscoveryUrl: 'https://id.example/drs' }),
  );
  const facts = await lookup(http, { discoveryUrl: 'https://d.example', hardwareHash: 'T0EA', serialNumber: '5CG1' });
  assert.deepEqual(JSON.parse(http.requests[0]!.body), { hardwareHash: 'T0EA', serialNumber: '5CG1' });
  assert.equal(http.requests[0]!.headers.traceparent, http.traceparent);
  assert.equal(facts.authority, 'https://id.example/t');
  assert.equal(facts.ztdId, 'z1');
});

test('an answer naming a non-HTTPS or missing authority is discovery’s defect', async () => {
  const plain = fakeHttp(() => answer({ tenantId: 't', tenantDomain: 'd', authority: 'http://id.example/t', deviceRegistrationDiscoveryUrl: 'https://id.example/drs' }));
  await assert.rejects(lookup(plain, { discoveryUrl: 'https://d.example', hardwareHash: 'x', serialNumber: 's' }), (err: any) => err.service === 'discovery' && err.code === 'invalid_answer');
  const missing = fakeHttp(() => answer({ tenantId: 't', tenantDomain: 'd' }));
  await assert.rejects(lookup(missing, { discoveryUrl: 'https://d.example', hardwareHash: 'x', serialNumber: 's' }), (err: any) => err.code === 'invalid_answer');
});

test('a plain-http discovery URL is refused before anything is sent', async () => {
  const http = fakeHttp(() => ({ status: 200 }));
  await assert.rejects(lookup(http, { discoveryUrl: 'http://d.example', hardwareHash: 'x', serialNumber: 's' }), (err: any) => err.code === 'insecure_url');
  assert.equal(http.requests.length, 0);
});

test('Graph errors keep their code and status', async () => {
  const http = fakeHttp(() => ({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'ZtdProfileNotAssigned', message: 'no profile', innerError: {} } }) }));
  await assert.rejects(lookup(http, { discoveryUrl: 'https://d.example', hardwareHash: 'x', serialNumber: 's' }), (err: any) =>
    err.service === 'discovery' && err.code === 'ZtdProfileNotAssigned' && err.status === 404 && err.message === 'no profile',
  );
});
