/**
 * Verifies identity-issued JWTs locally: the tenant's JWKS is fetched once and cached
 * (jose refreshes it on an unknown kid), so no request costs a call to identity.
 */
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Fetch } from '../http/https-client.js';
import { GraphError } from '../http/graph-error.js';

export interface AccessTokenClaims extends JWTPayload {
  tid: string;
  oid?: string;
  azp?: string;
  appid?: string;
  roles?: string[];
  scp?: string;
  deviceid?: string;
  upn?: string;
  preferred_username?: string;
  idtyp?: string;
}

export interface TokenVerifierOptions {
  /** Identity's public base URL, e.g. https://localhost:8443 */
  identityUrl: string;
  /** Accepted audiences (the resource this service serves). */
  audiences: string[];
  fetch?: Fetch;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TokenVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: TokenVerifierOptions) {}

  private keySet(tenantId: string): JWTVerifyGetKey {
    let set = this.keySets.get(tenantId);
    if (!set) {
      const url = new URL(`${this.options.identityUrl}/${tenantId}/discovery/v2.0/keys`);
      const opts: Record<string | symbol, unknown> = { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 };
      if (this.options.fetch) opts[customFetch] = this.options.fetch;
      set = createRemoteJWKSet(url, opts as any);
      this.keySets.set(tenantId, set);
    }
    return set;
  }

  /** Returns the claims, or throws a 401 GraphError naming what is wrong. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw unauthenticated('The access token is not a JWT.');
    }
    const tid = unverified.tid;
    if (typeof tid !== 'string' || !GUID_RE.test(tid)) throw unauthenticated('The access token has no tenant.');
    try {
      const { payload } = await jwtVerify(token, this.keySet(tid.toLowerCase()), {
        issuer: `${this.options.identityUrl}/${tid.toLowerCase()}/v2.0`,
        audience: this.options.audiences,
        algorithms: ['ES256', 'RS256'],
        clockTolerance: 60,
      });
      return payload as AccessTokenClaims;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'invalid token';
      throw unauthenticated(`The access token was rejected: ${reason}`);
    }
  }

  /** Reads `Authorization: Bearer …` and verifies it. */
  async verifyHeader(header: string | undefined): Promise<AccessTokenClaims> {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw unauthenticated('Access token is empty.');
    return this.verify(match[1]!);
  }
}

function unauthenticated(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': 'Bearer' });
}

/** Checks application roles (client credentials) or delegated scopes. */
export function requireRole(claims: AccessTokenClaims, anyOf: string[]): void {
  const roles = new Set(claims.roles ?? []);
  const scopes = new Set((claims.scp ?? '').split(' ').filter(Boolean));
  if (!anyOf.some((r) => roles.has(r) || scopes.has(r))) {
    throw new GraphError(403, 'Authorization_RequestDenied', `Insufficient privileges: one of ${anyOf.join(', ')} is required.`);
  }
}
