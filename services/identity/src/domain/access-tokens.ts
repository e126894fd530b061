/**
 * Verifies bearer tokens identity itself issued, with the tenant's key read from the
 * store: the same checks kit's TokenVerifier makes through the JWKS, without the
 * network hop back to ourselves.
 */
import { decodeJwt, jwtVerify } from 'jose';
import { cachedTenant } from './tenants.js';
import type { AccessTokenClaims } from '@baton/kit';
import type { TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { isGuid } from './ids.js';

export class AccessTokenRejected extends Error {
  override name = 'AccessTokenRejected';
}

export interface VerifiedAccess {
  tenant: TenantRecord;
  claims: AccessTokenClaims;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export async function verifyAccessToken(deps: IdentityDeps, token: string, audience: string): Promise<VerifiedAccess> {
  let tid: unknown;
  try {
    tid = decodeJwt(token).tid;
  } catch {
    throw new AccessTokenRejected('the access token is not a JWT');
  }
  if (typeof tid !== 'string' || !isGuid(tid)) throw new AccessTokenRejected('the access token names no tenant');
  const tenant = await cachedTenant(deps, tid);
  if (!tenant) throw new AccessTokenRejected('the tenant of the access token does not exist');
  const key = await deps.keys.forTenant(tenant);
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      issuer: deps.urls.issuer(tenant.id),
      audience,
      algorithms: ['ES256'],
      currentDate: deps.now(),
      clockTolerance: 60,
    });
    return { tenant, claims: payload as AccessTokenClaims };
  } catch (error) {
    throw new AccessTokenRejected(error instanceof Error ? error.message : 'invalid token');
  }
}
