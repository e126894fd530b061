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

test('an issued certificate carries what a TLS stack checks: key usage, EKU, the CA key id, the SANs', async () => {
  const ca = await generateCertificateAuthority({ commonName: 'Local, CA', validityDays: 30 });
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pem = await signPublicKey(ca, keys.publicKey, { commonName: 'host, "quoted"', validityDays: 30, usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
  const cert = new X509Certificate(pem);
  const caCert = new X509Certificate(ca.certPem);
  assert.equal(cert.issuer, caCert.subject);
  assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey));
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.ok(cert.checkHost('localhost') && cert.checkIP('::1'));
  const parsed = new x509.X509Certificate(pem);
  assert.equal(parsed.subjectName.getField('CN')[0], 'host, "quoted"');
  assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.critical, true);
  assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  const caKeyId = new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  assert.equal(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caKeyId);
});

test('EC requests verify; the subject and its CN come back as written', async () => {
  const ec = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(ec, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=a\\, b, O=Contoso', keys, signingAlgorithm: ec });
  const verified = await verifyCsr(csr.toString('pem'));
  assert.equal(verified.keyAlgorithm, 'ECDSA');
  assert.deepEqual(verified.commonNames, ['a, b']);
  assert.equal(verified.subject, 'CN=a\\, b, O=Contoso');
});

test('a request signed by another key than the one it carries does not verify', async () => {
  const mine = (await webcrypto.subtle.generateKey(rsa(2048), true, ['sign', 'verify'])) as CryptoKeyPair;
  const other = (await webcrypto.subtle.generateKey(rsa(2048), true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: { publicKey: mine.publicKey, privateKey: other.privateKey }, signingAlgorithm: rsa(2048) });
  await assert.rejects(verifyCsr(new Uint8Array(csr.rawData)), (e: unknown) => e instanceof CsrError && e.code === 'csr.signature');
});
