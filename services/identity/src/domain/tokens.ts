/** Minting of access tokens, ID tokens and refresh tokens. */
import { createHash, randomBytes, randomUUID, sign as signBytes } from 'node:crypto';
import { AUTOPILOT_MODE_CLAIM, type AutopilotDeviceMode } from '@baton/contracts';
import type { RefreshTokenRecord, TenantRecord, UserRecord } from '../store/store.js';
import type { AuthenticatedClient } from './clients.js';
import type { IdentityDeps } from './deps.js';
import { nameGuid } from './ids.js';

export const ACCESS_TOKEN_LIFETIME_S = 3600;
export const REFRESH_TOKEN_LIFETIME_S = 90 * 24 * 3600;

export interface AccessTokenInput {
  tenant: TenantRecord;
  client: AuthenticatedClient;
  resource: string;
  user?: UserRecord;
  /** Delegated permissions (user tokens). */
  scp?: string[];
  /** Object id of the authenticated device. */
  deviceId?: string;
  /** A token of the device alone (no user): its directory object id becomes `oid`. */
  deviceObjectId?: string;
  /** For a token of the device alone: the Autopilot mode it joined in, for management (AUTOPILOT_MODE_CLAIM). */
  autopilotMode?: AutopilotDeviceMode;
  /** How the user signed in (RFC 8176 values: pwd, mfa, ...). */
  amr?: string[];
}

/** Object id of an application's service principal in a tenant. */
export function servicePrincipalId(tenantId: string, appId: string): string {
  return nameGuid(`sp:${tenantId}:${appId}`);
}

/** `sub` is pairwise: the same user looks different to different applications. */
export function pairwiseSubject(tenantId: string, oid: string, appId: string): string {
  return createHash('sha256').update(`${tenantId}:${oid}:${appId}`).digest('base64url').slice(0, 43);
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Compact ES256 JWS with node's synchronous signer: the same bytes jose's SignJWT makes,
 * at about three times the rate (no WebCrypto job and promise per token), which is most
 * of a client-credentials request's cost.
 */
async function sign(deps: IdentityDeps, tenant: TenantRecord, claims: Record<string, unknown>): Promise<string> {
  const key = await deps.keys.forTenant(tenant);
  const input = `${base64urlJson({ alg: 'ES256', typ: 'JWT', kid: key.kid })}.${base64urlJson(claims)}`;
  const signature = signBytes('sha256', Buffer.from(input), { key: key.signer, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export async function mintAccessToken(deps: IdentityDeps, input: AccessTokenInput): Promise<string> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const { tenant, client, user } = input;
  const deviceOnly = !user && input.deviceObjectId !== undefined;
  const oid = user ? user.id : (input.deviceObjectId ?? servicePrincipalId(tenant.id, client.clientId));
  const claims: Record<string, unknown> = {
    iss: deps.urls.issuer(tenant.id),
    aud: input.resource,
    tid: tenant.id,
    oid,
    sub: user ? pairwiseSubject(tenant.id, oid, client.clientId) : oid,
    ver: '2.0',
    iat: now,
    nbf: now,
    exp: now + ACCESS_TOKEN_LIFETIME_S,
    azp: client.clientId,
    azpacr: client.authMethod,
    idtyp: user ? 'user' : deviceOnly ? 'device' : 'app',
  };
  if (user) {
    claims.scp = (input.scp ?? []).join(' ');
    claims.name = user.displayName;
    claims.preferred_username = user.upn;
    claims.upn = user.upn;
  } else if (!deviceOnly) {
    claims.roles = client.roles;
  }
  if (input.deviceId) claims.deviceid = input.deviceId;
  if (deviceOnly && input.autopilotMode) claims[AUTOPILOT_MODE_CLAIM] = input.autopilotMode;
  if (user && input.amr && input.amr.length > 0) claims.amr = input.amr;
  return sign(deps, tenant, claims);
}

export interface IdTokenExtras {
  amr?: string[];
  nonce?: string;
  /** Seconds since the epoch of the interactive sign-in. */
  authTime?: number;
  /** The sign-in session (the refresh-token family), which logout ends. */
  sid?: string;
}

export async function mintIdToken(
  deps: IdentityDeps,
  tenant: TenantRecord,
  client: AuthenticatedClient,
  user: UserRecord,
  oidc: Set<string>,
  extras: IdTokenExtras = {},
) {
  const now = Math.floor(deps.now().getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: deps.urls.issuer(tenant.id),
    aud: client.clientId,
    tid: tenant.id,
    oid: user.id,
    sub: pairwiseSubject(tenant.id, user.id, client.clientId),
    ver: '2.0',
    iat: now,
    nbf: now,
    exp: now + ACCESS_TOKEN_LIFETIME_S,
  };
  if (oidc.has('profile')) {
    claims.name = user.displayName;
    claims.preferred_username = user.upn;
  }
  if (oidc.has('email')) claims.email = user.upn;
  if (extras.amr && extras.amr.length > 0) claims.amr = extras.amr;
  if (extras.nonce) claims.nonce = extras.nonce;
  if (extras.authTime) claims.auth_time = extras.authTime;
  if (extras.sid) claims.sid = extras.sid;
  return sign(deps, tenant, claims);
}

/** MSAL's account key: base64url of `{uid, utid}`. */
export function clientInfo(tenantId: string, oid: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tenantId })).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newRefreshToken(
  deps: IdentityDeps,
  fields: Pick<RefreshTokenRecord, 'tenantId' | 'userId' | 'clientId' | 'scope' | 'deviceId'> & { familyId?: string },
): { token: string; record: RefreshTokenRecord } {
  const now = deps.now();
  const token = `1.${randomBytes(32).toString('base64url')}`;
  return {
    token,
    record: {
      ...fields,
      tokenHash: hashRefreshToken(token),
      familyId: fields.familyId ?? randomUUID(),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_S * 1000).toISOString(),
      rotated: false,
      createdAt: now.toISOString(),
    },
  };
}
