import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DiscoveryApp } from '../app.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { hashOf, sampleInventory, startDiscovery, TENANT_A, testDatabase, type TestDatabase } from '../testing/harness.js';

const json = fc.jsonValue({ maxDepth: 3 });
const b64 = (bytes: fc.Arbitrary<Uint8Array>) => bytes.map((b) => Buffer.from(b).toString('base64'));
const validHash = hashOf(sampleInventory());

/** Corrupts a real hash: truncation, flipped bytes, appended junk. */
const mangledHash = fc
  .tuple(fc.nat({ max: validHash.length }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }), fc.uint8Array({ maxLength: 64 }))
  .map(([cut, flips, junk]) => {
    const bytes = Buffer.from(validHash, 'base64');
    for (const [at, x] of flips) bytes[at % bytes.length] = bytes[at % bytes.length]! ^ x;
    return Buffer.concat([bytes.subarray(0, Math.max(4, Math.floor((cut / validHash.length) * bytes.length))), junk]).toString('base64');
  });

const hostileHash = fc.oneof(fc.string({ maxLength: 300 }), b64(fc.uint8Array({ maxLength: 600 })), mangledHash, fc.constant(''), fc.string({ minLength: 16_385, maxLength: 17_000 }));

/** Bodies of every wrong shape, plus right-looking ones whose fields are wrong. */
const hostileLookupBody = fc.oneof(
  json,
  fc.record({ hardwareHash: hostileHash, serialNumber: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }) }, { requiredKeys: [] }),
  fc.record({ hardwareHash: json }),
  fc.dictionary(fc.string({ maxLength: 20 }), json, { maxKeys: 5 }),
);

/** Import bodies that are not the imported identity's shape. */
const misshapenImportBody = fc.oneof(
  json.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.record(
    {
      serialNumber: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { minLength: 1 }), fc.string({ minLength: 300, maxLength: 400 })),
      hardwareIdentifier: fc.oneof(fc.integer(), fc.object(), fc.string({ minLength: 16_385, maxLength: 17_000 })),
      groupTag: fc.oneof(fc.integer(), fc.object()),
    },
    { requiredKeys: [] },
  ).filter((r) => Object.keys(r).length > 0),
);

const asPayload = (body: unknown) => JSON.stringify(body) ?? 'null';

describe('hostile input', () => {
  let identity: FakeIdentity;
  let database: TestDatabase;
  let discovery: DiscoveryApp;
  let token: string;

  before(async () => {
    identity = await startFakeIdentity();
    database = testDatabase('sqlite');
    discovery = await startDiscovery(database, identity);
    token = await identity.adminToken(TENANT_A);
  });
  after(async () => {
    await discovery?.close();
    await database?.dispose();
    await identity?.close();
  });

  const isGraphError = (body: string) => {
    const parsed = JSON.parse(body);
    return typeof parsed.error?.code === 'string' && typeof parsed.error?.message === 'string' && typeof parsed.error.innerError?.['request-id'] === 'string';
  };

  test('/ztd/v1/lookup answers every hostile body with a 4xx Graph envelope', async () => {
    await fc.assert(
      fc.asyncProperty(hostileLookupBody, async (body) => {
        const res = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json' }, payload: asPayload(body) });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.ok(isGraphError(res.body), res.body);
      }),
      { numRuns: 300 },
    );
  });

  test('/ztd/v1/lookup survives bodies that are not JSON at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/octet-stream'), async (payload, type) => {
        const res = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': type }, payload });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.ok(isGraphError(res.body), res.body);
      }),
      { numRuns: 200 },
    );
  });

  test('the import endpoint answers misshapen bodies with a 4xx Graph envelope', async () => {
    await fc.assert(
      fc.asyncProperty(misshapenImportBody, async (body) => {
        const res = await discovery.app.inject({
          method: 'POST',
          url: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: asPayload(body),
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.ok(isGraphError(res.body), res.body);
      }),
      { numRuns: 300 },
    );
  });

  test('well-shaped imports with hostile hashes are refused or complete, never half-done, never 5xx', async () => {
    const list = () =>
      discovery.app.inject({ method: 'GET', url: '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=999', headers: { authorization: `Bearer ${token}` } });
    const before = (await list()).json().value.length;
    let completes = 0;
    await fc.assert(
      fc.asyncProperty(hostileHash, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), async (hardwareIdentifier, serialNumber) => {
        const res = await discovery.app.inject({
          method: 'POST',
          url: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities',
          headers: { authorization: `Bearer ${token}` },
          payload: { hardwareIdentifier, serialNumber },
        });
        if (res.statusCode === 201) {
          // A mangled hash can still decode to a plausible device; anything else must be refused as 802/803.
          const state = res.json().state;
          assert.ok(state.deviceImportStatus === 'complete' || [802, 803, 806].includes(state.deviceErrorCode), res.body);
          if (state.deviceImportStatus === 'complete') completes++;
        } else {
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
          assert.ok(isGraphError(res.body), res.body);
        }
      }),
      { numRuns: 300 },
    );
    assert.equal((await list()).json().value.length - before, completes, 'a device exists exactly for each complete answer');
  });
});
