import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMsiInstallJob } from '@baton/protocols';
import { CspTree } from './csp-tree.js';
import { espSettings, espVerdict, expectedApps } from './esp.js';
import { randomInventory } from './inventory.js';

const CODE = '{11111111-2222-4333-8444-555555555555}';
const NODE = `./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${encodeURIComponent(CODE)}`;
const FIRST_SYNC = './Device/Vendor/MSFT/DMClient/Provider/Baton/FirstSyncStatus';

function deviceWithEsp(behaviour: Record<string, { errorCode?: string; hang?: boolean }> = {}) {
  const tree = new CspTree(randomInventory(3, 0), { deviceId: 'D', deviceName: 'N', providerId: 'Baton', appInstalls: behaviour });
  tree.set(`${FIRST_SYNC}/SkipDeviceStatusPage`, 'false', 'bool');
  tree.set(`${FIRST_SYNC}/TimeOutUntilSyncFailure`, '30', 'int');
  tree.set(`${FIRST_SYNC}/ExpectedMSIAppPackages`, `${NODE}/Status;1`, 'chr');
  assert.equal(tree.set(NODE, '', 'node', 'Add'), '200');
  const job = buildMsiInstallJob({ productId: CODE, productVersion: '2.0', contentUrls: ['https://m/a.msi'], fileHash: '', commandLine: '/quiet', timeoutMinutes: 10, retryCount: 0, retryIntervalMinutes: 0 });
  assert.equal(tree.exec(`${NODE}/DownloadInstall`, job), '200');
  return tree;
}

test('expected packages are read from the U+F000-separated list, counts dropped', () => {
  assert.deepEqual(expectedApps(`./a/Status;1\uF000./b/Status;4`), ['./a/Status', './b/Status']);
  assert.deepEqual(expectedApps(''), []);
});

test('an install moves from queued to installed in simulated time; the page waits for the server to say it has finished', () => {
  const tree = deviceWithEsp();
  const esp = espSettings(tree, 'Baton')!;
  assert.equal(esp.timeoutMs, 30 * 60_000);
  assert.equal(tree.get(`${NODE}/Status`)?.data, '10');
  tree.advance(60_000);
  assert.equal(tree.get(`${NODE}/Status`)?.data, '50');
  assert.equal(espVerdict(tree, 'Baton', esp).state, 'waiting');
  tree.advance(60_000);
  assert.equal(tree.get(`${NODE}/Status`)?.data, '70');
  assert.equal(tree.get(`${NODE}/Version`)?.data, '2.0');
  assert.deepEqual(espVerdict(tree, 'Baton', esp), { state: 'waiting', phase: 'device', waitingFor: null });
  tree.set(`${FIRST_SYNC}/ServerHasFinishedProvisioning`, 'true', 'bool');
  tree.set('./User/Vendor/MSFT/DMClient/Provider/Baton/FirstSyncStatus/ServerHasFinishedProvisioning', 'true', 'bool');
  assert.deepEqual(espVerdict(tree, 'Baton', esp), { state: 'done' });
  assert.equal(tree.delete(NODE), '200');
  assert.equal(tree.get(`${NODE}/Status`), undefined);
});

test('a failing installer fails the page with its LastError; a hanging one keeps it waiting; no page without SkipDeviceStatusPage=false', () => {
  const failing = deviceWithEsp({ [CODE]: { errorCode: '0x80070643' } });
  failing.advance(10 * 60_000);
  assert.deepEqual(espVerdict(failing, 'Baton', espSettings(failing, 'Baton')!), { state: 'failed', phase: 'device', code: '0x80070643', app: CODE });
  const hanging = deviceWithEsp({ [CODE]: { hang: true } });
  hanging.advance(24 * 60 * 60_000);
  assert.deepEqual(espVerdict(hanging, 'Baton', espSettings(hanging, 'Baton')!), { state: 'waiting', phase: 'device', waitingFor: CODE });
  const plain = new CspTree(randomInventory(3, 1), { deviceId: 'D', deviceName: 'N', providerId: 'Baton' });
  assert.equal(espSettings(plain, 'Baton'), undefined);
  // An install job for another product, or no job at all, is refused.
  assert.equal(plain.exec(`${NODE}/DownloadInstall`, '<MsiInstallJob id="{other}"><Product/></MsiInstallJob>'), '400');
  assert.equal(plain.exec(`${NODE}/DownloadInstall`, 'not xml'), '400');
});
