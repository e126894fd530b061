import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { createSecretBox } from '@baton/kit';
import { endorsementKeyDigest } from './endorsement-key-digest.js';

const box = createSecretBox(randomBytes(32), 'discovery');
const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => key.export({ format: 'der', type: 'spki' });

test('an EK digests as OpenSSL re-exports it, so registrations stored before still match', () => {
  const keys = [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey];
  for (const key of keys) {
    const der = spki(key);
    const canonical = createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
    assert.equal(endorsementKeyDigest(der.toString('base64'), box), box.digest(canonical));
  }
});

test('base64 line breaks and missing padding find the same key', () => {
  const der = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const plain = der.toString('base64');
  const wrapped = plain.replace(/(.{20})/g, '$1\r\n').replace(/=+$/, '');
  assert.equal(endorsementKeyDigest(wrapped, box), endorsementKeyDigest(plain, box));
});

test('what is not an RSA or EC public key has no digest', () => {
  const der = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  const ed25519 = spki(generateKeyPairSync('ed25519').publicKey);
  for (const bytes of [Buffer.concat([der, Buffer.from([0])]), der.subarray(0, der.length - 1), ed25519, Buffer.from('not a key'), Buffer.alloc(0)]) {
    assert.equal(endorsementKeyDigest(bytes.toString('base64'), box), undefined);
  }
});

test('hostile EK text is a digest or nothing, never a throw', () => {
  const der = spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')), fc.nat(der.length - 1).chain((at) => fc.integer({ min: 0, max: 255 }).map((v) => { const bad = Buffer.from(der); bad[at] = v; return bad.toString('base64'); }))), (text) => {
      const digest = endorsementKeyDigest(text, box);
      assert.ok(digest === undefined || /^[\w-]{43}$/.test(digest));
    }),
  );
});
