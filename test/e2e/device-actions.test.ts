// Managed-device actions through the whole chain: provisioned devices are wiped, retired,
// deleted, scanned and renamed through Graph, and each action reaches the device at its next check-in;
// a BitLocker rotation makes the device escrow its new recovery password, which Graph then returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, graphJson, runFleet, seedDemo } from '@baton/cli';
import type { DeviceRunResult } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

interface ActionResult {
  actionName: string;
  actionState: string;
  startDateTime: string;
  lastUpdatedDateTime: string;
}

for (const backend of testBackends()) {
  test(`wipe, retire, delete, a Defender scan and a rename reach provisioned devices at their next check-in (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity', 'management']]);
    t.after(() => baton.stop());
    const [host] = baton.instances;
    assert.ok(host);
    const fetch = createHttpsFetch({ caPem: host.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({
      dataDir: baton.dataDir,
      url: host.urls.discovery,
      urls: host.urls,
      caPath: host.caPath,
      identity: host.runtimes.identity as IdentityRuntime,
      fetch,
    });

    const { results } = await runFleet({ demo, caPem: host.caPem, devices: 4, concurrency: 4, seed: 23 });
    for (const r of results) assert.equal(r.managed, true, JSON.stringify(r.error));
    const [wiped, retired, deleted, scanned] = results as [DeviceRunResult, DeviceRunResult, DeviceRunResult, DeviceRunResult];

    const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
    const base = `${host.url}/graph/v1.0/deviceManagement/managedDevices`;
    const list = await graphJson(fetch, base, { headers });
    const idOf = (r: DeviceRunResult): string => {
      const found = list.value.find((d: { azureADDeviceId: string }) => d.azureADDeviceId === r.learned.deviceId);
      assert.ok(found, `managed device for ${r.learned.deviceId}`);
      return found.id;
    };
    const device = (r: DeviceRunResult) => graphJson(fetch, `${base}/${idOf(r)}`, { headers });
    const act = async (r: DeviceRunResult, action: string, body?: unknown) => {
      const res = await fetch(`${base}/${idOf(r)}/${action}`, {
        method: 'POST',
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      assert.equal(res.status, 204, await res.text());
    };
    const results$ = (md: { deviceActionResults: ActionResult[] }) => md.deviceActionResults.map((a) => [a.actionName, a.actionState]);

    // Autopilot reset as the Intune portal sends it.
    await act(wiped, 'wipe', { keepEnrollmentData: true, keepUserData: false });
    await act(retired, 'retire');
    const res = await fetch(`${base}/${idOf(deleted)}`, { method: 'DELETE', headers });
    assert.equal(res.status, 204);

    const pendingWipe = await device(wiped);
    assert.equal(pendingWipe.managementState, 'wipePending');
    assert.deepEqual(results$(pendingWipe), [['wipe', 'pending']]);
    assert.equal((await device(retired)).managementState, 'retirePending');
    assert.equal(wiped.managedDevice!.state.wiped, undefined, 'nothing reaches a device before it polls');

    const wipeCheckIn = await wiped.managedDevice!.checkIn();
    assert.equal(wipeCheckIn.ok, true, JSON.stringify(wipeCheckIn.error));
    assert.ok(
      wipeCheckIn.session!.commands.some((c) => c.cmd === 'Exec' && c.targets[0] === './Device/Vendor/MSFT/RemoteWipe/doWipePersistProvisionedData' && c.status === '200'),
      JSON.stringify(wipeCheckIn.session),
    );
    assert.equal(wipeCheckIn.state.wiped?.method, 'doWipePersistProvisionedData');
    assert.equal(wipeCheckIn.state.wiped?.enrollmentKept, true);
    assert.equal(wipeCheckIn.state.enrolled, true);

    const retireCheckIn = await retired.managedDevice!.checkIn();
    assert.equal(retireCheckIn.ok, true, JSON.stringify(retireCheckIn.error));
    assert.ok(retireCheckIn.session!.commands.some((c) => c.cmd === 'Delete' && c.status === '200'));
    assert.equal(retireCheckIn.state.enrolled, false);
    assert.equal(retireCheckIn.state.wiped, undefined, 'retire leaves the device and its data in place');

    const refused = await deleted.managedDevice!.checkIn();
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.service, 'management');
    assert.equal(refused.error?.code, '401');

    const afterWipe = await device(wiped);
    assert.equal(afterWipe.managementState, 'wipeIssued');
    assert.deepEqual(results$(afterWipe), [['wipe', 'done']]);
    const wipeResult = afterWipe.deviceActionResults[0] as ActionResult;
    assert.ok(wipeResult.lastUpdatedDateTime >= wipeResult.startDateTime);
    const afterRetire = await device(retired);
    assert.equal(afterRetire.managementState, 'retireIssued');
    assert.deepEqual(results$(afterRetire), [['retire', 'done']]);
    const gone = await fetch(`${base}/${idOf(deleted)}`, { headers });
    assert.equal(gone.status, 404);
    await gone.text();

    // A Defender quick scan (v1.0) and a rename (beta): queued, then carried out at the next check-in.
    const protection = () => fetch(`${base}/${idOf(scanned)}/windowsProtectionState`, { headers });
    const unreported = await protection();
    assert.equal(unreported.status, 404, 'no Defender health reported yet');
    await unreported.text();
    await act(scanned, 'windowsDefenderScan', { quickScan: true });
    const renameRes = await fetch(`${host.url}/graph/beta/deviceManagement/managedDevices/${idOf(scanned)}/setDeviceName`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceName: 'LAB-KIOSK-01' }),
    });
    assert.equal(renameRes.status, 204, await renameRes.text());
    assert.deepEqual(results$(await device(scanned)), [
      ['windowsDefenderScan', 'pending'],
      ['setDeviceName', 'pending'],
    ]);
    const scanCheckIn = await scanned.managedDevice!.checkIn();
    assert.equal(scanCheckIn.ok, true, JSON.stringify(scanCheckIn.error));
    assert.ok(scanCheckIn.session!.commands.some((c) => c.cmd === 'Exec' && c.targets[0] === './Device/Vendor/MSFT/Defender/Scan' && c.status === '200'));
    assert.equal(scanCheckIn.state.deviceName, 'LAB-KIOSK-01');
    const afterScan = await device(scanned);
    assert.deepEqual(results$(afterScan), [
      ['windowsDefenderScan', 'done'],
      ['setDeviceName', 'done'],
    ]);
    assert.equal(afterScan.deviceName, 'LAB-KIOSK-01');
    const state = await graphJson(fetch, `${base}/${idOf(scanned)}/windowsProtectionState`, { headers });
    assert.ok(Date.parse(state.lastQuickScanDateTime) >= Date.parse(afterScan.deviceActionResults[0].startDateTime) - 1000, JSON.stringify(state));
    assert.equal(state.quickScanOverdue, false);
    assert.equal(state.lastFullScanDateTime, null);

    // BitLocker: the device escrowed its recovery password after its first session; an admin
    // rotates it through management, the device escrows the new one at its next session, and
    // identity's Graph lists both and returns the new password to a reader who asks for the key.
    const recoveryKeys = `${host.url}/graph/v1.0/informationProtection/bitlocker/recoveryKeys`;
    const keysOf = async (r: DeviceRunResult) =>
      (await graphJson(fetch, `${recoveryKeys}?$filter=${encodeURIComponent(`deviceId eq '${r.learned.deviceId}'`)}`, { headers })).value as Array<{ id: string; key?: string }>;
    assert.equal(scanned.keyEscrow?.ok, true, JSON.stringify(scanned.keyEscrow));
    const firstKeyId = scanned.keyEscrow!.keyId;
    assert.deepEqual((await keysOf(scanned)).map((k) => k.id), [firstKeyId]);
    const rotateRes = await fetch(`${host.url}/graph/beta/deviceManagement/managedDevices/${idOf(scanned)}/rotateBitLockerKeys`, { method: 'POST', headers });
    assert.equal(rotateRes.status, 204, await rotateRes.text());
    const rotateCheckIn = await scanned.managedDevice!.checkIn();
    assert.equal(rotateCheckIn.ok, true, JSON.stringify(rotateCheckIn.error));
    assert.ok(rotateCheckIn.session!.commands.some((c) => c.cmd === 'Exec' && c.targets[0] === './Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords'));
    assert.equal(rotateCheckIn.keyEscrow?.ok, true, JSON.stringify(rotateCheckIn.keyEscrow));
    const newKeyId = rotateCheckIn.keyEscrow!.keyId;
    assert.notEqual(newKeyId, firstKeyId);
    const escrowed = await keysOf(scanned);
    assert.deepEqual(escrowed.map((k) => k.id).sort(), [firstKeyId, newKeyId].sort());
    assert.ok(escrowed.every((k) => k.key === undefined), 'a list never carries the key');
    const newKey = await graphJson(fetch, `${recoveryKeys}/${newKeyId}?$select=key`, { headers });
    assert.equal(newKey.key, scanned.managedDevice!.tree.currentRecoveryPassword()!.password);

    // The Autopilot-reset device kept its enrollment and keeps polling; the retired one stopped.
    const again = await wiped.managedDevice!.checkIn();
    assert.equal(again.ok, true, JSON.stringify(again.error));
    const stopped = await retired.managedDevice!.checkIn();
    assert.equal(stopped.ok, false);
    assert.equal(stopped.error?.code, 'not_enrolled');
  });
}
