/** OpenID Connect userinfo: the signed-in user's claims, for a user token this tenant issued. */
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { TenantRecord } from '../store/store.js';
import { AccessTokenRejected, bearerToken, verifyAccessToken } from './access-tokens.js';
import type { IdentityDeps } from './deps.js';

export class UserInfoRejected extends Error {
  override name = 'UserInfoRejected';
}

export async function userInfo(deps: IdentityDeps, tenant: TenantRecord, authorization: string | undefined) {
  const token = bearerToken(authorization);
  if (!token) throw new UserInfoRejected('A bearer access token is required.');
  let verified;
  try {
    verified = await verifyAccessToken(deps, token, GRAPH_RESOURCE);
  } catch (error) {
    if (error instanceof AccessTokenRejected) throw new UserInfoRejected(error.message);
    throw error;
  }
  const claims = verified.claims as Record<string, unknown>;
  // A token of another tenant is not this tenant's user, even when it verifies.
  if (verified.tenant.id !== tenant.id) throw new UserInfoRejected('The access token was issued by another tenant.');
  if (claims.idtyp !== 'user' || typeof claims.oid !== 'string') throw new UserInfoRejected('The access token does not represent a user.');
  const user = await deps.store.findUserById(tenant.id, claims.oid);
  if (!user || !user.accountEnabled) throw new UserInfoRejected('The user no longer exists or is disabled.');
  return {
    sub: claims.sub,
    oid: user.id,
    tid: tenant.id,
    name: user.displayName,
    preferred_username: user.upn,
    // Standard OpenID Connect claims from the profile, left out when unset; without a mail
    // address the UPN, which is what Baton users sign in with.
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.surname ? { family_name: user.surname } : {}),
    email: user.mail ?? user.upn,
  };
}
