/**
 * TPM2_MakeCredential and TPM2_ActivateCredential for an ECC P-256 endorsement key (TPM 2.0
 * Part 1 §24, Part 3 §12.5–12.6). The verifier encrypts a secret so that only the TPM holding
 * the EK's private key can recover it, and only for the object whose name the verifier bound
 * in: the TPM refuses to activate the credential for any other key. That is the proof that the
 * attestation key lives in the same TPM as the EK.
 *
 *   seed      = KDFe(ECDH(ephemeral, EK), "IDENTITY", ephemeral.x, EK.x)
 *   symKey    = KDFa(seed, "STORAGE", name)          AES-128-CFB, zero IV
 *   hmacKey   = KDFa(seed, "INTEGRITY")
 *   blob      = TPM2B(HMAC(hmacKey, encIdentity || name)) || encIdentity
 *   secret    = TPMS_ECC_POINT of the ephemeral public key
 */
import { createCipheriv, createDecipheriv, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { fail, ProtocolParseError } from '../errors.js';
import { kdfa, kdfe } from './kdf.js';
import { TpmReader, tpm2b } from './wire.js';

const P256_COORDINATE = 32;
const AES128_BITS = 128;
const ZERO_IV = Buffer.alloc(16);
/** TPM2B_DIGEST limit for a SHA-256 TPM: a credential is at most one digest long. */
export const MAX_CREDENTIAL_BYTES = 32;

export interface MadeCredential {
  /** TPM2B_ID_OBJECT's content: integrity HMAC and the encrypted credential. */
  credentialBlob: Buffer;
  /** TPM2B_ENCRYPTED_SECRET's content: the ephemeral ECC point. */
  secret: Buffer;
}

interface Point {
  x: Buffer;
  y: Buffer;
}

function pointOf(key: KeyObject): Point {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new TypeError('the endorsement key must be an ECC P-256 key');
  return { x: Buffer.from(jwk.x, 'base64url'), y: Buffer.from(jwk.y, 'base64url') };
}

function marshalPoint(p: Point): Buffer {
  return Buffer.concat([tpm2b(p.x), tpm2b(p.y)]);
}

function unmarshalPoint(secret: Buffer): KeyObject {
  const reader = new TpmReader(secret, 'the encrypted secret');
  const x = reader.sized();
  const y = reader.sized();
  reader.end();
  if (x.length !== P256_COORDINATE || y.length !== P256_COORDINATE) fail('tpm.point', 'the ephemeral point is not a P-256 point');
  try {
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') }, format: 'jwk' });
  } catch {
    return fail('tpm.point', 'the ephemeral point is not on P-256');
  }
}

function keys(seed: Buffer, name: Buffer) {
  return { symKey: kdfa(seed, 'STORAGE', name, Buffer.alloc(0), AES128_BITS), hmacKey: kdfa(seed, 'INTEGRITY', Buffer.alloc(0), Buffer.alloc(0), 256) };
}

function integrity(hmacKey: Buffer, encIdentity: Buffer, name: Buffer): Buffer {
  return createHmac('sha256', hmacKey).update(encIdentity).update(name).digest();
}

export function makeCredential(ekPublic: KeyObject, objectName: Buffer, credential: Buffer): MadeCredential {
  if (credential.length === 0 || credential.length > MAX_CREDENTIAL_BYTES) throw new RangeError(`a credential is 1 to ${MAX_CREDENTIAL_BYTES} bytes`);
  const ek = pointOf(ekPublic);
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const eph = pointOf(ephemeral.publicKey);
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: ekPublic });
  const seed = kdfe(z, 'IDENTITY', eph.x, ek.x, 256);
  const { symKey, hmacKey } = keys(seed, objectName);
  const cipher = createCipheriv('aes-128-cfb', symKey, ZERO_IV);
  const encIdentity = Buffer.concat([cipher.update(tpm2b(credential)), cipher.final()]);
  return { credentialBlob: Buffer.concat([tpm2b(integrity(hmacKey, encIdentity, objectName)), encIdentity]), secret: marshalPoint(eph) };
}

/**
 * What the TPM does: recovers the credential with the EK's private key, for the object named
 * `objectName` only. Anything else (another object, another EK, a tampered blob) fails the
 * integrity check and yields nothing.
 */
export function activateCredential(ekPrivate: KeyObject, objectName: Buffer, credentialBlob: Buffer, secret: Buffer): Buffer {
  const ephemeral = unmarshalPoint(secret);
  const reader = new TpmReader(credentialBlob, 'the credential blob');
  const hmac = reader.sized();
  const encIdentity = credentialBlob.subarray(2 + hmac.length);
  if (encIdentity.length < 3) fail('tpm.truncated', 'the credential blob holds no encrypted credential');
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey: ekPrivate, publicKey: ephemeral });
  } catch (error) {
    throw new ProtocolParseError('tpm.point', `the ephemeral point does not agree with the endorsement key (${error instanceof Error ? error.message : 'ECDH'})`);
  }
  const ek = pointOf(ekPrivate);
  const seed = kdfe(z, 'IDENTITY', pointOf(ephemeral).x, ek.x, 256);
  const { symKey, hmacKey } = keys(seed, objectName);
  const expected = integrity(hmacKey, encIdentity, objectName);
  if (hmac.length !== expected.length || !timingSafeEqual(hmac, expected)) fail('tpm.integrity', 'the credential was not made for this key in this TPM');
  const decipher = createDecipheriv('aes-128-cfb', symKey, ZERO_IV);
  const identity = new TpmReader(Buffer.concat([decipher.update(encIdentity), decipher.final()]), 'the credential');
  const value = identity.sized();
  identity.end();
  return value;
}
