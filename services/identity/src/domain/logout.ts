/**
 * RP-initiated logout: the ID token names the sign-in (`sid`, its refresh-token family),
 * which is revoked; the browser returns only to a redirect URI registered for the client.
 */
import { jwtVerify } from 'jose';
import type { TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { isRegisteredRedirect } from './authorization.js';

/** Ends the session the hint names; returns where to send the browser, if anywhere. */
export async function endSession(
  deps: IdentityDeps,
  tenant: TenantRecord,
  idTokenHint: string | undefined,
  postLogoutRedirectUri: string | undefined,
): Promise<string | undefined> {
  if (!idTokenHint) return undefined;
  const key = await deps.keys.forTenant(tenant);
  let claims: { aud?: unknown; sid?: unknown };
  try {
    // An expired ID token still identifies the session to end.
    ({ payload: claims } = await jwtVerify(idTokenHint, key.publicKey, {
      issuer: deps.urls.issuer(tenant.id),
      algorithms: ['ES256'],
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    }));
  } catch {
    return undefined;
  }
  if (typeof claims.sid === 'string') await deps.store.revokeRefreshTokenFamily(claims.sid);
  const clientId = typeof claims.aud === 'string' ? claims.aud : undefined;
  if (postLogoutRedirectUri && clientId && (await isRegisteredRedirect(deps, tenant.id, clientId, postLogoutRedirectUri))) {
    return postLogoutRedirectUri;
  }
  return undefined;
}
