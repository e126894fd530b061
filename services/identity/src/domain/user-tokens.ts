/**
 * The one place where tokens for a user are issued. Every grant that ends with a user's
 * tokens (password, authorization code, device code, refresh, the device's jwt-bearer)
 * calls issueUserTokens, so a check that must hold for every user token (conditional
 * access) sits in one spot: `admitUser` below.
 */
import { randomUUID } from 'node:crypto';
import { ADMIN_APP_ROLES, GRAPH_RESOURCE } from '@baton/contracts';
import type { DeviceRecord, TenantRecord, UserRecord } from '../store/store.js';
import { enforceConditionalAccess } from './access-decision.js';
import type { AuthenticatedClient } from './clients.js';
import type { IdentityDeps } from './deps.js';
import { delegatedPermissions, grantedPermissions, type ParsedScope } from './scopes.js';
import type { TokenResponse } from './token-endpoint.js';
import { ACCESS_TOKEN_LIFETIME_S, clientInfo, mintAccessToken, mintIdToken, newRefreshToken } from './tokens.js';

export type UserGrantKind = 'password' | 'authorization_code' | 'device_code' | 'refresh_token' | 'device_bearer';

export interface UserGrant {
  kind: UserGrantKind;
  tenant: TenantRecord;
  client: AuthenticatedClient;
  user: UserRecord;
  scope: ParsedScope;
  /** The scope string to remember with a refresh token. */
  scopeText: string;
  /** A new family (`fresh`, with an id chosen earlier, as codes do) or the rotation of an old one. */
  refresh: 'none' | 'new-family' | { familyId: string; fresh?: boolean };
  device?: DeviceRecord;
  wantClientInfo: boolean;
  /** How the user proved who they are (RFC 8176): ['pwd'] or ['pwd', 'mfa']. */
  amr: string[];
  /** When the user signed in interactively (ISO). */
  authTime: string;
  nonce?: string;
  /** The caller's address: conditional access locations and the sign-in log read it. */
  ip?: string;
}

export interface IssueOptions {
  /**
   * Runs once the user is admitted and before anything is issued: a refresh token rotates
   * here, so a sign-in conditional access refuses does not burn it.
   */
  afterAdmission?: () => Promise<void>;
}

/**
 * The gate every user-token issuance passes: conditional access sees the user, the client,
 * the resource, the device and how the user signed in, logs the sign-in, and throws the
 * OAuth error Entra answers with to refuse.
 */
export async function admitUser(deps: IdentityDeps, grant: UserGrant, resource: string): Promise<void> {
  await enforceConditionalAccess(deps, {
    tenant: grant.tenant,
    user: grant.user,
    clientId: grant.client.clientId,
    resource,
    device: grant.device,
    amr: grant.amr,
    interactive: grant.kind === 'authorization_code' || grant.kind === 'device_code' || grant.kind === 'password',
    authTime: grant.authTime,
    // Entra counts native apps (public clients, the device's OOBE included) as desktop clients.
    clientAppType: grant.client.confidential ? 'browser' : 'mobileAppsAndDesktopClients',
    authenticationFlow: grant.kind === 'device_code' ? 'deviceCodeFlow' : undefined,
    ipAddress: grant.ip,
    correlationId: randomUUID(),
  });
}

export async function issueUserTokens(deps: IdentityDeps, grant: UserGrant, options: IssueOptions = {}): Promise<TokenResponse> {
  const { tenant, client, user, scope, device } = grant;
  const resource = scope.resource ?? GRAPH_RESOURCE;
  await admitUser(deps, grant, resource);
  await options.afterAdmission?.();
  const scp = grantedPermissions(scope.permissions, delegatedPermissions(resource, user.isAdmin, ADMIN_APP_ROLES));
  const accessToken = await mintAccessToken(deps, { tenant, client, user, resource, scp, deviceId: device?.deviceId, amr: grant.amr });
  const resourceScopes = scope.requested.length > 0 ? scope.requested : scp.map((p) => `${resource}/${p}`);
  const response: TokenResponse = {
    token_type: 'Bearer',
    scope: [...resourceScopes, ...[...scope.oidc].filter((s) => s !== 'offline_access')].join(' '),
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: accessToken,
  };
  let familyId: string | undefined;
  if (grant.refresh !== 'none') {
    const fresh = grant.refresh === 'new-family' || grant.refresh.fresh === true;
    familyId = grant.refresh === 'new-family' ? randomUUID() : grant.refresh.familyId;
    if (fresh) await deps.signin.insertFamily({ familyId, amr: grant.amr, authTime: grant.authTime });
    const issued = newRefreshToken(deps, {
      tenantId: tenant.id,
      userId: user.id,
      clientId: client.clientId,
      scope: grant.scopeText,
      deviceId: device?.id ?? null,
      familyId,
    });
    await deps.store.insertRefreshToken(issued.record);
    response.refresh_token = issued.token;
    response.scope += ' offline_access';
  }
  if (scope.oidc.has('openid')) {
    response.id_token = await mintIdToken(deps, tenant, client, user, scope.oidc, {
      amr: grant.amr,
      nonce: grant.nonce,
      authTime: Math.floor(new Date(grant.authTime).getTime() / 1000),
      sid: familyId,
    });
  }
  if (grant.wantClientInfo) response.client_info = clientInfo(tenant.id, user.id);
  return response;
}
