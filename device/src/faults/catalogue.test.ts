import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { PHASE_OWNER } from '@baton/contracts';
import { generateCertificateAuthority, signPublicKey, type Fetch } from '@baton/kit';
import { CspTree } from '../csp-tree.js';
import { randomInventory } from '../inventory.js';
import { buildMsiInstallJob } from '@baton/protocols';
import { ESP_FAULT_ARRANGEMENT, FAILING_CSP_NODE, FAULTS, availableFaults, shelveUntilExpired } from './catalogue.js';
import { refusingFetch } from './network.js';

test('every fault is owned by the service that owns its phase', () => {
  for (const fault of Object.values(FAULTS)) assert.equal(PHASE_OWNER[fault.phase], fault.service, fault.name);
});

test('a fault arranged while the device sits resealed is a pre-provisioned device\'s: no other mode reseals', () => {
  const resealed = Object.values(FAULTS).filter((f) => f.setup().whileResealed);
  assert.deepEqual(resealed.map((f) => f.name), ['deviceObjectDeleted']);
  for (const fault of resealed) assert.equal(fault.setup().mode, 'preProvisioned', fault.name);
});

test('a pending fault says why and is never drawn; available ones cover all three services', () => {
  for (const fault of Object.values(FAULTS)) if (!fault.available) assert.ok(fault.pending, fault.name);
  assert.deepEqual(new Set(availableFaults().map((f) => f.service)), new Set(['discovery', 'identity', 'management']));
  assert.ok(availableFaults({ fleet: true }).every((f) => f.fleet && f.available));
});

test('a failing CSP node answers its status for the node and below it, and nothing else', () => {
  const tree = new CspTree(randomInventory(1, 0), { deviceId: 'D', deviceName: 'N', failingNodes: FAULTS.cspError.setup().behaviour!.failingCspNodes! });
  assert.equal(tree.failureOf(FAILING_CSP_NODE), '500');
  assert.equal(tree.failureOf(`${FAILING_CSP_NODE}/Child`), '500');
  assert.equal(tree.failureOf('./DevDetail/SwV'), undefined);
});

test('the weak-key faults really hand out 1024-bit keys', async () => {
  const keys = await FAULTS.joinRefused.setup().behaviour!.joinKeys!();
  assert.equal((keys.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 1024);
});

test("an unreachable service refuses the device's connections to its endpoints only", async () => {
  let passed = 0;
  const inner = (async () => {
    passed++;
    return new Response('ok');
  }) as Fetch;
  const fetch = refusingFetch(inner, 'management');
  await assert.rejects(fetch('https://h:1/EnrollmentServer/Discovery.svc'), (err: any) => err.cause?.code === 'ECONNREFUSED');
  await assert.rejects(fetch('https://h:1/ManagementServer/MDM.svc'));
  await fetch('https://h:1/ztd/v1/lookup');
  assert.equal(passed, 1);
});

test('a shelved device refuses to wait out a year-long MDM certificate, and waits out a short one', async () => {
  const ca = await generateCertificateAuthority({ commonName: 'MDM CA', validityDays: 30 });
  const keys = await FAULTS.joinRefused.setup().behaviour!.joinKeys!();
  const yearLong = await signPublicKey(ca, keys.publicKey, { commonName: 'D', validityDays: 365, usage: 'client' });
  await assert.rejects(shelveUntilExpired(yearLong), /BATON_MDM_CERT_VALIDITY_DAYS/);
  const short = await signPublicKey(ca, keys.publicKey, { commonName: 'D', validityDays: 0.5 / 86_400, usage: 'client' });
  await shelveUntilExpired(short);
  assert.ok(Date.now() > Date.parse(new X509Certificate(short).validTo), 'the certificate has expired when the device is unboxed');
});

test("the ESP faults make the blocking app's installer fail with MSI 1603, or never finish", () => {
  const { productCode } = ESP_FAULT_ARRANGEMENT.blockingApp;
  const node = `./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${encodeURIComponent(productCode)}`;
  const job = buildMsiInstallJob({ productId: productCode, productVersion: '1.0', contentUrls: ['https://m/a.msi'], fileHash: '', commandLine: '/quiet', timeoutMinutes: 10, retryCount: 0, retryIntervalMinutes: 0 });
  const run = (fault: 'appInstallFailure' | 'espTimeout') => {
    const tree = new CspTree(randomInventory(1, 0), { deviceId: 'D', deviceName: 'N', appInstalls: FAULTS[fault].setup().behaviour!.appInstalls! });
    assert.equal(tree.exec(`${node}/DownloadInstall`, job), '200');
    tree.advance(24 * 60 * 60_000);
    return [tree.get(`${node}/Status`)?.data, tree.get(`${node}/LastError`)?.data];
  };
  assert.deepEqual(run('appInstallFailure'), ['60', '0x80070643']);
  assert.deepEqual(run('espTimeout'), ['50', '0']);
  assert.equal(FAULTS.appInstallFailure.setup().tenant, ESP_FAULT_ARRANGEMENT);
});
