import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { IDENTITY_PATHS, type DeviceLookupResponse } from '@baton/contracts';
import type { DiscoveryApp } from '../app.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

for (const kind of databaseKinds()) {
  describe(`device lookup on ${kind}`, () => {
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

    const lookup = (payload: unknown, headers: Record<string, string> = {}) =>
      discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

    async function graph(tid: string, url: string, payload: unknown) {
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as object });
      assert.ok(res.statusCode < 300, res.body);
      return res.json();
    }

    /** A tenant with one registered device and, unless told otherwise, an all-devices profile. */
    async function registered(options: { profile?: boolean; groupTag?: string } = {}) {
      const tid = randomUUID();
      identity.organizations.set(tid, {
        displayName: 'Contoso (demo)',
        domain: `demo-${tid.slice(0, 4)}.baton.local`,
        branding: { backgroundColor: '#0F6CBD', signInPageText: 'Welcome to Contoso' },
      });
      const inventory = sampleInventory();
      const hash = hashOf(inventory);
      const imported = await graph(tid, '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: hash, groupTag: options.groupTag });
      let profileId: string | undefined;
      if (options.profile !== false) {
        const profile = await graph(tid, '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles', {
          '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
          displayName: 'Demo user-driven',
          deviceNameTemplate: 'DEMO-%SERIAL%',
          outOfBoxExperienceSetting: { userType: 'standard', privacySettingsHidden: true, eulaHidden: true, keyboardSelectionPageSkipped: true, escapeLinkHidden: true, deviceUsageType: 'singleUser' },
        });
        await graph(tid, `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`, {
          target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
        });
        profileId = profile.id;
      }
      return { tid, inventory, hash, ztdId: imported.state.deviceRegistrationId as string, profileId };
    }

    test('a device whose OS was updated since registration is still recognised; new hardware is not', async () => {
      const device = await registered();
      const updated = hashOf({ ...device.inventory, osBuild: { major: 10, minor: 0, build: 26200, revision: 7019 } });
      assert.notEqual(updated, device.hash, 'the OS build is part of the hash');
      const res = await lookup({ hardwareHash: updated, serialNumber: device.inventory.smbiosSerial });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ztdId, device.ztdId);
      const newBoard = hashOf({ ...device.inventory, smbiosUuid: randomUUID().toUpperCase() });
      const other = await lookup({ hardwareHash: newBoard, serialNumber: device.inventory.smbiosSerial });
      assert.equal(other.statusCode, 404, 'a replaced motherboard is a different device until re-registered');
      assert.equal(other.json().error.code, 'ZtdDeviceNotFound');
    });

    test('a registered device with a profile gets the chain.md answer and the identity handoff', async () => {
      const device = await registered({ groupTag: 'Sales' });
      const res = await lookup({ hardwareHash: device.hash, serialNumber: device.inventory.smbiosSerial }, { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.headers.traceparent as string, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      const body = res.json() as DeviceLookupResponse;
      const domain = `demo-${device.tid.slice(0, 4)}.baton.local`;
      assert.equal(body.ztdId, device.ztdId);
      assert.equal(body.serialNumber, device.inventory.smbiosSerial);
      assert.equal(body.groupTag, 'Sales');
      assert.equal(body.deploymentProfile.id, device.profileId);
      assert.equal(body.deploymentProfile.displayName, 'Demo user-driven');
      assert.equal(body.deploymentProfile.deviceUsageType, 'singleUser');
      const c = body.deploymentProfile.configuration;
      assert.deepEqual(
        [c.Version, c.ZtdCorrelationId, c.CloudAssignedTenantId, c.CloudAssignedTenantDomain, c.CloudAssignedOobeConfig, c.CloudAssignedDomainJoinMethod, c.CloudAssignedForcedEnrollment, c.CloudAssignedDeviceName, c.CloudAssignedAutopilotUpdateDisabled, c.CloudAssignedAutopilotUpdateTimeout],
        [2049, device.profileId, device.tid, domain, 1310, 0, 1, 'DEMO-%SERIAL%', 1, 1800000],
      );
      assert.equal(c.Comment_File, 'Profile Demo user-driven');
      assert.equal(JSON.parse(c.CloudAssignedAadServerData).ZeroTouchConfig.CloudAssignedTenantDomain, domain);
      assert.deepEqual(body.branding, { companyName: 'Contoso (demo)', backgroundColor: '#0F6CBD', signInPageText: 'Welcome to Contoso' });
      assert.deepEqual(body.identity, {
        tenantId: device.tid,
        tenantDomain: domain,
        authority: `${identity.url}/${device.tid}`,
        deviceRegistrationDiscoveryUrl: `${identity.url}${IDENTITY_PATHS.drsDiscovery(device.tid)}`,
      });

      const token = await identity.adminToken(device.tid);
      const seen = await discovery.app.inject({
        method: 'GET',
        url: `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${device.ztdId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.notEqual(seen.json().lastContactedDateTime, '0001-01-01T00:00:00Z', 'the lookup is recorded as contact');
      const placeholder = identity.patches.find((p) => p.deviceId === seen.json().azureActiveDirectoryDeviceId);
      assert.ok(placeholder, 'identity knows the device before the device is sent there');
      assert.deepEqual(placeholder.body.physicalIds, [`[ZTDID]:${device.ztdId}`, '[OrderID]:Sales']);
      assert.match(placeholder.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-`));
    });

    test('a placeholder the outbox already delivered is not sent again by the lookup', async () => {
      const device = await registered();
      await discovery.runtime.drainOutbox();
      const sent = () => identity.patches.filter((p) => (p.body.physicalIds as string[]).includes(`[ZTDID]:${device.ztdId}`)).length;
      // The import and the later assignment each queued it; both were delivered before the lookup.
      const delivered = sent();
      assert.ok(delivered >= 1);
      assert.equal((await lookup({ hardwareHash: device.hash })).statusCode, 200);
      assert.equal(sent(), delivered);
    });

    test('the organization is read from identity once per tenant, then cached', async () => {
      const device = await registered();
      const before = identity.organizationReads;
      for (let i = 0; i < 3; i++) assert.equal((await lookup({ hardwareHash: device.hash })).statusCode, 200);
      assert.equal(identity.organizationReads - before, 1);
    });

    test('a hash no tenant registered is 404 ZtdDeviceNotFound', async () => {
      const res = await lookup({ hardwareHash: hashOf(sampleInventory()) });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'ZtdDeviceNotFound');
      assert.ok(res.json().error.innerError['request-id']);
      assert.match(res.headers.traceparent as string, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });

    test('a registered device without a profile is 404 ZtdProfileNotAssigned', async () => {
      const device = await registered({ profile: false });
      const res = await lookup({ hardwareHash: device.hash });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'ZtdProfileNotAssigned');
    });

    test('identity unreachable (placeholder refused, nothing cached) is a 503 with Retry-After, not a 500', async () => {
      const device = await registered();
      identity.graphDown = true;
      try {
        const res = await lookup({ hardwareHash: device.hash });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().error.code, 'ServiceUnavailable');
        assert.ok(res.headers['retry-after']);
      } finally {
        identity.graphDown = false;
      }
    });

    test('malformed lookups are 400 invalidRequest', async () => {
      const bodies: unknown[] = [{}, { hardwareHash: '' }, { hardwareHash: 42 }, { hardwareHash: '!!!not base64' }, { hardwareHash: Buffer.from('nope').toString('base64') }, [], 'text'];
      for (const body of bodies) {
        const res = await lookup(body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json().error.code, 'invalidRequest', JSON.stringify(body));
      }
      const broken = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json' }, payload: '{"hardwareHash":' });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().error.code, 'invalidRequest');
    });
  });
}
