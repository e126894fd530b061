/**
 * Baton's own token endpoint: ROPC, client credentials, authorization code with PKCE,
 * device code (RFC 8628), refresh with rotation and replay detection, and the
 * device-bound jwt-bearer grant. Every user token leaves through issueUserTokens.
 */
import { DEVICE_AUTH_REQUEST_GRANT, DEVICE_JWT_BEARER_GRANT } from '@baton/contracts';
import { oauthErrors } from '../errors.js';
import type { DeviceRecord, TenantRecord } from '../store/store.js';
import type { CodeRecord } from '../store/signin-store.js';
import { modeOfOwnerlessDevice } from './autopilot-mode.js';
import { authenticateClient, type AuthenticatedClient } from './clients.js';
import { hashCode, pkceMatches } from './codes.js';
import type { IdentityDeps } from './deps.js';
import { verifyDeviceAssertion, type DeviceAssertion } from './device-assertion.js';
import { checkPassword } from './password-signin.js';
import { parseScope } from './scopes.js';
import type { TokenEndpoint, TokenRequest, TokenResponse } from './token-endpoint.js';
import { ACCESS_TOKEN_LIFETIME_S, hashRefreshToken, mintAccessToken } from './tokens.js';
import { confirmedTotp } from './totp.js';
import { issueUserTokens } from './user-tokens.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** MSAL sends the short form (msal-common GrantType.DEVICE_CODE_GRANT). */
const DEVICE_CODE_GRANT_SHORT = 'device_code';

function required(params: TokenRequest['params'], name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw oauthErrors.missingParameter(name);
  return value;
}

export class BatonTokenEndpoint implements TokenEndpoint {
  readonly grantTypes = ['authorization_code', 'password', 'client_credentials', 'refresh_token', DEVICE_CODE_GRANT, DEVICE_JWT_BEARER_GRANT] as const;

  constructor(private readonly deps: IdentityDeps) {}

  async exchange(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const grant = required(request.params, 'grant_type');
    switch (grant) {
      case 'authorization_code':
        return this.authorizationCode(tenant, request);
      case DEVICE_CODE_GRANT:
      case DEVICE_CODE_GRANT_SHORT:
        return this.deviceCode(tenant, request);
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
      clientAssertion: params.client_assertion,
      clientAssertionType: params.client_assertion_type,
    });
  }

  private async password(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const username = required(request.params, 'username');
    const password = required(request.params, 'password');
    const scopeText = required(request.params, 'scope');
    const scope = parseScope(scopeText);
    const client = await this.client(tenant, request);
    const outcome = await checkPassword(this.deps, tenant, username, password, request.ip ?? 'unknown');
    if (!outcome.ok) {
      if (outcome.reason === 'rate_limited') throw oauthErrors.rateLimited(outcome.retryAfterS);
      if (outcome.reason === 'locked') throw oauthErrors.accountLocked();
      if (outcome.reason === 'disabled') throw oauthErrors.userDisabled();
      throw oauthErrors.invalidCredentials();
    }
    // A password alone cannot pass for a user who enrolled a second factor.
    if (await confirmedTotp(this.deps, tenant.id, outcome.user.id)) throw oauthErrors.mfaRequired();
    return issueUserTokens(this.deps, {
      kind: 'password',
      tenant,
      client,
      user: outcome.user,
      scope,
      scopeText,
      refresh: scope.oidc.has('offline_access') ? 'new-family' : 'none',
      wantClientInfo: request.params.client_info === '1',
      amr: ['pwd'],
      authTime: this.deps.now().toISOString(),
      ip: request.ip,
    });
  }

  private async authorizationCode(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const codeText = required(request.params, 'code');
    const redirectUri = required(request.params, 'redirect_uri');
    const verifier = request.params.code_verifier;
    const client = await this.client(tenant, request);
    const code = codeText.length <= 200 ? await this.deps.signin.findCode(hashCode(codeText)) : undefined;
    if (!code || code.kind !== 'authorization_code' || code.tenantId !== tenant.id) throw oauthErrors.codeInvalid();
    // Burn the code first: whatever happens next, it is never accepted twice.
    if (!(await this.deps.signin.transitionCode(code.codeHash, 'approved', { status: 'redeemed' }))) {
      if (code.familyId) await this.deps.store.revokeRefreshTokenFamily(code.familyId);
      throw oauthErrors.codeRedeemed();
    }
    if (new Date(code.expiresAt) <= this.deps.now()) throw oauthErrors.codeInvalid();
    if (code.clientId !== client.clientId) throw oauthErrors.codeWrongClient();
    if (code.redirectUri !== redirectUri) throw oauthErrors.redirectMismatch();
    if (!verifier) throw oauthErrors.missingParameter('code_verifier');
    if (!code.codeChallenge || !pkceMatches(verifier, code.codeChallenge)) throw oauthErrors.pkceMismatch();
    return this.codeTokens(tenant, client, code, request);
  }

  private async deviceCode(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const codeText = required(request.params, 'device_code');
    const client = await this.client(tenant, request);
    const signin = this.deps.signin;
    const code = codeText.length <= 200 ? await signin.findCode(hashCode(codeText)) : undefined;
    if (!code || code.kind !== 'device_code' || code.tenantId !== tenant.id || code.clientId !== client.clientId) {
      throw oauthErrors.deviceCodeInvalid();
    }
    const now = this.deps.now();
    if (new Date(code.expiresAt) <= now) throw oauthErrors.expiredToken();
    if (code.status === 'redeemed') throw oauthErrors.deviceCodeInvalid();
    // RFC 8628 §3.5: polling faster than the interval earns slow_down and a longer interval.
    // A fifth of the interval is forgiven for timer jitter.
    const tooSoon = code.lastPolledAt !== null && now.getTime() - new Date(code.lastPolledAt).getTime() < code.interval * 800;
    await signin.recordPoll(code.codeHash, now.toISOString(), tooSoon ? code.interval + 5 : code.interval);
    if (tooSoon) throw oauthErrors.slowDown();
    if (code.status === 'pending') throw oauthErrors.authorizationPending();
    if (code.status === 'denied') throw oauthErrors.deviceCodeDeclined();
    if (!(await signin.transitionCode(code.codeHash, 'approved', { status: 'redeemed', familyId: code.familyId ?? undefined }))) {
      throw oauthErrors.deviceCodeInvalid();
    }
    return this.codeTokens(tenant, client, code, request);
  }

  /** Tokens for a user who signed in on a page (authorization code or device code). */
  private async codeTokens(tenant: TenantRecord, client: AuthenticatedClient, code: CodeRecord, request: TokenRequest): Promise<TokenResponse> {
    const user = code.userId ? await this.deps.store.findUserById(tenant.id, code.userId) : undefined;
    if (!user) throw oauthErrors.codeInvalid();
    if (!user.accountEnabled) throw oauthErrors.userDisabled();
    const scope = parseScope(code.scope);
    const offline = scope.oidc.has('offline_access');
    return issueUserTokens(this.deps, {
      kind: code.kind === 'authorization_code' ? 'authorization_code' : 'device_code',
      tenant,
      client,
      user,
      scope,
      scopeText: code.scope,
      refresh: !offline ? 'none' : code.familyId ? { familyId: code.familyId, fresh: true } : 'new-family',
      wantClientInfo: request.params.client_info === '1',
      amr: code.amr,
      authTime: code.authTime ?? this.deps.now().toISOString(),
      nonce: code.nonce ?? undefined,
      ip: request.ip,
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
    return this.redeem(tenant, client, token, request.params.scope, request.params.client_info === '1', request.ip);
  }

  private async deviceBearer(tenant: TenantRecord, request: TokenRequest): Promise<TokenResponse> {
    const assertion = required(request.params, 'request');
    const { device, payload } = await verifyDeviceAssertion(this.deps, tenant, assertion);
    if (payload.grant_type === DEVICE_AUTH_REQUEST_GRANT) return this.deviceAuth(tenant, device, payload);
    if (payload.grant_type !== 'refresh_token') {
      throw oauthErrors.malformed("The device-signed request must carry grant_type 'refresh_token'.");
    }
    if (typeof payload.refresh_token !== 'string' || payload.refresh_token === '') throw oauthErrors.missingParameter('refresh_token');
    const client = await authenticateClient(this.deps, tenant, {
      clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
      clientSecret: request.params.client_secret,
    });
    const scope = typeof payload.scope === 'string' ? payload.scope : undefined;
    const response = await this.redeem(tenant, client, payload.refresh_token, scope, request.params.client_info === '1', request.ip, device);
    await this.deps.store.updateDevice(tenant.id, device.id, { approximateLastSignIn: this.deps.now().toISOString() });
    return response;
  }

  /**
   * A token of the device alone, for a device joined without a user (self-deploying, or a
   * technician's pre-provisioning), naming which of the two it joined as. A device with an
   * owner gets its tokens through that user's refresh token instead, so that conditional
   * access sees who is behind them.
   */
  private async deviceAuth(tenant: TenantRecord, device: DeviceRecord, payload: DeviceAssertion['payload']): Promise<TokenResponse> {
    if (device.registeredOwnerUserId !== null) {
      throw oauthErrors.malformed('This device was joined by a user; request tokens with its refresh token.');
    }
    const client = await authenticateClient(this.deps, tenant, { clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined });
    const scope = parseScope(typeof payload.scope === 'string' ? payload.scope : '');
    if (!scope.resource || scope.oidc.size > 0) throw oauthErrors.malformed('A device token names exactly one resource, as <resource>/.default.');
    const autopilotMode = modeOfOwnerlessDevice(device);
    const accessToken = await mintAccessToken(this.deps, { tenant, client, resource: scope.resource, deviceId: device.deviceId, deviceObjectId: device.id, ...(autopilotMode ? { autopilotMode } : {}) });
    await this.deps.store.updateDevice(tenant.id, device.id, { approximateLastSignIn: this.deps.now().toISOString() });
    return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_S, ext_expires_in: ACCESS_TOKEN_LIFETIME_S, access_token: accessToken };
  }

  /** Rotates a refresh token: the old one dies; presenting a dead one again kills its family. */
  private async redeem(
    tenant: TenantRecord,
    client: AuthenticatedClient,
    token: string,
    scopeParam: string | undefined,
    wantClientInfo: boolean,
    ip: string | undefined,
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
    const rotate = async () => {
      if (!(await store.markRefreshTokenRotated(record.tokenHash))) {
        await store.revokeRefreshTokenFamily(record.familyId);
        throw oauthErrors.refreshTokenReplayed();
      }
    };
    const family = await this.deps.signin.findFamily(record.familyId);
    return issueUserTokens(this.deps, {
      kind: device ? 'device_bearer' : 'refresh_token',
      tenant,
      client,
      user,
      scope,
      scopeText,
      refresh: { familyId: record.familyId },
      device,
      wantClientInfo,
      amr: family?.amr ?? ['pwd'],
      authTime: family?.authTime ?? record.createdAt,
      ip,
    }, { afterAdmission: rotate });
  }
}
