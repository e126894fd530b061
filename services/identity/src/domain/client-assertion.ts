/**
 * private_key_jwt client authentication (RFC 7523 §2.2, OIDC Core §9): a JWT the client
 * signs with a key it registered. Keys are chosen by the registration, never by the
 * token's header; the algorithm must be the key's own; each assertion works once.
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { oauthErrors } from '../errors.js';
import type { TenantRecord } from '../store/store.js';
import { hashCode } from './codes.js';
import type { IdentityDeps } from './deps.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256'];
const MAX_LIFETIME_S = 600;

/** Verifies the assertion and returns the client id it authenticates. */
export async function verifyClientAssertion(deps: IdentityDeps, tenant: TenantRecord, assertion: string, assertionType: string | undefined): Promise<string> {
  if (assertionType !== CLIENT_ASSERTION_TYPE) throw oauthErrors.malformed(`client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`);
  let clientId: string;
  let kid: string | undefined;
  try {
    const claims = decodeJwt(assertion);
    kid = decodeProtectedHeader(assertion).kid;
    if (typeof claims.sub !== 'string' || claims.iss !== claims.sub) throw new Error('iss and sub must both be the client id');
    clientId = claims.sub.toLowerCase();
  } catch {
    throw oauthErrors.invalidClientAssertion('The client assertion is not a JWT whose iss and sub are the client id.');
  }
  const keys = (await deps.signin.clientKeys(tenant.id, clientId)).map((k) => JSON.parse(k) as JWK & { kid: string });
  const key = keys.find((k) => kid === undefined || k.kid === kid);
  if (!key || !key.alg || !ALGORITHMS.includes(key.alg)) throw oauthErrors.invalidClientAssertion('No key is registered for this client under that kid.');
  const now = deps.now();
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, await importJWK(key, key.alg), {
      algorithms: [key.alg],
      audience: [deps.urls.token(tenant.id), deps.urls.issuer(tenant.id)],
      currentDate: now,
      clockTolerance: 60,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (error) {
    throw oauthErrors.invalidClientAssertion(`The client assertion was rejected: ${error instanceof Error ? error.message : 'invalid'}.`);
  }
  // RFC 7519 makes jti a string; anything else cannot be remembered as used.
  if (typeof payload.jti !== 'string') throw oauthErrors.invalidClientAssertion('The client assertion\'s jti must be a string.');
  const exp = payload.exp!;
  if (exp - Math.floor(now.getTime() / 1000) > MAX_LIFETIME_S) throw oauthErrors.invalidClientAssertion('The client assertion lives longer than 10 minutes.');
  const fresh = await deps.signin.useAssertionId(hashCode(`${tenant.id}:${clientId}:${payload.jti}`), new Date(exp * 1000).toISOString());
  if (!fresh) throw oauthErrors.invalidClientAssertion('The client assertion was already used.');
  return clientId;
}
