import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { onlyParseErrors, rejectsWith } from '../testing/assert.js';
import { activateCredential, attestationSignedBy, certifyKey, kdfa, makeCredential, parseAttestationData, tpmName } from './index.js';

const ek = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const aik = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => key.export({ format: 'der', type: 'spki' });
const aikName = tpmName(spki(aik.publicKey));

test('the TPM holding the EK recovers the credential for the key it was bound to', () => {
  const secret = randomBytes(32);
  const made = makeCredential(ek.publicKey, aikName, secret);
  assert.deepEqual(activateCredential(ek.privateKey, aikName, made.credentialBlob, made.secret), secret);
});

test('another key in the same TPM cannot activate the credential', () => {
  const made = makeCredential(ek.publicKey, aikName, randomBytes(32));
  const other = tpmName(spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
  rejectsWith('tpm.integrity', () => activateCredential(ek.privateKey, other, made.credentialBlob, made.secret));
});

test('another TPM (another EK) cannot activate the credential', () => {
  const made = makeCredential(ek.publicKey, aikName, randomBytes(32));
  const otherEk = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  rejectsWith('tpm.integrity', () => activateCredential(otherEk.privateKey, aikName, made.credentialBlob, made.secret));
});

test('every flipped bit of the blob is caught', () => {
  const made = makeCredential(ek.publicKey, aikName, randomBytes(32));
  fc.assert(
    fc.property(fc.nat({ max: made.credentialBlob.length * 8 - 1 }), (bit) => {
      const blob = Buffer.from(made.credentialBlob);
      blob[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => activateCredential(ek.privateKey, aikName, blob, made.secret));
    }),
    { numRuns: 200 },
  );
});

test('KDFa is SP 800-108 counter mode: longer outputs extend shorter ones', () => {
  const key = randomBytes(32);
  const short = kdfa(key, 'STORAGE', Buffer.from('u'), Buffer.alloc(0), 256);
  assert.equal(short.length, 32);
  // The requested length is an input, so a 512-bit output is a different stream.
  assert.notDeepEqual(kdfa(key, 'STORAGE', Buffer.from('u'), Buffer.alloc(0), 512).subarray(0, 32), short);
});

test('hostile blobs and secrets fail with parse errors only', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 140 }), (blob, secret) => {
      onlyParseErrors(() => activateCredential(ek.privateKey, aikName, Buffer.from(blob), Buffer.from(secret)));
    }),
    { numRuns: 300 },
  );
});

test('a point off the curve is refused as a parse error', () => {
  const bad = Buffer.concat([Buffer.from([0, 32]), Buffer.alloc(32, 1), Buffer.from([0, 32]), Buffer.alloc(32, 2)]);
  const made = makeCredential(ek.publicKey, aikName, randomBytes(16));
  rejectsWith('tpm.point', () => activateCredential(ek.privateKey, aikName, made.credentialBlob, bad));
});

test('a certification names the certified key and verifies only under the AIK that made it', () => {
  const device = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const certifiedName = tpmName(spki(device.publicKey));
  const data = certifyKey(aik.privateKey, { qualifiedSigner: aikName, extraData: Buffer.from('nonce'), certifiedName });
  const parsed = parseAttestationData(data);
  assert.deepEqual(parsed.certifiedName, certifiedName);
  assert.deepEqual(parsed.extraData, Buffer.from('nonce'));
  assert.equal(attestationSignedBy(parsed, aik.publicKey), true);
  assert.equal(attestationSignedBy(parsed, createPublicKey(ek.privateKey)), false);
});

test('a tampered certification does not verify', () => {
  const data = certifyKey(aik.privateKey, { qualifiedSigner: aikName, extraData: Buffer.alloc(0), certifiedName: tpmName(Buffer.from('a')) });
  fc.assert(
    fc.property(fc.nat({ max: data.length * 8 - 1 }), (bit) => {
      const copy = Buffer.from(data);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      let verified: boolean;
      try {
        verified = attestationSignedBy(parseAttestationData(copy), aik.publicKey);
      } catch {
        verified = false;
      }
      assert.equal(verified, false);
    }),
    { numRuns: 300 },
  );
});

test('hostile attestation bytes fail with parse errors only', () => {
  const valid = certifyKey(aik.privateKey, { qualifiedSigner: aikName, extraData: Buffer.alloc(4), certifiedName: aikName });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ maxLength: 8 })).map(([at, junk]) => Buffer.concat([valid.subarray(0, at), Buffer.from(junk)])),
      ),
      (bytes) => onlyParseErrors(() => parseAttestationData(bytes)),
    ),
    { numRuns: 400 },
  );
});
