import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { DISCOVERY_PATHS, SERVICE_APP_IDS, type EndorsementKeyLookupResponse } from '@baton/contracts';
import type { DiscoveryApp } from '../app.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const newEk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

for (const kind of databaseKinds()) {
  describe(`endorsement key lookup on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity);
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function graph(tid: string, url: string, payload: unknown) {
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as object });
      assert.ok(res.statusCode < 300, res.body);
      return res.json();
    }

    async function registered(usage: 'shared' | 'singleUser' | 'none') {
      const tid = randomUUID();
      const ek = newEk();
      const imported = await graph(tid, '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: hashOf(sampleInventory({ tpmEkPub: ek })) });
      if (usage !== 'none') {
        const profile = await graph(tid, '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles', {
          '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
          displayName: `Kiosk ${usage}`,
          outOfBoxExperienceSetting: { userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true, deviceUsageType: usage },
        });
        await graph(tid, `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`, { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } });
      }
      return { tid, ek, ztdId: imported.state.deviceRegistrationId as string };
    }

    const ask = async (tid: string, body: unknown, appId: string = SERVICE_APP_IDS.identity) =>
      discovery.app.inject({
        method: 'POST',
        url: DISCOVERY_PATHS.endorsementKeyLookup,
        headers: { authorization: `Bearer ${await identity.appToken(tid, appId)}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });

    test('names the registration and its shared profile for identity', async () => {
      const device = await registered('shared');
      const res = await ask(device.tid, { ekPublicKey: device.ek });
      assert.equal(res.statusCode, 200, res.body);
      const answer = res.json<EndorsementKeyLookupResponse>();
      assert.equal(answer.ztdId, device.ztdId);
      assert.equal(answer.tenantId, device.tid);
      assert.equal(answer.deviceUsageType, 'shared');
    });

    test('tells a single-user profile and no profile apart', async () => {
      const single = await registered('singleUser');
      assert.equal((await ask(single.tid, { ekPublicKey: single.ek })).json<EndorsementKeyLookupResponse>().deviceUsageType, 'singleUser');
      const none = await registered('none');
      const answer = (await ask(none.tid, { ekPublicKey: none.ek })).json<EndorsementKeyLookupResponse>();
      assert.equal(answer.deviceUsageType, null);
      assert.equal(answer.profileId, null);
    });

    test("another tenant's device and an unknown key both read as not found", async () => {
      const device = await registered('shared');
      const other = await ask(randomUUID(), { ekPublicKey: device.ek });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().error.code, 'ZtdDeviceNotFound');
      assert.equal((await ask(device.tid, { ekPublicKey: newEk() })).statusCode, 404);
    });

    test('only identity may ask', async () => {
      const device = await registered('shared');
      const res = await ask(device.tid, { ekPublicKey: device.ek }, SERVICE_APP_IDS.management);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'Authorization_RequestDenied');
      const anonymous = await discovery.app.inject({ method: 'POST', url: DISCOVERY_PATHS.endorsementKeyLookup, payload: { ekPublicKey: device.ek } });
      assert.equal(anonymous.statusCode, 401);
    });

    test('hostile bodies are 4xx in the Graph envelope', async () => {
      const tid = randomUUID();
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }).map((ekPublicKey) => ({ ekPublicKey })), fc.anything()), async (body) => {
          const res = await ask(tid, body);
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
          assert.equal(typeof res.json().error.code, 'string');
        }),
        { numRuns: 60 },
      );
    });
  });
}
