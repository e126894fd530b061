// Configuration profiles through the whole chain: a security baseline assigned in Graph reaches
// the device agent over OMA-DM as Atomics, and Graph reports each setting's state: applied,
// failed with the CSP's status, or in conflict between two profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, graphJson, runFleet, seedDemo } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';
import { BASELINE_PROFILES } from './apps-support.js';

const RTP = './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring';
const BITLOCKER = './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption';
const DEFER = './Device/Vendor/MSFT/Policy/Config/Update/DeferQualityUpdatesPeriodInDays';
const ALL_DEVICES = { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } };

interface SettingState {
  setting: string;
  state: string;
  errorCode: number;
  sources: Array<{ id: string }>;
}

for (const backend of testBackends()) {
  test(`a BitLocker + Defender + Firewall baseline is applied with every setting succeeded; a failing CSP shows its error code; two profiles setting one URI differently are a conflict (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity'], ['management']]);
    t.after(() => baton.stop());
    const [front] = baton.instances;
    assert.ok(front);
    const fetch = createHttpsFetch({ caPem: front.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({ dataDir: baton.dataDir, url: front.urls.discovery, urls: front.urls, caPath: front.caPath, identity: front.runtimes.identity as IdentityRuntime, fetch });
    const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
    const profiles = `${front.urls.management}/graph/v1.0/deviceManagement/deviceConfigurations`;
    const profile = async (body: Record<string, unknown>) => {
      const created = (await graphJson(fetch, profiles, { method: 'POST', headers, body: JSON.stringify(body) })) as { id: string };
      await graphJson(fetch, `${profiles}/${created.id}/assign`, { method: 'POST', headers, body: JSON.stringify({ assignments: [ALL_DEVICES] }) });
      return created.id;
    };

    const protection = await profile(BASELINE_PROFILES.protection);
    const defender = await profile(BASELINE_PROFILES.defender);

    const { results } = await runFleet({ demo, caPem: front.caPem, devices: 1, concurrency: 1, seed: 43 });
    const [run] = results;
    assert.ok(run?.managed && run.managedDevice, JSON.stringify(run?.error));
    const tree = run.managedDevice.tree;
    const deviceId = run.learned.deviceId!;
    const list = await graphJson(fetch, `${front.urls.management}/graph/v1.0/deviceManagement/managedDevices`, { headers });
    const managed = list.value.find((d: { azureADDeviceId: string }) => d.azureADDeviceId === deviceId) as { id: string };
    const states = async () => {
      const body = await graphJson(fetch, `${front.urls.management}/graph/v1.0/deviceManagement/managedDevices/${managed.id}/deviceConfigurationStates`, { headers });
      return new Map((body.value as Array<{ id: string; state: string; settingStates: SettingState[] }>).map((s) => [s.id, s]));
    };

    // The enrollment session delivered both profiles; every setting succeeded and the device holds the values.
    const applied = await states();
    assert.equal(applied.get(protection)!.state, 'compliant');
    assert.equal(applied.get(defender)!.state, 'compliant');
    assert.deepEqual(
      applied.get(protection)!.settingStates.map((s) => [s.setting, s.state]),
      [
        [BITLOCKER, 'compliant'],
        ['./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'compliant'],
        ['./Vendor/MSFT/Firewall/MdmStore/PrivateProfile/EnableFirewall', 'compliant'],
        ['./Vendor/MSFT/Firewall/MdmStore/PublicProfile/EnableFirewall', 'compliant'],
        ['./Vendor/MSFT/Firewall/MdmStore/PublicProfile/DefaultInboundAction', 'compliant'],
      ],
    );
    assert.deepEqual(applied.get(defender)!.settingStates.map((s) => s.state), ['compliant', 'compliant']);
    assert.equal(tree.get(BITLOCKER)?.data, '1');
    assert.equal(tree.get(RTP)?.data, '1');
    const overview = await graphJson(fetch, `${profiles}/${protection}/deviceStatusOverview`, { headers });
    assert.equal(overview.successCount, 1);

    // An update ring whose CSP fails on the device: its setting reads error with the CSP's status.
    tree.setFailing(DEFER, '500');
    const ring = await profile({ '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration', displayName: 'Ring: broad', qualityUpdatesDeferralPeriodInDays: 7 });
    assert.equal((await run.managedDevice.checkIn()).ok, true);
    const failed = (await states()).get(ring)!;
    assert.equal(failed.state, 'error');
    assert.deepEqual(failed.settingStates.map((s) => [s.setting, s.state, s.errorCode]), [[DEFER, 'error', 500]]);
    const ringOverview = await graphJson(fetch, `${profiles}/${ring}/deviceStatusOverview`, { headers });
    assert.equal(ringOverview.errorCount, 1);

    // A custom profile turning real-time monitoring off: a conflict with the Defender baseline, reported by both.
    const off = await profile({
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      displayName: 'Kiosk: no real-time monitoring',
      omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'Real-time monitoring off', omaUri: RTP, value: 0 }],
    });
    assert.equal((await run.managedDevice.checkIn()).ok, true);
    const now = await states();
    const rtpOf = (id: string) => now.get(id)!.settingStates.find((s) => s.setting === RTP)!;
    assert.equal(rtpOf(off).state, 'conflict');
    assert.equal(rtpOf(defender).state, 'conflict');
    assert.deepEqual(rtpOf(off).sources.map((s) => s.id), [off, defender]);
    assert.equal(now.get(defender)!.state, 'conflict');
    assert.equal(tree.get(RTP)?.data, '1', 'neither value was sent: the device keeps what it had');
    const statuses = await graphJson(fetch, `${profiles}/${off}/deviceStatuses`, { headers });
    assert.deepEqual(statuses.value.map((s: { status: string }) => s.status), ['conflict']);
  });
}
