/**
 * The parts of X.509 certificates and PKCS#10 requests Baton reads and writes itself
 * (RFC 5280, RFC 2986): a request split into the bytes its signature covers, its subject and
 * its key; a certificate's subject and key; a TBSCertificate and the signed certificate.
 * Signatures are made and checked by the caller, over the byte ranges these answer.
 */
import { fail } from '../errors.js';
import { bitStringBytes, childrenOf, content, decodeOid, decodeString, readRoot, whole, type DerNode } from './decode.js';
import { TAG, bitString, boolean, explicit, nullValue, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, directoryString } from './encode.js';

export interface NameAttribute {
  oid: string;
  /** The text, for the string types a directory name uses. */
  value?: string;
}

export interface ParsedCertificationRequest {
  /** certificationRequestInfo, the bytes the signature covers. */
  info: Uint8Array;
  subject: NameAttribute[][];
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  signatureAlgorithm: string;
  /** The AlgorithmIdentifier's parameters, if any. */
  signatureParameters?: Uint8Array;
  signature: Uint8Array;
}

export interface CertificateParts {
  tbs: Uint8Array;
  /** The subject Name DER, what a certificate this one issues names as its issuer. */
  subject: Uint8Array;
  spki: Uint8Array;
  /** The subjectPublicKey bits, what key identifiers hash (RFC 5280 §4.2.1.2, method 1). */
  subjectPublicKey: Uint8Array;
}

function readName(bytes: Uint8Array, node: DerNode): NameAttribute[][] {
  if (node.tag !== TAG.sequence) fail('x509.name', 'A Name is a SEQUENCE of RDNs.');
  return childrenOf(bytes, node).map((rdn) => {
    if (rdn.tag !== TAG.set) fail('x509.name', 'An RDN is a SET.');
    const attributes = childrenOf(bytes, rdn);
    if (attributes.length === 0) fail('x509.name', 'An empty RDN.');
    return attributes.map((attribute) => {
      if (attribute.tag !== TAG.sequence) fail('x509.name', 'An attribute is a SEQUENCE.');
      const [type, value, ...rest] = childrenOf(bytes, attribute);
      if (!type || !value || rest.length > 0) fail('x509.name', 'An attribute is a type and one value.');
      const text = decodeString(bytes, value);
      return text === undefined ? { oid: decodeOid(bytes, type) } : { oid: decodeOid(bytes, type), value: text };
    });
  });
}

function readAlgorithm(bytes: Uint8Array, node: DerNode): { algorithm: string; parameters?: Uint8Array } {
  if (node.tag !== TAG.sequence) fail('x509.algorithm', 'An AlgorithmIdentifier is a SEQUENCE.');
  const [algorithm, parameters, ...rest] = childrenOf(bytes, node);
  if (!algorithm || rest.length > 0) fail('x509.algorithm', 'An AlgorithmIdentifier is an OID and at most one parameter.');
  return parameters ? { algorithm: decodeOid(bytes, algorithm), parameters: whole(bytes, parameters) } : { algorithm: decodeOid(bytes, algorithm) };
}

export interface SubjectPublicKeyInfo {
  algorithm: string;
  parameters?: Uint8Array;
  /** The BIT STRING's bytes: the key itself. */
  key: Uint8Array;
}

function readSpki(bytes: Uint8Array, node: DerNode): SubjectPublicKeyInfo {
  if (node.tag !== TAG.sequence) fail('x509.spki', 'A SubjectPublicKeyInfo is a SEQUENCE.');
  const [algorithm, key, ...rest] = childrenOf(bytes, node);
  if (!algorithm || !key || rest.length > 0) fail('x509.spki', 'A SubjectPublicKeyInfo is an algorithm and a key.');
  return { ...readAlgorithm(bytes, algorithm), key: bitStringBytes(bytes, key) };
}

/**
 * A DER SubjectPublicKeyInfo and nothing after it. Read structurally, without OpenSSL: strict
 * DER has one encoding per value, so equal keys are equal bytes.
 */
export function parseSubjectPublicKeyInfo(der: Uint8Array): SubjectPublicKeyInfo {
  return readSpki(der, readRoot(der, TAG.sequence, 'SubjectPublicKeyInfo'));
}

/** Splits a PKCS#10 CertificationRequest; the caller checks the signature over `info`. */
export function parseCertificationRequest(der: Uint8Array): ParsedCertificationRequest {
  const root = readRoot(der, TAG.sequence, 'CertificationRequest');
  const [info, algorithm, signature, ...rest] = childrenOf(der, root);
  if (!info || !algorithm || !signature || rest.length > 0) fail('pkcs10.structure', 'A CertificationRequest is info, algorithm and signature.');
  if (info.tag !== TAG.sequence) fail('pkcs10.structure', 'certificationRequestInfo is a SEQUENCE.');
  const [version, subject, spki, attributes, ...more] = childrenOf(der, info);
  if (!version || !subject || !spki || !attributes || more.length > 0) fail('pkcs10.structure', 'certificationRequestInfo is version, subject, key and attributes.');
  const v = content(der, version);
  if (version.tag !== TAG.integer || v.length !== 1 || v[0] !== 0) fail('pkcs10.version', 'Only version 1 (0) requests are defined.');
  if (attributes.tag !== 0xa0) fail('pkcs10.structure', 'The request attributes are [0] IMPLICIT SET.');
  childrenOf(der, attributes);
  readSpki(der, spki);
  const alg = readAlgorithm(der, algorithm);
  return {
    info: whole(der, info),
    subject: readName(der, subject),
    spki: whole(der, spki),
    signatureAlgorithm: alg.algorithm,
    ...(alg.parameters ? { signatureParameters: alg.parameters } : {}),
    signature: bitStringBytes(der, signature),
  };
}

/** A certificate's subject and key, for issuing under it. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const root = readRoot(der, TAG.sequence, 'Certificate');
  const [tbs] = childrenOf(der, root);
  if (!tbs || tbs.tag !== TAG.sequence) fail('x509.structure', 'A Certificate starts with its TBSCertificate.');
  const fields = childrenOf(der, tbs);
  // version is [0] EXPLICIT and optional (absent means v1)
  const at = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[at + 4];
  const spki = fields[at + 5];
  if (!subject || !spki) fail('x509.structure', 'A TBSCertificate names its subject and key.');
  readName(der, subject);
  return { tbs: whole(der, tbs), subject: whole(der, subject), spki: whole(der, spki), subjectPublicKey: readSpki(der, spki).key };
}

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The extnValue's content: the DER of the extension's own type. */
  value: Uint8Array;
}

/** A certificate's extensions, in order (none for a v1 or v2 certificate). */
export function certificateExtensions(der: Uint8Array): CertificateExtension[] {
  const root = readRoot(der, TAG.sequence, 'Certificate');
  const [tbs] = childrenOf(der, root);
  if (!tbs || tbs.tag !== TAG.sequence) fail('x509.structure', 'A Certificate starts with its TBSCertificate.');
  // extensions is [3] EXPLICIT, after the subject's key and the optional unique ids [1] and [2].
  const wrapper = childrenOf(der, tbs).find((field) => field.tag === 0xa3);
  if (!wrapper) return [];
  const [list, ...rest] = childrenOf(der, wrapper);
  if (!list || list.tag !== TAG.sequence || rest.length > 0) fail('x509.extensions', 'Extensions are a SEQUENCE.');
  return childrenOf(der, list).map((ext) => {
    if (ext.tag !== TAG.sequence) fail('x509.extensions', 'An Extension is a SEQUENCE.');
    const parts = childrenOf(der, ext);
    const critical = parts.length === 3 && parts[1]!.tag === TAG.boolean && content(der, parts[1]!)[0] !== 0;
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!id || !value || parts.length < 2 || parts.length > 3 || value.tag !== TAG.octetString) fail('x509.extensions', 'An Extension is an OID, an optional critical flag and an OCTET STRING.');
    return { oid: decodeOid(der, id), critical, value: content(der, value) };
  });
}

/** RFC 4514's string form, with the short names RFC 4514 and Windows use. */
export function nameToString(name: NameAttribute[][]): string {
  return name
    .map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value === undefined ? '#' : a.value.replace(/([,+"\\<>;=])/g, '\\$1')}`).join('+'))
    .join(', ');
}

export const NAME_OIDS = { commonName: '2.5.4.3' } as const;

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
};

/** A Name of one CN. */
export function commonNameDer(commonName: string): Buffer {
  return sequence(set(sequence(oid(NAME_OIDS.commonName), directoryString(commonName))));
}

export function algorithmIdentifier(algorithm: string, parameters: 'null' | 'absent'): Buffer {
  return parameters === 'null' ? sequence(oid(algorithm), nullValue()) : sequence(oid(algorithm));
}

export function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

export interface TbsCertificate {
  /** Unsigned big-endian bytes. */
  serialNumber: Uint8Array;
  /** AlgorithmIdentifier DER of the signature the issuer will make. */
  signature: Uint8Array;
  /** Name DER. */
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Name DER. */
  subject: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Extension DERs, in order. */
  extensions: Uint8Array[];
}

/** A v3 TBSCertificate. */
export function tbsCertificate(t: TbsCertificate): Buffer {
  return sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(t.serialNumber),
    t.signature,
    t.issuer,
    sequence(time(t.notBefore), time(t.notAfter)),
    t.subject,
    t.spki,
    ...(t.extensions.length > 0 ? [explicit(3, sequence(...t.extensions))] : []),
  );
}

export function signedCertificate(tbs: Uint8Array, signatureAlgorithm: Uint8Array, signature: Uint8Array): Buffer {
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}
