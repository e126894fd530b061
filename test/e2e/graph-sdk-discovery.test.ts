// The Microsoft Graph JS SDK as an Autopilot admin script uses it: import devices, poll the
// import, page a filtered device list by nextLink, create a profile under the deprecated
// property names, assign it to a dynamic group of the devices' group tag, and watch them pick it up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { encodeHardwareHash, type HardwareInventory } from '@baton/protocols';
import { seedDemo, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

const run = promisify(execFile);
const clientScript = new URL('./clients/graph-sdk-discovery.ts', import.meta.url).pathname;

function inventory(serial: string): HardwareInventory {
  const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
  return {
    osBuild: { major: 10, minor: 0, build: 26100, revision: 2605 },
    processorManufacturer: 'GenuineIntel',
    processorModel: 'Intel(R) Core(TM) Ultra 7 165U',
    totalRamMb: 16384,
    disks: [{ serial: `S6${hex(6)}`, capacityGb: 512, bus: 17, ssd: true }],
    networkAdapters: [{ mac: `02${hex(5)}`, medium: 'wlan' }],
    smbiosUuid: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`,
    tpmVersion: '2.0',
    smbiosSerial: serial,
    smbiosManufacturer: 'HP',
    smbiosProduct: 'HP EliteBook 840 G11',
  };
}

for (const backend of testBackends()) {
  test(`the Graph JS SDK registers Autopilot devices and assigns a profile on ${backend.name}`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity', 'management']]);
    t.after(() => baton.stop());
    const [host] = baton.instances as [RunningBaton];
    const fetch = createHttpsFetch({ caPem: host.caPem });
    t.after(() => fetch.close());
    await seedDemo({ dataDir: baton.dataDir, url: host.url, urls: host.urls, caPath: host.caPath, identity: host.runtimes.identity as IdentityRuntime, fetch });

    const prefix = `SDK${randomBytes(3).toString('hex').toUpperCase()}`;
    const devices = [1, 2, 3].map((i) => {
      const serialNumber = `${prefix}-${i}`;
      return { serialNumber, hardwareIdentifier: encodeHardwareHash(inventory(serialNumber)).toString('base64') };
    });
    const inputPath = join(baton.dataDir, 'sdk-input.json');
    writeFileSync(inputPath, JSON.stringify({ prefix: prefix.toLowerCase(), devices }));

    const { stdout } = await run(process.execPath, ['--import', 'tsx', clientScript, join(baton.dataDir, 'demo.json'), inputPath], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: host.caPath },
      timeout: 90_000,
    });
    const seen = JSON.parse(stdout);

    assert.deepEqual(seen.importStatuses, ['complete', 'complete', 'complete']);
    assert.ok(seen.registrationIds.every((id: string) => /^[0-9a-f-]{36}$/.test(id)));
    assert.deepEqual(seen.pages.map((p: string[]) => p.length), [2, 1], 'two to a page, then the rest');
    assert.deepEqual([...seen.pages.flat()].sort(), [...seen.registrationIds].sort(), 'every device once, none missing');
    assert.equal(seen.nextLinks.length, 1);
    assert.deepEqual([...seen.bySerials].sort(), seen.registrationIds.slice(0, 2).sort(), 'serialNumber in (…) finds the two asked for');
    assert.match(seen.nextLinks[0], /^https:\/\/localhost:\d+\/graph\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\?.*\$skiptoken=/);
    assert.match(decodeURIComponent(seen.nextLinks[0]), /contains\(serialNumber,'sdk[0-9a-f]{6}'\)/);

    assert.equal(seen.statusBefore, 'notAssigned');
    assert.deepEqual(seen.profileNew, {
      locale: 'en-GB',
      hardwareHashExtractionEnabled: true,
      preprovisioningAllowed: true,
      outOfBoxExperienceSetting: {
        privacySettingsHidden: true,
        eulaHidden: true,
        userType: 'standard',
        deviceUsageType: 'singleUser',
        keyboardSelectionPageSkipped: true,
        escapeLinkHidden: true,
      },
    });
    assert.equal(seen.assignmentTarget, '#microsoft.graph.groupAssignmentTarget');
    assert.equal(seen.assignmentGroupId, seen.groupId);
    assert.ok(seen.statusAfter.startsWith('assigned'), seen.statusAfter);
    assert.equal(seen.intendedProfileId, seen.profileId);
  });
}
