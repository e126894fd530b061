import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOIN_CSR_COMMON_NAME } from '@baton/contracts';
import { KeyPool, createJoinCsr, createMdmCsr, generateDeviceKeyPair, privateKeyPem, publicKeySpkiBase64, x509 } from './keys.js';

test('join and MDM CSRs verify and carry the expected subject and key', async () => {
  const keys = await generateDeviceKeyPair();
  const join = await createJoinCsr(keys);
  const joinCsr = new x509.Pkcs10CertificateRequest(Buffer.from(join.base64, 'base64'));
  assert.equal(await joinCsr.verify(), true);
  assert.equal(joinCsr.subject, `CN=${JOIN_CSR_COMMON_NAME}`);
  assert.equal(joinCsr.signatureAlgorithm.name, 'RSASSA-PKCS1-v1_5');
  assert.equal((joinCsr.signatureAlgorithm as RsaHashedKeyAlgorithm & { hash: Algorithm }).hash.name, 'SHA-256');
  assert.equal(Buffer.from(joinCsr.publicKey.rawData).toString('base64'), await publicKeySpkiBase64(keys.publicKey));

  const mdm = await createMdmCsr(keys, 'A1B2C3D4E5F60718293A4B5C6D7E8F90');
  const mdmCsr = new x509.Pkcs10CertificateRequest(mdm.pem);
  assert.equal(await mdmCsr.verify(), true);
  assert.equal(mdmCsr.subject, 'CN=A1B2C3D4E5F60718293A4B5C6D7E8F90');
});

test('keys are RSA-2048 and the private key exports as PKCS#8 PEM', async () => {
  const keys = await generateDeviceKeyPair();
  assert.equal((keys.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048);
  assert.match(await privateKeyPem(keys.privateKey), /^-----BEGIN PRIVATE KEY-----/);
});

test('a key pool hands each pair out once, then generates fresh ones', async () => {
  const pool = await KeyPool.generate(2);
  assert.equal(pool.remaining, 2);
  const taken = [await pool.take(), await pool.take(), await pool.take()];
  assert.equal(pool.remaining, 0);
  const spkis = await Promise.all(taken.map((k) => publicKeySpkiBase64(k.publicKey)));
  assert.equal(new Set(spkis).size, 3, 'no device shares a key with another');
  assert.equal((taken[2]!.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048);
});
