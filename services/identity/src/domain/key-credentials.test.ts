import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, test } from 'node:test';
import fc from 'fast-check';
import * as x509 from '@peculiar/x509';
import { GraphError } from '@baton/kit';
import { keyCredentialsFromGraph } from './key-credentials.js';

const now = new Date();

async function certificate(algorithm: RsaHashedKeyGenParams | EcKeyGenParams, signing: Algorithm | EcdsaParams, notAfter = new Date(now.getTime() + 86400_000)): Promise<Buffer> {
  const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=Test', notBefore: new Date(now.getTime() - 86400_000 * 2), notAfter, keys, signingAlgorithm: signing });
  return Buffer.from(cert.rawData);
}

const rsa = (modulusLength: number) => ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength });
const credential = (der: Buffer, extra: Record<string, unknown> = {}) => ({ type: 'AsymmetricX509Cert', usage: 'Verify', key: der.toString('base64'), ...extra });

let rsaCert: Buffer;
let ecCert: Buffer;
before(async () => {
  rsaCert = await certificate(rsa(2048), rsa(2048));
  ecCert = await certificate({ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams);
});

function onlyGraphErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GraphError, `expected a Graph error, got ${String(error)}`);
    assert.equal(error.statusCode, 400);
  }
}

test('certificates become keys named by their thumbprints, with their validity; PEM is taken too', () => {
  const [fromDer, fromPem] = keyCredentialsFromGraph(
    [credential(rsaCert, { displayName: 'CN=Test' }), credential(Buffer.from(new X509Certificate(ecCert).toString()))],
    [],
    now,
  );
  assert.equal(fromDer!.x5t, createHash('sha1').update(rsaCert).digest('base64url'));
  assert.equal(fromDer!['x5t#S256'], createHash('sha256').update(rsaCert).digest('base64url'));
  assert.equal(fromDer!.kty, 'RSA');
  assert.equal(fromDer!.credential.displayName, 'CN=Test');
  assert.equal(fromPem!.kty, 'EC');
  assert.equal(fromPem!.crv, 'P-256');
  assert.ok(Date.parse(fromPem!.credential.endDateTime) > now.getTime());
  // Kept by keyId alone, as Graph's PATCH semantics have it.
  assert.deepEqual(keyCredentialsFromGraph([{ keyId: fromDer!.credential.keyId }], [fromDer!, fromPem!], now), [fromDer]);
});

test('weak, expired, duplicated or mistyped credentials are 400s', async () => {
  const weak = await certificate(rsa(1024), rsa(1024));
  const expired = await certificate(rsa(2048), rsa(2048), new Date(now.getTime() - 3600_000));
  const refused = [
    [credential(weak)],
    [credential(expired)],
    [credential(rsaCert), credential(rsaCert)],
    [credential(rsaCert, { usage: 'Sign' })],
    [credential(rsaCert, { type: 'Symmetric' })],
    [{ keyId: '4a3e2b2c-0000-4000-8000-000000000000' }],
    [credential(rsaCert, { keyId: 'not-a-guid' })],
    'not a list',
    Array.from({ length: 17 }, () => credential(rsaCert)),
  ];
  for (const value of refused) assert.throws(() => keyCredentialsFromGraph(value, [], now), (e: unknown) => e instanceof GraphError && e.statusCode === 400, JSON.stringify(value).slice(0, 80));
});

test('any JSON, and damaged certificates, are refused as Graph 400s and nothing else', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => onlyGraphErrors(() => keyCredentialsFromGraph(value, [], now))), { numRuns: 500 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(rsaCert.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(rsaCert.length), (flips, cut) => {
      const damaged = Buffer.from(rsaCert.subarray(0, Math.max(1, cut)));
      for (const [at, byte] of flips) if (at < damaged.length) damaged[at] = byte;
      onlyGraphErrors(() => keyCredentialsFromGraph([credential(damaged)], [], now));
    }),
    { numRuns: 500 },
  );
});
