/**
 * Baton's own token endpoint: ROPC, client credentials, refresh with rotation and
 * replay detection, and the device-bound jwt-bearer grant.
 */
import { ADMIN_APP_ROLES, DEVICE_JWT_BEARER_GRANT, GRAPH_RESOURCE } from '@baton/contracts';
import { oauthErrors } from '../errors.js';
import type { DeviceRecord, TenantRecord, UserRecord } from '../store/store.js';
import { authenticateClient, type AuthenticatedClient } from './clients.js';
import type { IdentityDeps } from './deps.js';
import { verifyDeviceAssertion } from './device-assertion.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { delegatedPermissions, grantedPermissions, parseScope, type ParsedScope } from './scopes.js';
import type { TokenEndpoint, TokenRequest, TokenResponse } from './token-endpoint.js';
import {
  ACCESS_TOKEN_LIFETIME_S,
  clientInfo,
  hashRefreshToken,
  mintAccessToken,
  mintIdToken,
  newRefreshToken,
} from './tokens.js';

interface UserGrant {
  tenant: TenantRecord;
  client: AuthenticatedClient;
  user: UserRecord;
  scope: ParsedScope;
  /** The scope string to remember with a refresh token. */
  scopeText: string;
  refresh: 'none' | 'new-family' | { familyId: string };
  device?: DeviceRecord;
  wantClientInfo: boolean;
}

function required(params: TokenRequest['params'], name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw oauthErrors.missingParameter(name);
  return value;
}

export class BatonTokenEndpoint implements TokenEndpoint {
  readonly grantTypes = ['password', 'client_credentials', 'refresh_token', DEVICE_JWT_BEARER_GRANT] as const;

  constructor(private readonly deps: IdentityDeps) {}

  async exchange(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const grant = required(request.params, 'grant_type');
    switch (grant) {
      case 'password':
        return this.password(tenant, request);
      case 'client_credentials':
        return this.clientCredentials(tenant, request);
      case 'refresh_token':
        return this.refreshToken(tenant, request);
      case DEVICE_JWT_BEARER_GRANT:
        return this.deviceBearer(tenant, request);
      default:
        throw oauthErrors.unsupportedGrant(grant);
    }
  }

  private client(tenant: TenantRecord, request: TokenRequest): Promise<AuthenticatedClient> {
    const { params, basic } = request;
    if (basic && params.client_id && params.client_id.toLowerCase() !== basic.clientId?.toLowerCase()) {
      throw oauthErrors.malformed('client_id in the body and in the Authorization header differ.');
    }
    return authenticateClient(this.deps, tenant, {
      clientId: basic?.clientId ?? params.client_id,
      clientSecret: basic?.clientSecret ?? params.client_secret,
    });
  }

  private async password(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const username = required(request.params, 'username');
    const password = required(request.params, 'password');
    const scopeText = required(request.params, 'scope');
    const scope = parseScope(scopeText);
    const client = await this.client(tenant, request);
    const user = await this.deps.store.findUserByUpn(tenant.id, username);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !valid) throw oauthErrors.invalidCredentials();
    if (!user.accountEnabled) throw oauthErrors.userDisabled();
    return this.userTokens({
      tenant,
      client,
      user,
      scope,
      scopeText,
      refresh: scope.oidc.has('offline_access') ? 'new-family' : 'none',
      wantClientInfo: request.params.client_info === '1',
    });
  }

  private async clientCredentials(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const scopeText = required(request.params, 'scope');
    const client = await this.client(tenant, request);
    if (!client.confidential) throw oauthErrors.missingClientSecret();
    const scope = parseScope(scopeText);
    if (scope.requested.length !== 1 || scope.permissions[0] !== '.default' || scope.oidc.size > 0) {
      throw oauthErrors.clientCredentialsScope();
    }
    const accessToken = await mintAccessToken(this.deps, { tenant, client, resource: scope.resource! });
    return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_S, ext_expires_in: ACCESS_TOKEN_LIFETIME_S, access_token: accessToken };
  }

  private async refreshToken(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const token = required(request.params, 'refresh_token');
    const client = await this.client(tenant, request);
    return this.redeem(tenant, client, token, request.params.scope, request.params.client_info === '1');
  }

  private async deviceBearer(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const assertion = required(request.params, 'request');
    const { device, payload } = await verifyDeviceAssertion(this.deps, tenant, assertion);
    if (payload.grant_type !== 'refresh_token') {
      throw oauthErrors.malformed("The device-signed request must carry grant_type 'refresh_token'.");
    }
    if (typeof payload.refresh_token !== 'string' || payload.refresh_token === '') throw oauthErrors.missingParameter('refresh_token');
    const client = await authenticateClient(this.deps, tenant, {
      clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
      clientSecret: request.params.client_secret,
    });
    const scope = typeof payload.scope === 'string' ? payload.scope : undefined;
    const response = await this.redeem(tenant, client, payload.refresh_token, scope, request.params.client_info === '1', device);
    await this.deps.store.updateDevice(tenant.id, device.id, { approximateLastSignIn: this.deps.now().toISOString() });
    return response;
  }

  /** Rotates a refresh token: the old one dies; presenting a dead one again kills its family. */
  private async redeem(
    tenant: TenantRecord,
    client: AuthenticatedClient,
    token: string,
    scopeParam: string | undefined,
    wantClientInfo: boolean,
    device?: DeviceRecord,
  ): Promise<TokenResponse> {
    const store = this.deps.store;
    const record = token.length <= 200 ? await store.findRefreshToken(hashRefreshToken(token)) : undefined;
    if (!record || record.tenantId !== tenant.id) throw oauthErrors.refreshTokenInvalid();
    if (record.rotated) {
      await store.revokeRefreshTokenFamily(record.familyId);
      throw oauthErrors.refreshTokenReplayed();
    }
    if (new Date(record.expiresAt) <= this.deps.now()) throw oauthErrors.refreshTokenInvalid();
    if (record.clientId !== client.clientId) throw oauthErrors.refreshTokenWrongClient();
    if (record.deviceId && record.deviceId !== device?.id) {
      throw oauthErrors.deviceAuthFailed('The refresh token is bound to another device.');
    }
    const user = await store.findUserById(tenant.id, record.userId);
    if (!user) throw oauthErrors.refreshTokenInvalid();
    if (!user.accountEnabled) throw oauthErrors.userDisabled();
    const scopeText = scopeParam && scopeParam.trim() !== '' ? scopeParam : record.scope;
    const scope = parseScope(scopeText);
    if (!(await store.markRefreshTokenRotated(record.tokenHash))) {
      await store.revokeRefreshTokenFamily(record.familyId);
      throw oauthErrors.refreshTokenReplayed();
    }
    return this.userTokens({ tenant, client, user, scope, scopeText, refresh: { familyId: record.familyId }, device, wantClientInfo });
  }

  private async userTokens(grant: UserGrant): Promise<TokenResponse> {
    const { tenant, client, user, scope, device } = grant;
    const resource = scope.resource ?? GRAPH_RESOURCE;
    const scp = grantedPermissions(scope.permissions, delegatedPermissions(resource, user.isAdmin, ADMIN_APP_ROLES));
    const accessToken = await mintAccessToken(this.deps, { tenant, client, user, resource, scp, deviceId: device?.deviceId });
    const resourceScopes = scope.requested.length > 0 ? scope.requested : scp.map((p) => `${resource}/${p}`);
    const response: TokenResponse = {
      token_type: 'Bearer',
      scope: [...resourceScopes, ...[...scope.oidc].filter((s) => s !== 'offline_access')].join(' '),
      expires_in: ACCESS_TOKEN_LIFETIME_S,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_S,
      access_token: accessToken,
    };
    if (grant.refresh !== 'none') {
      const issued = newRefreshToken(this.deps, {
        tenantId: tenant.id,
        userId: user.id,
        clientId: client.clientId,
        scope: grant.scopeText,
        deviceId: device?.id ?? null,
        familyId: grant.refresh === 'new-family' ? undefined : grant.refresh.familyId,
      });
      await this.deps.store.insertRefreshToken(issued.record);
      response.refresh_token = issued.token;
      response.scope += ' offline_access';
    }
    if (scope.oidc.has('openid')) response.id_token = await mintIdToken(this.deps, tenant, client, user, scope.oidc);
    if (grant.wantClientInfo) response.client_info = clientInfo(tenant.id, user.id);
    return response;
  }
}
