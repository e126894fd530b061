import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { CsrError, generateCertificateAuthority, isIssuedBy, signPublicKey, thumbprint, verifyCsr, x509 } from './authority.js';

const rsa = (bits: number) => ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: bits });

async function csrFor(bits: number, name = 'CN=7E980AD9-B86D-4306-9425-9AC066FB014A') {
  const keys = (await webcrypto.subtle.generateKey(rsa(bits), true, ['sign', 'verify'])) as CryptoKeyPair;
  return x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: rsa(bits) });
}

test('a CA signs a verified CSR into a client certificate that chains to it', async () => {
  const ca = await generateCertificateAuthority({ commonName: 'Device CA', validityDays: 30, algorithm: 'RSA' });
  const other = await generateCertificateAuthority({ commonName: 'Other CA', validityDays: 30 });
  const csr = await csrFor(2048);
  const verified = await verifyCsr(csr.toString('base64'));
  assert.equal(verified.keyBits, 2048);
  const pem = await signPublicKey(ca, verified.publicKey, {
    commonName: 'device-1',
    validityDays: 365,
    usage: 'client',
    customExtensions: [{ oid: '1.2.840.113556.1.5.284.2', value: new Uint8Array([4, 2, 1, 2]) }],
  });
  const cert = new X509Certificate(pem);
  assert.match(cert.subject, /CN=device-1/);
  assert.ok(isIssuedBy(pem, ca.certPem));
  assert.equal(isIssuedBy(pem, other.certPem), false);
  assert.match(thumbprint(pem), /^[0-9A-F]{40}$/);
  assert.ok(cert.toLegacyObject().ext_key_usage?.includes('1.3.6.1.5.5.7.3.2'));
});

test('weak keys, broken signatures and junk are refused with a code', async () => {
  await assert.rejects(verifyCsr((await csrFor(1024)).toString('base64')), (e: unknown) => e instanceof CsrError && e.code === 'csr.keySize');
  const der = new Uint8Array((await csrFor(2048)).rawData);
  der[der.length - 5] ^= 0xff;
  await assert.rejects(verifyCsr(der), (e: unknown) => e instanceof CsrError && (e.code === 'csr.signature' || e.code === 'csr.malformed'));
  await assert.rejects(verifyCsr('%%%'), (e: unknown) => e instanceof CsrError && e.code === 'csr.malformed');
});

test('hostile CSR bytes only ever produce a CsrError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
      try {
        await verifyCsr(Buffer.from(bytes).toString('base64'));
        assert.fail('random bytes must not verify');
      } catch (error) {
        assert.ok(error instanceof CsrError, String(error));
      }
    }),
    { numRuns: 200 },
  );
});
