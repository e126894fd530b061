// MDM certificate renewal through the whole chain: a provisioned device renews its MDM
// certificate with the certificate it holds, keeps checking in with the new one, and
// management's managed device shows the same device throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { runFleet, seedDemo } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

for (const backend of testBackends()) {
  test(`a managed device renews its MDM certificate and keeps checking in (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity', 'management']]);
    t.after(() => baton.stop());
    const [host] = baton.instances;
    assert.ok(host);
    const fetch = createHttpsFetch({ caPem: host.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({ dataDir: baton.dataDir, url: host.urls.discovery, urls: host.urls, caPath: host.caPath, identity: host.runtimes.identity as IdentityRuntime, fetch });
    const { results } = await runFleet({ demo, caPem: host.caPem, devices: 1, concurrency: 1, seed: 41 });
    const device = results[0]!.managedDevice!;
    assert.ok(device, JSON.stringify(results[0]!.error));

    const before = new X509Certificate(device.certificatePem);
    assert.equal((await device.checkIn()).ok, true);
    for (let round = 0; round < 2; round++) {
      const previous = device.certificatePem;
      const renewed = await device.renewCertificate();
      assert.equal(renewed.ok, true, JSON.stringify(renewed.error));
      const now = new X509Certificate(device.certificatePem);
      assert.notEqual(now.fingerprint256, new X509Certificate(previous).fingerprint256);
      assert.equal(now.subject, before.subject, 'the same device');
      const checkIn = await device.checkIn();
      assert.equal(checkIn.ok, true, JSON.stringify(checkIn.error));
    }
  });
}
