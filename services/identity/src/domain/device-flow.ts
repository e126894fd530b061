/** Device authorization (RFC 8628) with the Microsoft identity platform's response shape. */
import type { TenantRecord } from '../store/store.js';
import type { CodeRecord } from '../store/signin-store.js';
import { oauthErrors } from '../errors.js';
import { authenticateClient } from './clients.js';
import type { IdentityDeps } from './deps.js';
import { displayUserCode, hashCode, newSecretCode, newUserCode, normaliseUserCode } from './codes.js';
import { parseScope } from './scopes.js';
import { StoreConflictError } from '../store/store.js';

export interface DeviceCodeResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
  message: string;
}

export function deviceLoginUrl(deps: IdentityDeps, tenantId: string): string {
  return `${deps.urls.root}/${tenantId}/oauth2/v2.0/devicelogin`;
}

export async function startDeviceAuthorization(
  deps: IdentityDeps,
  tenant: TenantRecord,
  params: Readonly<Record<string, string | undefined>>,
): Promise<DeviceCodeResponse> {
  const scope = params.scope;
  if (!scope) throw oauthErrors.missingParameter('scope');
  parseScope(scope);
  const client = await authenticateClient(deps, tenant, { clientId: params.client_id, clientSecret: params.client_secret });
  const policy = deps.signinLimits.policy;
  const now = deps.now();
  const deviceCode = newSecretCode();
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      await deps.signin.insertCode({
        codeHash: hashCode(deviceCode),
        kind: 'device_code',
        tenantId: tenant.id,
        clientId: client.clientId,
        scope,
        redirectUri: null,
        codeChallenge: null,
        nonce: null,
        userCode,
        userId: null,
        amr: [],
        authTime: null,
        status: 'pending',
        familyId: null,
        interval: policy.deviceCodeIntervalS,
        lastPolledAt: null,
        expiresAt: new Date(now.getTime() + policy.deviceCodeLifetimeS * 1000).toISOString(),
        createdAt: now.toISOString(),
      });
      const uri = deviceLoginUrl(deps, tenant.id);
      return {
        device_code: deviceCode,
        user_code: displayUserCode(userCode),
        verification_uri: uri,
        expires_in: policy.deviceCodeLifetimeS,
        interval: policy.deviceCodeIntervalS,
        message: `To sign in, use a web browser to open the page ${uri} and enter the code ${displayUserCode(userCode)} to authenticate.`,
      };
    } catch (error) {
      // A user code collision (unique per tenant) is retried with a new code.
      if (attempt >= 3 || !(error instanceof StoreConflictError || /unique|duplicate/i.test(String(error)))) throw error;
    }
  }
}

export type UserCodeLookup = { ok: true; code: CodeRecord } | { ok: false; reason: 'unknown' | 'rate_limited'; retryAfterS?: number };

/** The device-code page: finds the pending request for a typed code, throttling wrong guesses per IP. */
export async function findPendingUserCode(deps: IdentityDeps, tenant: TenantRecord, typed: string, ip: string): Promise<UserCodeLookup> {
  const limiter = deps.signinLimits.userCodeFailures;
  const verdict = limiter.check(ip);
  if (!verdict.allowed) return { ok: false, reason: 'rate_limited', retryAfterS: verdict.retryAfterS };
  const normalised = normaliseUserCode(typed);
  const code = normalised ? await deps.signin.findCodeByUserCode(tenant.id, normalised) : undefined;
  if (!code || code.status !== 'pending' || new Date(code.expiresAt) <= deps.now()) {
    limiter.hit(ip);
    return { ok: false, reason: 'unknown' };
  }
  return { ok: true, code };
}

export async function approveDeviceCode(deps: IdentityDeps, codeHash: string, signin: { userId: string; amr: string[]; authTime: string }): Promise<boolean> {
  return deps.signin.transitionCode(codeHash, 'pending', { status: 'approved', ...signin });
}
