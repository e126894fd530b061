/**
 * A small certificate authority on @peculiar/x509 and WebCrypto: generate a CA, issue
 * a certificate for a fresh key (server TLS) or for a CSR (device and MDM client
 * certificates). Identity's device CA and management's MDM CA are each an instance
 * of this, kept in their own service's storage.
 */
import 'reflect-metadata';
import { webcrypto, createHash, randomBytes, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

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

// A CA signs many certificates with one key: importing it from PEM each time costs more
// than the signature itself, so imported keys and parsed CA certificates are kept, by PEM.
const importedKeys = new Map<string, Promise<{ key: CryptoKey; alg: typeof EC_ALG | typeof RSA_ALG }>>();
const parsedCaCerts = new Map<string, x509.X509Certificate>();
const MAX_CACHED_CAS = 32;

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED_CAS) cache.delete(cache.keys().next().value!);
    value = make();
    cache.set(key, value);
  }
  return value;
}

function importPrivateKey(pem: string): Promise<{ key: CryptoKey; alg: typeof EC_ALG | typeof RSA_ALG }> {
  const pending = remember(importedKeys, pem, () => importPrivateKeyUncached(pem));
  // A failed import is not kept, so a corrected key can be retried.
  pending.catch(() => importedKeys.delete(pem));
  return pending;
}

async function importPrivateKeyUncached(pem: string): Promise<{ key: CryptoKey; alg: typeof EC_ALG | typeof RSA_ALG }> {
  const der = x509.PemConverter.decodeFirst(pem);
  try {
    return { key: await crypto.subtle.importKey('pkcs8', der, EC_ALG, false, ['sign']), alg: EC_ALG };
  } catch {
    return { key: await crypto.subtle.importKey('pkcs8', der, RSA_ALG, false, ['sign']), alg: RSA_ALG };
  }
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // keep it positive in DER
  return bytes.toString('hex');
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
    serialNumber: serialNumber(),
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

/** Signs a public key (from a verified CSR or a fresh key pair) with the CA. */
export async function signPublicKey(ca: KeyAndCert, publicKey: CryptoKey | x509.PublicKey, options: IssueOptions): Promise<string> {
  const caCert = remember(parsedCaCerts, ca.certPem, () => new x509.X509Certificate(ca.certPem));
  const { key: caKey, alg } = await importPrivateKey(ca.keyPem);
  const now = Date.now();
  const sans: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      options.usage === 'aik' ? x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([EXTENDED_KEY_USAGE[options.usage]]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  for (const ext of options.customExtensions ?? []) extensions.push(new x509.Extension(ext.oid, false, ext.value));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${escapeDn(options.commonName)}`,
    issuer: caCert.subject,
    notBefore: new Date(now - 300_000),
    notAfter: new Date(now + options.validityDays * 86400_000),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: alg,
    extensions,
  });
  return cert.toString('pem');
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
  subject: string;
  publicKey: x509.PublicKey;
  keyAlgorithm: string;
  keyBits?: number;
  csr: x509.Pkcs10CertificateRequest;
}

/** Parses a DER or base64 PKCS#10, checks its self-signature and the key's strength. */
export async function verifyCsr(input: string | Uint8Array, minRsaBits = 2048): Promise<VerifiedCsr> {
  let der: Uint8Array<ArrayBuffer>;
  if (typeof input === 'string') {
    const compact = input.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new CsrError('csr.malformed', 'The certificate request is not base64.');
    der = new Uint8Array(Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  } else {
    der = new Uint8Array(input);
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch {
    throw new CsrError('csr.malformed', 'The certificate request is not a PKCS#10 structure.');
  }
  const keyAlgorithm = csr.publicKey.algorithm.name;
  let keyBits: number | undefined;
  if (keyAlgorithm === 'RSASSA-PKCS1-v1_5' || keyAlgorithm === 'RSA-PSS' || keyAlgorithm === 'RSA-OAEP') {
    const key = await csr.publicKey.export(crypto);
    const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    keyBits = bits;
    if (bits < minRsaBits) throw new CsrError('csr.keySize', `RSA keys must be at least ${minRsaBits} bits; got ${keyBits}.`);
  } else if (keyAlgorithm !== 'ECDSA') {
    throw new CsrError('csr.algorithm', `Unsupported key algorithm ${keyAlgorithm}.`);
  }
  const valid = await csr.verify(crypto).catch(() => false);
  if (!valid) throw new CsrError('csr.signature', 'The certificate request signature does not verify.');
  return { subject: csr.subject, publicKey: csr.publicKey, keyAlgorithm, keyBits, csr };
}

/** Uppercase SHA-1 hex of the DER, the thumbprint Windows shows and stores. */
export function thumbprint(certPem: string): string {
  return createHash('sha1').update(new X509Certificate(certPem).raw).digest('hex').toUpperCase();
}

export function certificateDerBase64(certPem: string): string {
  return new X509Certificate(certPem).raw.toString('base64');
}

/** Verifies a certificate was issued by the CA and is within its validity period. */
export function isIssuedBy(certPem: string, caCertPem: string, at = new Date()): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caCertPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    return new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
  } catch {
    return false;
  }
}

export { x509 };
