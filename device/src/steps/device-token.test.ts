import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { DEVICE_AGENT_CLIENT_ID, DEVICE_JWT_BEARER_GRANT, MDM_RESOURCE } from '@baton/contracts';
import { generateDeviceKeyPair, x509 } from '../keys.js';
import { fakeHttp } from '../testing/fake-fetch.js';
import { buildDeviceTokenRequest, deviceToken } from './device-token.js';

async function deviceWithCertificate() {
  const keys = await generateDeviceKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=3f6c1a52-9d7e-4c1b-a0e2-7f5e0b9c2d11',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  });
  return { keys, certPem: cert.toString('pem'), certBase64: Buffer.from(cert.rawData).toString('base64') };
}

test('the request JWT is RS256-signed by the device key and carries the certificate in x5c', async () => {
  const device = await deviceWithCertificate();
  const jwt = await buildDeviceTokenRequest({ refreshToken: 'rt-1', deviceKey: device.keys.privateKey, certificateBase64: device.certBase64 });
  const header = decodeProtectedHeader(jwt);
  assert.equal(header.alg, 'RS256');
  assert.deepEqual(header.x5c, [device.certBase64]);
  const { payload } = await jwtVerify(jwt, device.keys.publicKey);
  assert.equal(payload.client_id, DEVICE_AGENT_CLIENT_ID);
  assert.equal(payload.grant_type, 'refresh_token');
  assert.equal(payload.refresh_token, 'rt-1');
  assert.equal(payload.scope, `${MDM_RESOURCE}/.default`);
  assert.ok(payload.exp! > payload.iat! && payload.exp! - payload.iat! <= 600);
  // A verifier that only has the x5c certificate gets the same answer.
  await jwtVerify(jwt, await importX509(device.certPem, 'RS256'));
});

test('the jwt-bearer grant is posted to the token endpoint and yields the device-bound token', async () => {
  const device = await deviceWithCertificate();
  const http = fakeHttp((req) => {
    const form = new URLSearchParams(req.body);
    assert.equal(form.get('grant_type'), DEVICE_JWT_BEARER_GRANT);
    assert.ok(form.get('request'));
    return { contentType: 'application/json', body: JSON.stringify({ token_type: 'Bearer', access_token: 'device-bound', expires_in: 3600 }) };
  });
  const facts = await deviceToken(http, {
    tokenEndpoint: 'https://id.example/t1/oauth2/v2.0/token',
    refreshToken: 'rt',
    deviceKey: device.keys.privateKey,
    certificateBase64: device.certBase64,
    resource: 'https://mdm.example',
  });
  assert.equal(facts.accessToken, 'device-bound');
  assert.equal(http.requests[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
  const { payload } = await jwtVerify(new URLSearchParams(http.requests[0]!.body).get('request')!, device.keys.publicKey);
  assert.equal(payload.scope, 'https://mdm.example/.default');
});

test('an OAuth error from identity becomes a ChainError with the OAuth code', async () => {
  const device = await deviceWithCertificate();
  const http = fakeHttp(() => ({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS50155: Device authentication failed.' }) }));
  await assert.rejects(
    deviceToken(http, { tokenEndpoint: 'https://id.example/token', refreshToken: 'rt', deviceKey: device.keys.privateKey, certificateBase64: device.certBase64 }),
    (err: any) => err.name === 'ChainError' && err.service === 'identity' && err.code === 'invalid_grant' && err.status === 400,
  );
});
