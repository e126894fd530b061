import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CsrError, generateCertificateAuthority, issueCertificate, verifyCsr, x509 } from '../index.js';

import { openRenewalRequest, signRenewalRequest } from './renewal-request.js';

async function newCsr(commonName = 'DEVICE-1'): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: alg });
  return new Uint8Array(csr.rawData);
}

const ca = await generateCertificateAuthority({ commonName: 'Renewal Test CA', validityDays: 30 });
const current = await issueCertificate(ca, { commonName: 'DEVICE-1', validityDays: 30, usage: 'client' });
const other = await issueCertificate(ca, { commonName: 'DEVICE-2', validityDays: 30, usage: 'client' });

test('a renewal request signed with the current certificate opens to the new CSR', async () => {
  const csr = await newCsr();
  const pkcs7 = signRenewalRequest(csr, current.certPem, current.keyPem);
  const inner = openRenewalRequest(pkcs7, current.certPem);
  assert.deepEqual(Buffer.from(inner), Buffer.from(csr));
  assert.equal((await verifyCsr(inner)).subject, 'CN=DEVICE-1');
});

test('signed by another key, or checked against another certificate, it is refused', async () => {
  const csr = await newCsr();
  const byOther = signRenewalRequest(csr, other.certPem, other.keyPem);
  assert.throws(() => openRenewalRequest(byOther, current.certPem), (e: unknown) => e instanceof CsrError && e.code === 'pkcs7.invalid');
  // Claiming the current certificate as signer does not help: the key is what is checked.
  const forged = signRenewalRequest(csr, current.certPem, other.keyPem);
  assert.throws(() => openRenewalRequest(forged, current.certPem), /not signed by the certificate being renewed/);
});

test('content changed after signing is refused', async () => {
  const pkcs7 = Buffer.from(signRenewalRequest(await newCsr(), current.certPem, current.keyPem), 'base64');
  const original = openRenewalRequest(pkcs7, current.certPem);
  const at = pkcs7.indexOf(Buffer.from(original));
  assert.ok(at > 0);
  // A byte inside the subject's CN of the embedded CSR.
  const cn = pkcs7.indexOf(Buffer.from('DEVICE-1'), at);
  pkcs7[cn + 7] = 0x39;
  assert.throws(() => openRenewalRequest(pkcs7, current.certPem), /does not match its signed digest/);
});

test('hostile bytes only ever raise CsrError', () => {
  const valid = Buffer.from(signRenewalRequest(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), current.certPem, current.keyPem), 'base64');
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const mutated = Buffer.from(valid);
      mutated[i] = b;
      return new Uint8Array(mutated);
    }), fc.string({ maxLength: 200 })), (input) => {
      try {
        openRenewalRequest(input, current.certPem);
      } catch (error) {
        assert.ok(error instanceof CsrError, String(error));
      }
    }),
    { numRuns: 400 },
  );
});
