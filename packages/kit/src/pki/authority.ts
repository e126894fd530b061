/**
 * A small certificate authority: generate a CA (@peculiar/x509), issue a certificate for a
 * fresh key (server TLS) or for a CSR (device and MDM client certificates). Issued
 * certificates are written as DER here and signed with node's crypto, and requests are
 * checked the same way, because the ASN.1 object trees of @peculiar/x509 cost several times
 * the signature. Identity's device CA and management's MDM CA are each an instance of this,
 * kept in their own service's storage.
 */
import 'reflect-metadata';
import { isIPv4, isIPv6 } from 'node:net';
import { webcrypto, createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, KeyObject, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  algorithmIdentifier,
  certificateParts,
  commonNameDer,
  der,
  extension,
  nameToString,
  NAME_OIDS,
  parseCertificationRequest,
  signedCertificate,
  tbsCertificate,
  type ParsedCertificationRequest,
} from '@baton/protocols';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

export type CaKeyAlgorithm = 'EC' | 'RSA';

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA_ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

function algorithmFor(kind: CaKeyAlgorithm) {
  return kind === 'EC' ? EC_ALG : RSA_ALG;
}

function pemOfPkcs8(der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

// A CA signs many certificates with one key and one certificate: parsing either costs more
// than the signature itself, so both are kept, by PEM. Both are immutable for a given PEM.
const signingKeys = new Map<string, SigningKey>();
const issuers = new Map<string, Issuer>();
const MAX_CACHED_CAS = 32;

function remember<V>(cache: Map<string, V>, key: string, make: () => V, max = MAX_CACHED_CAS): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    value = make();
    cache.set(key, value);
  }
  return value;
}

interface SigningKey {
  key: KeyObject;
  /** AlgorithmIdentifier DER of the signatures this key makes. */
  algorithm: Buffer;
}

interface Issuer {
  /** The CA's subject Name DER: the issuer of what it signs. */
  name: Uint8Array;
  /** SHA-1 of the CA's subjectPublicKey, the authority key identifier. */
  keyIdentifier: Buffer;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function signingKey(pem: string): SigningKey {
  return remember(signingKeys, pem, () => {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ec') return { key, algorithm: algorithmIdentifier(ECDSA_WITH_SHA256, 'absent') };
    if (key.asymmetricKeyType === 'rsa') return { key, algorithm: algorithmIdentifier(SHA256_WITH_RSA, 'null') };
    throw new Error(`a CA key must be EC or RSA, not ${key.asymmetricKeyType}`);
  });
}

function issuer(certPem: string): Issuer {
  return remember(issuers, certPem, () => {
    const parts = certificateParts(parsedCertificate(certPem).raw);
    return { name: parts.subject, keyIdentifier: createHash('sha1').update(parts.subjectPublicKey).digest() };
  });
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // keep it positive in DER
  return bytes;
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function generateCertificateAuthority(options: {
  commonName: string;
  organization?: string;
  validityDays: number;
  algorithm?: CaKeyAlgorithm;
}): Promise<KeyAndCert> {
  const alg = algorithmFor(options.algorithm ?? 'EC');
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const name = `CN=${escapeDn(options.commonName)}${options.organization ? `, O=${escapeDn(options.organization)}` : ''}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber().toString('hex'),
    name,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + options.validityDays * 86400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: pemOfPkcs8(pkcs8) };
}

/** TCG EK Credential Profile: tcg-kp-AIKCertificate. */
export const AIK_CERTIFICATE_EKU = '2.23.133.8.3';

const EXTENDED_KEY_USAGE: Record<IssueOptions['usage'], string> = {
  server: x509.ExtendedKeyUsage.serverAuth,
  client: x509.ExtendedKeyUsage.clientAuth,
  aik: AIK_CERTIFICATE_EKU,
};

export interface IssueOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  validityDays: number;
  /** `aik`: a TPM attestation key, which signs TPM structures only (TCG's tcg-kp-AIKCertificate). */
  usage: 'server' | 'client' | 'aik';
  /** Extra non-critical extensions carrying raw DER values, by OID (e.g. Entra's device id OIDs). */
  customExtensions?: Array<{ oid: string; value: Uint8Array<ArrayBuffer> }>;
}

/** Issues a certificate for a newly generated EC key (server TLS). */
export async function issueCertificate(ca: KeyAndCert, options: IssueOptions): Promise<KeyAndCert> {
  const keys = (await crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certPem = await signPublicKey(ca, keys.publicKey, options);
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem, keyPem: pemOfPkcs8(pkcs8) };
}

/** A subject key as callers hold it: WebCrypto, @peculiar/x509, node, or SubjectPublicKeyInfo DER. */
export type SubjectKey = CryptoKey | x509.PublicKey | KeyObject | Uint8Array;

async function spkiOf(publicKey: SubjectKey): Promise<Uint8Array> {
  if (publicKey instanceof Uint8Array) return publicKey;
  if (publicKey instanceof KeyObject) return publicKey.export({ format: 'der', type: 'spki' });
  if (publicKey instanceof x509.PublicKey) return new Uint8Array(publicKey.rawData);
  return new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
}

const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2 } as const;
const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
} as const;

function subjectAltNames(options: IssueOptions): Buffer | undefined {
  const names = [
    ...(options.dnsNames ?? []).map((name) => der.implicitPrimitive(2, Buffer.from(name, 'latin1'))),
    ...(options.ipAddresses ?? []).map((ip) => der.implicitPrimitive(7, ipAddressBytes(ip))),
  ];
  return names.length > 0 ? der.sequence(...names) : undefined;
}

function ipAddressBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  // An embedded IPv4 tail becomes two groups, then "::" expands to the missing zeros.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  const text = v4 ? ip.slice(0, -v4.length) + ipAddressBytes(v4).toString('hex').replace(/^(....)/, '$1:') : ip;
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)];
  return Buffer.concat(all.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

/** PEM as @peculiar/x509 writes it: 64-character lines, no newline after the footer. */
function certificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----`;
}

/** Signs a public key (from a verified CSR or a fresh key pair) with the CA. */
export async function signPublicKey(ca: KeyAndCert, publicKey: SubjectKey, options: IssueOptions): Promise<string> {
  const authority = issuer(ca.certPem);
  const signer = signingKey(ca.keyPem);
  const now = Date.now();
  const keyUsage = options.usage === 'aik' ? [KEY_USAGE_BITS.digitalSignature] : [KEY_USAGE_BITS.digitalSignature, KEY_USAGE_BITS.keyEncipherment];
  const sans = subjectAltNames(options);
  const tbs = tbsCertificate({
    serialNumber: serialNumber(),
    signature: signer.algorithm,
    issuer: authority.name,
    notBefore: new Date(now - 300_000),
    notAfter: new Date(now + options.validityDays * 86400_000),
    subject: commonNameDer(options.commonName),
    spki: await spkiOf(publicKey),
    extensions: [
      extension(OID.basicConstraints, true, der.sequence()),
      extension(OID.keyUsage, true, der.namedBits(keyUsage)),
      extension(OID.extendedKeyUsage, false, der.sequence(der.oid(EXTENDED_KEY_USAGE[options.usage]))),
      extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, authority.keyIdentifier))),
      ...(sans ? [extension(OID.subjectAltName, false, sans)] : []),
      ...(options.customExtensions ?? []).map((ext) => extension(ext.oid, false, ext.value)),
    ],
  });
  // The callback form signs on libuv's thread pool, as WebCrypto did: an RSA signature is a millisecond.
  const signature = await new Promise<Buffer>((resolve, reject) => sign('sha256', tbs, signer.key, (err, sig) => (err ? reject(err) : resolve(sig))));
  return certificatePem(signedCertificate(tbs, signer.algorithm, signature));
}

export class CsrError extends Error {
  constructor(
    readonly code: 'csr.malformed' | 'csr.signature' | 'csr.keySize' | 'csr.algorithm' | 'pkcs7.invalid',
    message: string,
  ) {
    super(message);
    this.name = 'CsrError';
  }
}

export interface VerifiedCsr {
  /** The subject in RFC 4514 form, e.g. `CN=device`. */
  subject: string;
  /** The values of the subject's CN attributes, in order. */
  commonNames: string[];
  publicKey: KeyObject;
  /** The request's SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  keyAlgorithm: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA';
  keyBits?: number;
}

/** The signature algorithms a request may be signed with, by OID: hash and key type. */
const CSR_SIGNATURES: Record<string, { hash: string; key: 'rsa' | 'ec' }> = {
  '1.2.840.113549.1.1.5': { hash: 'sha1', key: 'rsa' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', key: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', key: 'ec' },
};

const CSR_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Parses a DER or base64 PKCS#10, checks its self-signature and the key's strength. */
export async function verifyCsr(input: string | Uint8Array, minRsaBits = 2048): Promise<VerifiedCsr> {
  let der: Uint8Array;
  if (typeof input === 'string') {
    const compact = input.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new CsrError('csr.malformed', 'The certificate request is not base64.');
    der = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  } else {
    der = input;
  }
  let csr: ParsedCertificationRequest;
  let publicKey: KeyObject;
  try {
    csr = parseCertificationRequest(der);
    publicKey = createPublicKey({ key: Buffer.from(csr.spki), format: 'der', type: 'spki' });
  } catch {
    throw new CsrError('csr.malformed', 'The certificate request is not a PKCS#10 structure.');
  }
  let keyAlgorithm: VerifiedCsr['keyAlgorithm'];
  let keyBits: number | undefined;
  const type = publicKey.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    keyAlgorithm = type === 'rsa' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS';
    keyBits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (keyBits < minRsaBits) throw new CsrError('csr.keySize', `RSA keys must be at least ${minRsaBits} bits; got ${keyBits}.`);
  } else if (type === 'ec' && CSR_CURVES.has(publicKey.asymmetricKeyDetails?.namedCurve ?? '')) {
    keyAlgorithm = 'ECDSA';
  } else {
    throw new CsrError('csr.algorithm', `Unsupported key algorithm ${type ?? 'unknown'}.`);
  }
  const scheme = CSR_SIGNATURES[csr.signatureAlgorithm];
  // RSA signatures carry NULL parameters or none; ECDSA ones none.
  const parametersOk = !csr.signatureParameters || (scheme?.key === 'rsa' && csr.signatureParameters.length === 2 && csr.signatureParameters[0] === 0x05 && csr.signatureParameters[1] === 0);
  if (!scheme || !parametersOk) throw new CsrError('csr.algorithm', `Unsupported signature algorithm ${csr.signatureAlgorithm}.`);
  const valid =
    scheme.key === (type === 'ec' ? 'ec' : 'rsa') &&
    (await new Promise<boolean>((resolve) => verify(scheme.hash, csr.info, publicKey, csr.signature, (err, ok) => resolve(!err && ok))));
  if (!valid) throw new CsrError('csr.signature', 'The certificate request signature does not verify.');
  const commonNames = csr.subject.flat().flatMap((a) => (a.oid === NAME_OIDS.commonName && a.value !== undefined ? [a.value] : []));
  return { subject: nameToString(csr.subject), commonNames, publicKey, spki: csr.spki, keyAlgorithm, ...(keyBits !== undefined ? { keyBits } : {}) };
}

// One request reads the same certificate several times (its thumbprint, its DER, its issuer),
// and the CA's on every request: parsed certificates are kept by PEM, which fixes their content.
const parsedCertificates = new Map<string, X509Certificate>();
const MAX_PARSED_CERTIFICATES = 256;

function parsedCertificate(pem: string): X509Certificate {
  return remember(parsedCertificates, pem, () => new X509Certificate(pem), MAX_PARSED_CERTIFICATES);
}

/** Uppercase SHA-1 hex of the DER, the thumbprint Windows shows and stores. */
export function thumbprint(certPem: string): string {
  return createHash('sha1').update(parsedCertificate(certPem).raw).digest('hex').toUpperCase();
}

export function certificateDerBase64(certPem: string): string {
  return parsedCertificate(certPem).raw.toString('base64');
}

/** Verifies a certificate was issued by the CA and is within its validity period. */
export function isIssuedBy(certPem: string, caCertPem: string, at = new Date()): boolean {
  try {
    const cert = parsedCertificate(certPem);
    const ca = parsedCertificate(caCertPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    return new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
  } catch {
    return false;
  }
}

export { x509 };
