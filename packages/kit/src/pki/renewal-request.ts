/**
 * The PKCS#7 (CMS SignedData, RFC 5652) that carries an MS-WSTEP renewal request: the
 * device's new PKCS#10, signed with the key of the certificate being renewed. Windows
 * automatic renewal puts the DER PKCS#10 in eContent; manual renewal base64-encodes it once
 * more (Microsoft Learn, "Certificate Renewal"); both are read.
 *
 * `openRenewalRequest` checks the one signature that matters, against the certificate the
 * caller already trusts (the one the device presented on TLS), not against certificates
 * the message carries: a request signed by any other key is refused. With signed
 * attributes, the signature covers them and their messageDigest must match the content.
 */
import { createHash, sign as nodeSign, verify as nodeVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { Attribute, ContentInfo, EncapsulatedContent, EncapsulatedContentInfo, IssuerAndSerialNumber, SignedData, SignerIdentifier, SignerInfo, SignerInfos, DigestAlgorithmIdentifiers, id_data, id_signedData } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Name } from '@peculiar/asn1-x509';
import { CsrError } from './authority.js';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
} as const;

const DIGESTS: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const SIGNATURES = new Set<string>([OID.rsaEncryption, OID.sha256WithRsa, OID.sha384WithRsa, OID.sha512WithRsa, OID.ecdsaSha256, OID.ecdsaSha384]);

/** DER of the id-data OBJECT IDENTIFIER (1.2.840.113549.1.7.1), the contentType attribute's value. */
const ID_DATA_DER = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);

/** Largest PKCS#7 accepted: a CSR and a certificate chain are a few KiB. */
const MAX_BYTES = 64 * 1024;

const bad = (message: string) => new CsrError('pkcs7.invalid', message);

function decode(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return input;
  const compact = input.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw bad('The renewal request is not base64.');
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/**
 * Verifies that `signerCertPem`'s key signed the renewal request and returns the PKCS#10
 * inside (DER). Throws CsrError for anything else, never another error.
 */
export function openRenewalRequest(input: string | Uint8Array, signerCertPem: string | X509Certificate): Uint8Array {
  const der = decode(input);
  if (der.length > MAX_BYTES) throw bad('The renewal request is too large.');
  let signed: SignedData;
  try {
    const info = AsnConvert.parse(der, ContentInfo);
    if (info.contentType !== id_signedData) throw bad('The renewal request is not CMS SignedData.');
    signed = AsnConvert.parse(info.content, SignedData);
  } catch (error) {
    if (error instanceof CsrError) throw error;
    throw bad('The renewal request is not a PKCS#7 structure.');
  }
  const content = signed.encapContentInfo.eContent?.single?.buffer;
  if (!content) throw bad('The renewal request carries no content.');
  const contentBytes = Buffer.from(content);
  if (signed.signerInfos.length !== 1) throw bad('The renewal request must have exactly one signer.');
  const signer = signed.signerInfos[0]!;
  const hash = DIGESTS[signer.digestAlgorithm.algorithm];
  if (!hash) throw bad('The renewal request uses an unsupported digest algorithm.');
  if (!SIGNATURES.has(signer.signatureAlgorithm.algorithm)) throw bad('The renewal request uses an unsupported signature algorithm.');

  let signedBytes: Buffer = contentBytes;
  if (signer.signedAttrs && signer.signedAttrs.length > 0) {
    const digest = signer.signedAttrs.find((a) => a.attrType === OID.messageDigest)?.attrValues[0];
    let stated: Buffer | undefined;
    try {
      stated = digest ? Buffer.from(AsnConvert.parse(digest, OctetString).buffer) : undefined;
    } catch {
      stated = undefined;
    }
    if (!stated || !stated.equals(createHash(hash).update(contentBytes).digest())) throw bad('The renewal request content does not match its signed digest.');
    // The signature covers the attributes DER-encoded as a SET, not as the [0] they travel in.
    signedBytes = Buffer.from(signedAttributesDer(der));
    signedBytes[0] = 0x31;
  }
  let key: KeyObject;
  try {
    key = (typeof signerCertPem === 'string' ? new X509Certificate(signerCertPem) : signerCertPem).publicKey;
  } catch {
    throw bad('The signer certificate cannot be read.');
  }
  let ok: boolean;
  try {
    ok = nodeVerify(hash, signedBytes, key, Buffer.from(signer.signature.buffer));
  } catch {
    ok = false;
  }
  if (!ok) throw bad('The renewal request is not signed by the certificate being renewed.');
  return csrBytes(contentBytes);
}

interface Tlv {
  tag: number;
  /** Whole element, header included. */
  start: number;
  /** First content byte, and the end of the content. */
  body: number;
  end: number;
}

/** One DER element at `at`, bounded by `limit`; definite lengths only, as DER requires. */
function tlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw bad('Truncated DER.');
  const tag = der[at]!;
  let length = der[at + 1]!;
  let body = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 3 || body + bytes > limit) throw bad('Unsupported DER length.');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[body + i]!;
    body += bytes;
  }
  if (body + length > limit) throw bad('Truncated DER.');
  return { tag, start: at, body, end: body + length };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const element = tlv(der, at, parent.end);
    out.push(element);
    at = element.end;
  }
  return out;
}

/** The [0] signed attributes of a SignerInfo (DER), as they are encoded. */
function signerAttributes(signerInfo: Uint8Array): Uint8Array {
  const attrs = children(signerInfo, tlv(signerInfo, 0, signerInfo.length)).find((c) => c.tag === 0xa0);
  if (!attrs) throw bad('The signer has no signed attributes.');
  return signerInfo.subarray(attrs.start, attrs.end);
}

/** ContentInfo → [0] → SignedData → signerInfos (the last SET) → its one SignerInfo → [0]. */
function signedAttributesDer(der: Uint8Array): Uint8Array {
  const info = tlv(der, 0, der.length);
  const explicit = children(der, info)[1];
  if (!explicit) throw bad('The renewal request has no content.');
  const signedData = children(der, explicit)[0];
  if (!signedData) throw bad('The renewal request has no SignedData.');
  const signerInfos = children(der, signedData).at(-1);
  const signerInfo = signerInfos && children(der, signerInfos)[0];
  if (!signerInfo) throw bad('The renewal request has no signer.');
  return signerAttributes(der.subarray(signerInfo.start, signerInfo.end));
}

/** DER PKCS#10 (starts with a SEQUENCE), or the same base64-encoded once more (manual renewal). */
function csrBytes(content: Buffer): Uint8Array {
  if (content[0] === 0x30) return new Uint8Array(content);
  const text = content.toString('latin1');
  return decode(text);
}

/**
 * The device side: wraps a PKCS#10 (DER) in SignedData signed with the current certificate's
 * key (PEM PKCS#8), with contentType and messageDigest signed attributes, SHA-256. Base64.
 */
export function signRenewalRequest(csrDer: Uint8Array, signerCertPem: string, signerKeyPem: string): string {
  const x509 = new X509Certificate(signerCertPem);
  const cert = AsnConvert.parse(x509.raw, Certificate);
  const isEc = x509.publicKey.asymmetricKeyType === 'ec';
  const digest = createHash('sha256').update(csrDer).digest();
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer as Name, serialNumber: cert.tbsCertificate.serialNumber }) }),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
    signedAttrs: [
      new Attribute({ attrType: OID.contentType, attrValues: [ID_DATA_DER.buffer.slice(0) as ArrayBuffer] }),
      new Attribute({ attrType: OID.messageDigest, attrValues: [AsnConvert.serialize(new OctetString(digest))] }),
    ],
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: isEc ? OID.ecdsaSha256 : OID.rsaEncryption, ...(isEc ? {} : { parameters: null }) }),
    signature: new OctetString(new Uint8Array(0)),
  });
  // The signature covers the attributes exactly as encoded in the message, re-tagged as a SET.
  const attrsDer = Buffer.from(signerAttributes(new Uint8Array(AsnConvert.serialize(signerInfo))));
  attrsDer[0] = 0x31;
  signerInfo.signature = new OctetString(nodeSign('sha256', attrsDer, signerKeyPem));
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: OID.sha256 })]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data, eContent: new EncapsulatedContent({ single: new OctetString(csrDer) }) }),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const info = new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) });
  return Buffer.from(AsnConvert.serialize(info)).toString('base64');
}
