/**
 * A TPM object's name: its name algorithm (TPM_ALG_SHA256 = 0x000B) followed by the hash of
 * its public area. Baton's keys have no TPMT_PUBLIC, so the name hashes the key's DER
 * SubjectPublicKeyInfo instead; both sides compute it the same way, which is what binds a
 * credential or a certification to exactly one key.
 */
import { createHash } from 'node:crypto';

export const TPM_ALG_SHA256 = 0x000b;

export function tpmName(spkiDer: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x00, TPM_ALG_SHA256]), createHash('sha256').update(spkiDer).digest()]);
}
