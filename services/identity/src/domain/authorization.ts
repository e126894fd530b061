/**
 * The authorization endpoint's rules: which requests may show a sign-in page, where
 * errors may be sent, and the authorization code handed back after sign-in.
 */
import { randomUUID } from 'node:crypto';
import type { TenantRecord } from '../store/store.js';
import type { IdentityDeps } from './deps.js';
import { hashCode, newSecretCode } from './codes.js';
import { isGuid } from './ids.js';
import { parseScope } from './scopes.js';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: 'query' | 'form_post';
  loginHint?: string;
}

/** Refused before the redirect URI is trusted: shown on a page, never redirected. */
export class UntrustedRequest extends Error {
  override name = 'UntrustedRequest';
}

/** Refused once the redirect URI is trusted: sent back to the client (RFC 6749 §4.1.2.1). */
export class RedirectableError extends Error {
  override name = 'RedirectableError';
  constructor(
    readonly error: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'unauthorized_client',
    message: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly responseMode: 'query' | 'form_post',
  ) {
    super(message);
  }
}

/** Exact string comparison (ASVS 10.4.1): no prefix, case or port leniency. */
export async function isRegisteredRedirect(deps: IdentityDeps, tenantId: string, clientId: string, uri: string): Promise<boolean> {
  const registered = await deps.signin.redirectUris(tenantId, clientId);
  return registered.includes(uri);
}

export async function validateAuthorizationRequest(
  deps: IdentityDeps,
  tenant: TenantRecord,
  query: Readonly<Record<string, string | undefined>>,
): Promise<AuthorizationRequest> {
  const clientId = query.client_id?.toLowerCase();
  if (!clientId || !isGuid(clientId)) throw new UntrustedRequest("The request must name a registered application in 'client_id'.");
  const app = await deps.store.findApplication(tenant.id, clientId);
  if (!app) throw new UntrustedRequest(`Application '${clientId}' was not found in the directory ${tenant.domain}.`);
  const redirectUri = query.redirect_uri;
  if (!redirectUri) throw new UntrustedRequest("The request must carry the 'redirect_uri' to return to.");
  if (!(await isRegisteredRedirect(deps, tenant.id, clientId, redirectUri))) {
    throw new UntrustedRequest("The 'redirect_uri' in the request does not match the redirect URIs registered for the application.");
  }
  const state = query.state;
  const responseModeRaw = query.response_mode ?? 'query';
  const responseMode = responseModeRaw === 'form_post' ? 'form_post' : 'query';
  const fail = (error: RedirectableError['error'], message: string) => new RedirectableError(error, message, redirectUri, state, responseMode);
  if (responseModeRaw !== 'query' && responseModeRaw !== 'form_post') throw fail('invalid_request', `response_mode '${responseModeRaw.slice(0, 40)}' is not supported.`);
  if (query.response_type !== 'code') throw fail('unsupported_response_type', "Only response_type 'code' is supported.");
  if (!query.code_challenge) throw fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method S256.');
  if (query.code_challenge_method !== 'S256') throw fail('invalid_request', "code_challenge_method must be 'S256'; 'plain' is not accepted.");
  if (!/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge)) throw fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the verifier.');
  const scope = query.scope ?? '';
  try {
    if (!parseScope(scope).oidc.has('openid') && parseScope(scope).requested.length === 0) throw new Error('empty');
  } catch {
    throw fail('invalid_scope', 'The scope is empty or names an unknown resource.');
  }
  return {
    clientId,
    redirectUri,
    scope,
    state,
    nonce: query.nonce,
    codeChallenge: query.code_challenge,
    responseMode,
    loginHint: query.login_hint,
  };
}

/** After sign-in: the code the client redeems once at the token endpoint. */
export async function issueAuthorizationCode(
  deps: IdentityDeps,
  tenant: TenantRecord,
  request: AuthorizationRequest,
  signin: { userId: string; amr: string[]; authTime: string },
): Promise<string> {
  const code = newSecretCode();
  const now = deps.now();
  await deps.signin.insertCode({
    codeHash: hashCode(code),
    kind: 'authorization_code',
    tenantId: tenant.id,
    clientId: request.clientId,
    scope: request.scope,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce ?? null,
    userCode: null,
    userId: signin.userId,
    amr: signin.amr,
    authTime: signin.authTime,
    status: 'approved',
    // Chosen now so that a replayed code always finds the family to revoke.
    familyId: randomUUID(),
    interval: 0,
    lastPolledAt: null,
    expiresAt: new Date(now.getTime() + deps.signinLimits.policy.authorizationCodeLifetimeS * 1000).toISOString(),
    createdAt: now.toISOString(),
  });
  return code;
}
