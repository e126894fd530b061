/**
 * Certificate credentials: Graph's keyCredentials of type AsymmetricX509Cert with usage Verify,
 * the public certificate an application signs its client assertions with (what
 * `Connect-MgGraph -CertificateThumbprint` and MSAL's `clientCertificate` use). Each is kept as
 * a public JWK among the client's keys, with the certificate's SHA-1 and SHA-256 thumbprints
 * (`x5t`, `x5t#S256`: the headers such an assertion names its key by) and its validity.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { identityGraphErrors } from '../errors.js';
import { isGuid, nameGuid } from './ids.js';

export const MAX_KEY_CREDENTIALS = 16;

/** What Graph shows of a certificate credential; the certificate itself is not shown again. */
export interface KeyCredentialView {
  keyId: string;
  displayName: string | null;
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
}

/** A stored client key: the JWK's public members, how assertions name it, and its Graph view. */
export interface CertificateKey {
  kid: string;
  kty: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  x5t: string;
  'x5t#S256': string;
  credential: KeyCredentialView;
}

/** The certificate as Graph's `key` carries it: base64 of the DER, or of a PEM file. */
function certificateOf(key: unknown): X509Certificate {
  if (typeof key !== 'string' || key.length === 0 || key.length > 64 * 1024) throw identityGraphErrors.invalidValue("Property 'key' must be the certificate, base64-encoded.");
  const bytes = Buffer.from(key, 'base64');
  const pem = bytes.subarray(0, 32).toString('latin1').includes('-----BEGIN');
  try {
    return new X509Certificate(pem ? bytes.toString('latin1') : bytes);
  } catch {
    throw identityGraphErrors.invalidValue("Property 'key' is not an X.509 certificate (DER or PEM, base64-encoded).");
  }
}

/** What the certificate says about its key and validity; a certificate that parses can still be nonsense. */
function certificateFacts(cert: X509Certificate) {
  try {
    const publicKey = cert.publicKey;
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
    return { publicKey, details: publicKey.asymmetricKeyDetails ?? {}, jwk: publicKey.export({ format: 'jwk' }), startDateTime: new Date(from).toISOString(), endDateTime: new Date(to).toISOString() };
  } catch {
    return undefined;
  }
}

function certificateKey(cert: X509Certificate, displayName: string | null, keyId: string | undefined, now: Date): CertificateKey {
  const facts = certificateFacts(cert);
  if (!facts) throw identityGraphErrors.invalidValue("Property 'key' is a certificate whose key or validity cannot be read.");
  const { publicKey, details, jwk, startDateTime, endDateTime } = facts;
  const strongEnough =
    (publicKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) ||
    (publicKey.asymmetricKeyType === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1'));
  if (!strongEnough) throw identityGraphErrors.invalidValue('The certificate must carry an RSA key of at least 2048 bits or an EC P-256 or P-384 key.');
  if (Date.parse(endDateTime) <= now.getTime()) throw identityGraphErrors.invalidValue(`The certificate expired on ${endDateTime}.`);
  const der = cert.raw;
  const sha1 = createHash('sha1').update(der).digest();
  const x5tS256 = createHash('sha256').update(der).digest('base64url');
  return {
    kid: sha1.toString('base64url'),
    kty: jwk.kty!,
    ...(jwk.n ? { n: jwk.n, e: jwk.e } : { crv: jwk.crv, x: jwk.x, y: jwk.y }),
    x5t: sha1.toString('base64url'),
    'x5t#S256': x5tS256,
    credential: {
      keyId: keyId ?? nameGuid(`key:${x5tS256}`),
      displayName,
      // Graph's customKeyIdentifier for an uploaded certificate: its SHA-1 thumbprint.
      customKeyIdentifier: sha1.toString('base64'),
      startDateTime,
      endDateTime,
    },
  };
}

/**
 * Graph's PATCH of `keyCredentials` sets the whole list: an entry with a `key` adds that
 * certificate; one with only the `keyId` of a credential the application has keeps it; the
 * rest are removed.
 */
export function keyCredentialsFromGraph(value: unknown, existing: readonly CertificateKey[], now: Date): CertificateKey[] {
  if (!Array.isArray(value)) throw identityGraphErrors.invalidValue("Property 'keyCredentials' must be an array.");
  if (value.length > MAX_KEY_CREDENTIALS) throw identityGraphErrors.invalidValue(`An application holds at most ${MAX_KEY_CREDENTIALS} key credentials.`);
  const out: CertificateKey[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw identityGraphErrors.invalidValue("Each of 'keyCredentials' must be an object.");
    const e = entry as Record<string, unknown>;
    const keyId = typeof e.keyId === 'string' && isGuid(e.keyId) ? e.keyId.toLowerCase() : undefined;
    if (e.keyId !== undefined && e.keyId !== null && !keyId) throw identityGraphErrors.invalidValue("A key credential's 'keyId' must be a GUID.");
    if (e.key === undefined || e.key === null) {
      const kept = existing.find((k) => k.credential.keyId === keyId);
      if (!kept) throw identityGraphErrors.invalidValue(`A key credential needs its 'key' (the certificate), or the keyId of one the application has${keyId ? `; it has none with '${keyId}'` : ''}.`);
      out.push(kept);
      continue;
    }
    if (e.type !== 'AsymmetricX509Cert') throw identityGraphErrors.invalidValue("A key credential's 'type' must be 'AsymmetricX509Cert'.");
    if (e.usage !== 'Verify') throw identityGraphErrors.invalidValue("A key credential's 'usage' must be 'Verify': the application signs, Baton verifies.");
    const displayName = typeof e.displayName === 'string' ? e.displayName.slice(0, 256) : null;
    out.push(certificateKey(certificateOf(e.key), displayName, keyId, now));
  }
  const kids = new Set(out.map((k) => k.kid));
  const keyIds = new Set(out.map((k) => k.credential.keyId));
  if (kids.size !== out.length || keyIds.size !== out.length) throw identityGraphErrors.invalidValue('The same certificate or keyId appears twice in keyCredentials.');
  return out;
}

function isCertificateKey(key: object): key is CertificateKey {
  return 'credential' in key && typeof (key as CertificateKey).x5t === 'string';
}

/**
 * A client's stored keys (JSON text), split into Graph's certificate credentials and the JWKs
 * registered in configuration, which are not Graph's to list or replace.
 */
export function splitClientKeys(stored: readonly string[]): { certificates: CertificateKey[]; configured: Array<{ kid: string; jwk: string }> } {
  const certificates: CertificateKey[] = [];
  const configured: Array<{ kid: string; jwk: string }> = [];
  for (const jwk of stored) {
    const key = JSON.parse(jwk) as { kid: string };
    if (isCertificateKey(key)) certificates.push(key);
    else configured.push({ kid: key.kid, jwk });
  }
  return { certificates, configured };
}

export function graphKeyCredential(key: CertificateKey) {
  return { ...key.credential, type: 'AsymmetricX509Cert', usage: 'Verify', key: null };
}
