/**
 * private_key_jwt client authentication (RFC 7523 §2.2, OIDC Core §9): a JWT the client
 * signs with a key it registered: a JWK, or a certificate uploaded as a Graph keyCredential.
 * The key must be one of the client's own; the header may only say which (kid, or a
 * certificate's x5t / x5t#S256, as MSAL sends), and the algorithm must be one the key
 * allows. A certificate outside its validity signs nothing; each assertion works once.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK, type ProtectedHeaderParameters } from 'jose';
import { oauthErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import { hashCode } from './codes.js';
import type { IdentityDeps } from './deps.js';
import type { CertificateKey } from './key-credentials.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256'];
const MAX_LIFETIME_S = 600;
// MSAL sets exp to iat + 600 with iat rounded to the nearest second, and clocks differ: the
// same tolerance as for exp and nbf.
const CLOCK_TOLERANCE_S = 60;

type StoredKey = JWK & { kid: string; credential?: CertificateKey['credential'] };

/** Which of the client's keys the header names; a header that names none means the first. */
function namedBy(header: ProtectedHeaderParameters, key: StoredKey): boolean {
  if (header.kid !== undefined) return key.kid === header.kid;
  if (header.x5t !== undefined) return key.x5t === header.x5t;
  const s256 = (header as Record<string, unknown>)['x5t#S256'];
  if (s256 !== undefined) return key['x5t#S256'] === s256;
  return true;
}

/** A JWK registered with its alg takes that one; a certificate's key, what its type allows. */
function algorithmsOf(key: StoredKey): string[] {
  if (key.alg) return ALGORITHMS.includes(key.alg) ? [key.alg] : [];
  if (key.kty === 'RSA') return ['RS256', 'PS256'];
  if (key.kty === 'EC' && key.crv === 'P-256') return ['ES256'];
  if (key.kty === 'EC' && key.crv === 'P-384') return ['ES384'];
  return [];
}

function publicMembers(key: StoredKey): JWK {
  return key.kty === 'RSA' ? { kty: key.kty, n: key.n, e: key.e } : { kty: key.kty, crv: key.crv, x: key.x, y: key.y };
}

/** Verifies the assertion and returns the client id it authenticates. */
export async function verifyClientAssertion(deps: IdentityDeps, tenant: TenantRecord, assertion: string, assertionType: string | undefined): Promise<string> {
  if (assertionType !== CLIENT_ASSERTION_TYPE) throw oauthErrors.malformed(`client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`);
  let clientId: string;
  let header: ProtectedHeaderParameters;
  try {
    const claims = decodeJwt(assertion);
    header = decodeProtectedHeader(assertion);
    if (typeof claims.sub !== 'string' || claims.iss !== claims.sub) throw new Error('iss and sub must both be the client id');
    clientId = claims.sub.toLowerCase();
  } catch {
    throw oauthErrors.invalidClientAssertion('The client assertion is not a JWT whose iss and sub are the client id.');
  }
  const keys = (await deps.signin.clientKeys(tenant.id, clientId)).map((k) => JSON.parse(k) as StoredKey);
  const key = keys.find((k) => namedBy(header, k));
  const algorithms = key ? algorithmsOf(key) : [];
  if (!key || algorithms.length === 0) throw oauthErrors.invalidClientAssertion('No key is registered for this client under the kid, x5t or x5t#S256 the assertion names.');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) throw oauthErrors.invalidClientAssertion(`The key takes ${algorithms.join(' or ')} assertions.`);
  const now = deps.now();
  if (key.credential && (now.getTime() < Date.parse(key.credential.startDateTime) || now.getTime() >= Date.parse(key.credential.endDateTime))) {
    throw oauthErrors.invalidClientAssertion(`The certificate credential is valid from ${key.credential.startDateTime} to ${key.credential.endDateTime}.`);
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, await importJWK(publicMembers(key), header.alg), {
      algorithms: [header.alg],
      audience: [deps.urls.token(tenant.id), deps.urls.issuer(tenant.id)],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (error) {
    throw oauthErrors.invalidClientAssertion(`The client assertion was rejected: ${error instanceof Error ? error.message : 'invalid'}.`);
  }
  // RFC 7519 makes jti a string; anything else cannot be remembered as used.
  if (typeof payload.jti !== 'string') throw oauthErrors.invalidClientAssertion('The client assertion\'s jti must be a string.');
  const exp = payload.exp!;
  if (exp - Math.floor(now.getTime() / 1000) > MAX_LIFETIME_S + CLOCK_TOLERANCE_S) throw oauthErrors.invalidClientAssertion('The client assertion lives longer than 10 minutes.');
  const fresh = await deps.signin.useAssertionId(hashCode(`${tenant.id}:${clientId}:${payload.jti}`), new Date(exp * 1000).toISOString());
  if (!fresh) throw oauthErrors.invalidClientAssertion('The client assertion was already used.');
  return clientId;
}
