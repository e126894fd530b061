import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { generateCertificateAuthority, type KeyAndCert } from '@baton/kit';
import { TOKEN, parseDiscoverRequest, parseRequestSecurityToken } from '@baton/protocols';
import { hardwareDeviceId, mdmDeviceId, randomInventory } from '../inventory.js';
import { x509 } from '../keys.js';
import { fakeManagement, type ManagementBehaviour } from '../testing/fake-chain.js';
import { fakeHttp } from '../testing/fake-fetch.js';
import { enroll, enrollmentContext, type EnrollInput } from './enroll.js';

const BASE = 'https://mdm.example';
let mdmCa: KeyAndCert;
before(async () => {
  mdmCa = await generateCertificateAuthority({ commonName: 'MDM CA', validityDays: 30, algorithm: 'RSA' });
});

const inventory = randomInventory('enroll', 0);
const input = (): EnrollInput => ({
  discoveryUrl: `${BASE}/enroll-odd/Discovery.svc`,
  deviceToken: 'device-bound-token',
  upn: 'adele@demo.baton.local',
  inventory,
  mdmDeviceId: mdmDeviceId(inventory),
  hwDevId: hardwareDeviceId(inventory),
  deviceName: 'DEMO-PC1',
});

test('AdditionalContext items come in the order Windows writes them', () => {
  const ctx = enrollmentContext(input());
  assert.deepEqual(ctx.map(([name]) => name), [
    'UXInitiated', 'HWDevID', 'Locale', 'TargetedUserLoggedIn', 'EnrollmentData', 'OSEdition', 'DeviceName', 'MAC', 'MAC',
    'DeviceID', 'EnrollmentType', 'DeviceType', 'OSVersion', 'ApplicationVersion', 'NotInOobe', 'RequestVersion',
  ]);
  const byName = Object.fromEntries(ctx);
  assert.equal(byName.DeviceID, mdmDeviceId(inventory));
  assert.equal(byName.EnrollmentType, 'Full');
  assert.equal(byName.DeviceType, 'CIMClient_Windows');
  assert.equal(byName.RequestVersion, '5.0');
  assert.equal(byName.OSEdition, '4');
  assert.deepEqual(ctx.filter(([n]) => n === 'MAC').map(([, v]) => v), inventory.macAddresses.map((m) => m.replace(/:/g, '-')));
});

function management(behaviour: ManagementBehaviour = {}) {
  return fakeHttp(fakeManagement(() => BASE, mdmCa, () => behaviour));
}

test('probe, Discover, GetPolicies and RST follow the URLs Discover names and yield the provisioning facts', async () => {
  const http = management();
  const facts = await enroll(http, input());
  assert.deepEqual(http.requests.map((r) => `${r.method} ${r.url}`), [
    `GET ${BASE}/enroll-odd/Discovery.svc`,
    `POST ${BASE}/enroll-odd/Discovery.svc`,
    `POST ${BASE}/xcep-odd/Policy.svc`,
    `POST ${BASE}/wstep-odd/Enrollment.svc`,
  ]);
  assert.ok(http.requests.slice(1).every((r) => r.headers['content-type'] === 'application/soap+xml; charset=utf-8'));

  const discover = parseDiscoverRequest(http.requests[1]!.body);
  assert.deepEqual(discover.authPolicies, ['OnPremise', 'Federated']);
  assert.equal(discover.requestVersion, '5.0');
  assert.equal(discover.emailAddress, 'adele@demo.baton.local');

  const rst = parseRequestSecurityToken(http.requests[3]!.body);
  assert.equal(rst.headerToken?.valueType, TOKEN.jwt);
  assert.equal(Buffer.from(rst.headerToken!.value, 'base64').toString(), 'device-bound-token');
  assert.equal(rst.binarySecurityToken.valueType, TOKEN.pkcs10);
  assert.deepEqual(rst.contextItems, enrollmentContext(input()));
  const csr = new x509.Pkcs10CertificateRequest(Buffer.from(rst.binarySecurityToken.value, 'base64'));
  assert.equal(csr.subject, `CN=${mdmDeviceId(inventory)}`);
  assert.equal(await csr.verify(), true);

  assert.equal(facts.authPolicy, 'Federated');
  assert.equal(facts.managementUrl, `${BASE}/omadm-odd/session`);
  assert.equal(facts.providerId, 'Baton');
  assert.equal(new x509.X509Certificate(facts.mdmCertificatePem).subject, `CN=${mdmDeviceId(inventory)}`);
  assert.equal(new x509.X509Certificate(facts.rootCaPem!).subject, new x509.X509Certificate(mdmCa.certPem).subject);
  assert.match(facts.mdmKeyPem, /BEGIN PRIVATE KEY/);
});

test('SOAP faults become errors carrying the MS-MDE2 subcode and HTTP status', async () => {
  await assert.rejects(enroll(management({ enrollmentFault: 'invalidsecurity' }), input()), (err: any) =>
    err.service === 'management' && err.code === 'invalidsecurity' && err.status === 401,
  );
  await assert.rejects(enroll(management(), { ...input(), deviceToken: 'someone-elses' }), (err: any) => err.code === 'invalidsecurity' && err.status === 401);
});

test('a failed Discovery probe stops enrollment before any SOAP is sent', async () => {
  const http = fakeHttp(() => ({ status: 404, body: '' }));
  await assert.rejects(enroll(http, input()), (err: any) => err.service === 'management' && err.code === 'http_404');
  assert.equal(http.requests.length, 1);
});

