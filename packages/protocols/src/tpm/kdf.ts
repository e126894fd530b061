/**
 * The two key derivation functions of TPM 2.0 (Part 1 §11.4.10), with SHA-256: KDFa is
 * SP 800-108 in counter mode over HMAC, KDFe is SP 800-56A's concatenation KDF over the
 * ECDH shared secret. Labels are NUL-terminated, as the TPM hashes them.
 */
import { createHash, createHmac } from 'node:crypto';

const SHA256_BYTES = 32;

function label(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'ascii'), Buffer.alloc(1)]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function kdfa(key: Buffer, use: string, contextU: Buffer, contextV: Buffer, bits: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 1; blocks.length * SHA256_BYTES * 8 < bits; counter++) {
    blocks.push(createHmac('sha256', key).update(uint32(counter)).update(label(use)).update(contextU).update(contextV).update(uint32(bits)).digest());
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}

export function kdfe(z: Buffer, use: string, partyU: Buffer, partyV: Buffer, bits: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 1; blocks.length * SHA256_BYTES * 8 < bits; counter++) {
    blocks.push(createHash('sha256').update(uint32(counter)).update(z).update(label(use)).update(partyU).update(partyV).digest());
  }
  return Buffer.concat(blocks).subarray(0, bits / 8);
}
