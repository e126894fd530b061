/**
 * TPM2_Certify's output as MS-DVRJ's `AttestationData` carries it: a TPMS_ATTEST of type
 * TPM_ST_ATTEST_CERTIFY naming the certified key, followed by the attestation key's
 * TPMT_SIGNATURE (ECDSA P-256, SHA-256) over it (TPM 2.0 Part 2 §10.12, §11.3). A TPM signs
 * TPMS_ATTEST only with TPM_GENERATED_VALUE in front, and a restricted key such as the AIK
 * refuses to sign anything that starts with it: so a verified certification says the
 * named key was made inside the TPM.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { fail } from '../errors.js';
import { TPM_ALG_SHA256 } from './name.js';
import { TpmReader, tpm2b, uint16 } from './wire.js';

export const TPM_GENERATED_VALUE = 0xff544347;
export const TPM_ST_ATTEST_CERTIFY = 0x8017;
const TPM_ALG_ECDSA = 0x0018;
const P256_SCALAR = 32;
const CLOCK_INFO_BYTES = 17;
const FIRMWARE_VERSION_BYTES = 8;
/** An attestation is a few hundred bytes; refuse to read anything much larger. */
export const MAX_ATTESTATION_BYTES = 4096;

export interface CertifyInfo {
  /** Name of the attestation key that signed. */
  qualifiedSigner: Buffer;
  /** Caller's qualifying data (a nonce or a binding). */
  extraData: Buffer;
  /** Name of the certified key. */
  certifiedName: Buffer;
}

export function encodeCertifyAttest(info: CertifyInfo): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt32BE(TPM_GENERATED_VALUE);
  header.writeUInt16BE(TPM_ST_ATTEST_CERTIFY, 4);
  return Buffer.concat([
    header,
    tpm2b(info.qualifiedSigner),
    tpm2b(info.extraData),
    Buffer.alloc(CLOCK_INFO_BYTES + FIRMWARE_VERSION_BYTES),
    tpm2b(info.certifiedName),
    tpm2b(info.certifiedName),
  ]);
}

function unpad(scalar: Buffer): Buffer {
  let i = 0;
  while (i < scalar.length - 1 && scalar[i] === 0) i++;
  return scalar.subarray(i);
}

function leftPad(scalar: Buffer): Buffer {
  if (scalar.length > P256_SCALAR) fail('tpm.signature', 'an ECDSA scalar is longer than 32 bytes');
  return Buffer.concat([Buffer.alloc(P256_SCALAR - scalar.length), scalar]);
}

/** What the TPM does for TPM2_Certify: sign the certify structure with the attestation key. */
export function certifyKey(aikPrivate: KeyObject, info: CertifyInfo): Buffer {
  const attest = encodeCertifyAttest(info);
  const signature = sign('sha256', attest, { key: aikPrivate, dsaEncoding: 'ieee-p1363' });
  return Buffer.concat([
    tpm2b(attest),
    uint16(TPM_ALG_ECDSA),
    uint16(TPM_ALG_SHA256),
    tpm2b(unpad(signature.subarray(0, P256_SCALAR))),
    tpm2b(unpad(signature.subarray(P256_SCALAR))),
  ]);
}

export interface ParsedAttestation extends CertifyInfo {
  attest: Buffer;
  /** r || s, 64 bytes. */
  signature: Buffer;
}

export function parseAttestationData(data: Buffer): ParsedAttestation {
  if (data.length > MAX_ATTESTATION_BYTES) fail('tpm.size', 'the attestation is too large');
  const outer = new TpmReader(data, 'the attestation');
  const attest = outer.sized();
  if (outer.uint16() !== TPM_ALG_ECDSA) fail('tpm.signature', 'the attestation is not signed with ECDSA');
  if (outer.uint16() !== TPM_ALG_SHA256) fail('tpm.signature', 'the attestation signature does not use SHA-256');
  const r = leftPad(outer.sized());
  const s = leftPad(outer.sized());
  outer.end();

  const inner = new TpmReader(attest, 'TPMS_ATTEST');
  if (inner.uint32() !== TPM_GENERATED_VALUE) fail('tpm.magic', 'TPMS_ATTEST does not start with TPM_GENERATED_VALUE');
  if (inner.uint16() !== TPM_ST_ATTEST_CERTIFY) fail('tpm.type', 'the attestation is not a key certification');
  const qualifiedSigner = inner.sized();
  const extraData = inner.sized();
  inner.raw(CLOCK_INFO_BYTES + FIRMWARE_VERSION_BYTES);
  const certifiedName = inner.sized();
  inner.sized();
  inner.end();
  return { attest, signature: Buffer.concat([r, s]), qualifiedSigner, extraData, certifiedName };
}

/** True when the attestation key signed this certification. */
export function attestationSignedBy(parsed: ParsedAttestation, aikPublic: KeyObject): boolean {
  try {
    return verify('sha256', parsed.attest, { key: aikPublic, dsaEncoding: 'ieee-p1363' }, parsed.signature);
  } catch {
    return false;
  }
}
