import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOIN_CSR_COMMON_NAME } from '@baton/contracts';
import { generateDeviceKeyPair, publicKeySpkiBase64, x509 } from '../keys.js';
import { fakeHttp } from '../testing/fake-fetch.js';
import { join } from './join.js';

const DRS = 'https://id.example/enterpriseregistration/t/Discover?api-version=1.9';
const JOIN = 'https://id.example/enterpriseregistration/t/EnrollmentServer/device/?api-version=2.0';

test('the join request follows MS-DVRJ and goes to the endpoint the DRS document names', async () => {
  const keys = await generateDeviceKeyPair();
  const http = fakeHttp((req) => {
    if (req.method === 'GET') return { contentType: 'application/json', body: JSON.stringify({ DeviceJoinService: { JoinEndpoint: JOIN } }) };
    return { status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'invalid_request', subcode: 'csr_invalid', message: 'Bad CSR' }) };
  });
  await assert.rejects(
    join(http, { deviceRegistrationDiscoveryUrl: DRS, accessToken: 'tok', tenantDomain: 'demo.baton.local', osVersion: '10.0.22631.4460', deviceDisplayName: 'DEMO-1', ztdId: 'z', deviceKeys: keys }),
    (err: any) => err.service === 'identity' && err.code === 'invalid_request' && err.status === 400 && /csr_invalid/.test(err.message),
  );
  assert.deepEqual(http.requests.map((r) => `${r.method} ${r.url}`), [`GET ${DRS}`, `POST ${JOIN}`]);
  const post = http.requests[1]!;
  assert.equal(post.headers.authorization, 'Bearer tok');
  const body = JSON.parse(post.body);
  assert.deepEqual(Object.keys(body).sort(), ['CertificateRequest', 'DeviceDisplayName', 'DeviceType', 'JoinType', 'OSVersion', 'TargetDomain', 'TransportKey', 'ZtdId']);
  assert.equal(body.CertificateRequest.Type, 'pkcs10');
  assert.equal(body.DeviceType, 'Windows');
  assert.equal(body.JoinType, 0);
  assert.equal(body.TargetDomain, 'demo.baton.local');
  assert.equal(body.ZtdId, 'z');
  assert.equal(body.TransportKey, await publicKeySpkiBase64(keys.publicKey));
  const csr = new x509.Pkcs10CertificateRequest(Buffer.from(body.CertificateRequest.Data, 'base64'));
  assert.equal(csr.subject, `CN=${JOIN_CSR_COMMON_NAME}`);
  assert.equal(await csr.verify(), true);
});
