import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { generateCertificateAuthority, signPublicKey } from '@baton/kit';
import { ClientCertificateVerifier } from './client-certificates.js';

const crypto = webcrypto as unknown as Crypto;

async function clientCertificate(ca: Awaited<ReturnType<typeof generateCertificateAuthority>>, validityDays: number): Promise<string> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return signPublicKey(ca, keys.publicKey, { commonName: 'device-1', validityDays, usage: 'client' });
}

test('a refused certificate says why: expired (with when), not yet valid, or not ours', async () => {
  const ca = await generateCertificateAuthority({ commonName: 'MDM CA', validityDays: 30 });
  const other = await generateCertificateAuthority({ commonName: 'Someone else', validityDays: 30 });
  const verifier = new ClientCertificateVerifier(ca.certPem);
  const pem = await clientCertificate(ca, 1);
  const notAfter = Date.parse(new X509Certificate(pem).validTo);

  const now = verifier.check(pem);
  assert.equal(now.ok, true);
  const later = verifier.check(pem, new Date(notAfter + 1000));
  assert.deepEqual(later, { ok: false, reason: 'expired', notAfter: new Date(notAfter).toISOString() });
  assert.equal(verifier.verify(pem, new Date(notAfter + 1000)), undefined);
  // Remembered only while valid: after expiry it is checked afresh, and still refused.
  assert.equal(verifier.check(pem, new Date(notAfter + 2000)).ok, false);
  assert.equal((verifier.check(pem, new Date(Date.now() - 3_600_000)) as { reason: string }).reason, 'notYetValid');
  assert.deepEqual(verifier.check(await clientCertificate(other, 1)), { ok: false, reason: 'untrusted' });
  assert.deepEqual(verifier.check('not a certificate'), { ok: false, reason: 'untrusted' });
});
