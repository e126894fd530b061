// The whole chain: devices go discovery → identity → management and come out managed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_PATHS, MANAGEMENT_PATHS } from '@baton/contracts';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, graphJson, runFleet, seedDemo, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

async function seed(identityHost: RunningBaton, urls: RunningBaton['urls'], dataDir: string, caPem: string) {
  const fetch = createHttpsFetch({ caPem });
  try {
    return await seedDemo({ dataDir, url: urls.discovery, urls, caPath: identityHost.caPath, identity: identityHost.runtimes.identity as IdentityRuntime, fetch });
  } finally {
    await fetch.close();
  }
}

for (const backend of testBackends()) {
  test(`three services on three origins: the device learns each next URL from the handoffs (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery'], ['identity'], ['management']]);
    t.after(() => baton.stop());
    const [discovery, identity, management] = baton.instances as [RunningBaton, RunningBaton, RunningBaton];
    assert.notEqual(new URL(discovery.url).port, new URL(identity.url).port);
    const demo = await seed(identity, discovery.urls, baton.dataDir, identity.caPem);

    const { results } = await runFleet({ demo, caPem: identity.caPem, devices: 2, concurrency: 2, seed: 7 });
    for (const result of results) {
      assert.equal(result.managed, true, JSON.stringify(result.error));
      // The agent was given discovery's URL only (demo.discoveryUrl); these came from answers.
      assert.equal(result.learned.identityAuthority, `${identity.url}/${demo.tenantId}`);
      assert.equal(result.learned.joinEndpoint, `${identity.url}${IDENTITY_PATHS.join(demo.tenantId)}`);
      assert.equal(result.learned.managementDiscoveryUrl, `${management.url}${MANAGEMENT_PATHS.discovery}`);
      assert.equal(result.learned.managementUrl, `${management.url}${MANAGEMENT_PATHS.omadm}`);
      assert.deepEqual(
        result.phases.map((p) => p.name),
        ['lookup', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync'],
      );
    }
    if (backend.name === 'sqlite') {
      for (const s of ['discovery', 'identity', 'management']) assert.ok(existsSync(join(baton.dataDir, `${s}.sqlite`)), `${s} has its own file`);
    }
  });

  test(`baton up on one origin: devices end managed and every service's Graph shows its part (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity', 'management']]);
    t.after(() => baton.stop());
    const [host] = baton.instances as [RunningBaton];
    const demo = await seed(host, host.urls, baton.dataDir, host.caPem);
    const { results } = await runFleet({ demo, caPem: host.caPem, devices: 4, concurrency: 4, seed: 11, groupTag: 'Sales' });
    assert.equal(results.filter((r) => r.managed).length, 4, JSON.stringify(results.map((r) => r.error)));

    const fetch = createHttpsFetch({ caPem: host.caPem });
    t.after(() => fetch.close());
    const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };

    const autopilot = await graphJson(fetch, `${host.url}/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities`, { headers });
    assert.equal(autopilot.value.length, 4);
    const managed = await graphJson(fetch, `${host.url}/graph/v1.0/deviceManagement/managedDevices`, { headers });
    assert.equal(managed.value.length, 4);
    assert.ok(managed.value.every((d: any) => d.managementState === 'managed'));

    // Identity's device object is the placeholder discovery asked for, now joined.
    const devices = await graphJson(fetch, `${host.url}/graph/v1.0/devices`, { headers });
    const joined = devices.value.filter((d: any) => d.trustType === 'AzureAd');
    assert.equal(joined.length, 4);
    for (const device of joined) {
      assert.ok(device.physicalIds.some((p: string) => p.startsWith('[ZTDID]:')), 'joined the Autopilot placeholder');
      assert.ok(device.physicalIds.includes('[OrderID]:Sales'), JSON.stringify(devices.value));
      const ztd = autopilot.value.find((a: any) => a.azureActiveDirectoryDeviceId === device.deviceId);
      assert.ok(ztd, 'the Autopilot record and the device object share the device id');
      assert.ok(managed.value.some((m: any) => m.azureADDeviceId === device.deviceId), 'management enrolled the same device');
    }
  });
}
