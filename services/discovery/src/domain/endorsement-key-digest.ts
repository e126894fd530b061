/** How a registration's TPM endorsement key is kept: a keyed digest, never the key in clear. */
import type { SecretBox } from '@baton/kit';
import { parseSubjectPublicKeyInfo } from '@baton/protocols';

/** TPM endorsement keys are RSA (TPM 1.2 and 2.0) or elliptic-curve (TPM 2.0). */
const EK_ALGORITHMS = new Set(['1.2.840.113549.1.1.1', '1.2.840.10045.2.1']);

/**
 * The keyed digest of an EK's DER SubjectPublicKeyInfo; undefined when the bytes are not one.
 * Base64 padding and whitespace do not reach the bytes, and strict DER has one encoding per
 * key, so the same key always finds the same row. The structure is read without OpenSSL:
 * decoding and re-exporting each key there cost about 0.27 ms, most of a bulk import's row.
 */
export function endorsementKeyDigest(ekPublicKeyBase64: string, box: SecretBox): string | undefined {
  const der = Buffer.from(ekPublicKeyBase64, 'base64');
  try {
    const spki = parseSubjectPublicKeyInfo(der);
    if (!EK_ALGORITHMS.has(spki.algorithm) || spki.key.length === 0) return undefined;
  } catch {
    return undefined;
  }
  return box.digest(der);
}
