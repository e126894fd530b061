/**
 * Records identity's provisioning events where the device meets identity: at the answer of
 * the token endpoint (user sign-in, device-bound token) and of the join endpoint. Watching
 * the answer rather than the grant code keeps one place that sees every outcome, including
 * refusals raised deep in a grant, with exactly the error code the device was given.
 */
import { DEVICE_JWT_BEARER_GRANT } from '@baton/contracts';
import { guidOrNull, traceIdOfHeaders, type EventInput } from '@baton/kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { IdentityDeps } from '../domain/deps.js';
import { cachedTenant } from '../domain/tenants.js';
import { ATTESTATION_ROUTES, attestationFacts } from '../routes/attestation.js';
import type { IdentityEvents } from './feed.js';

const TOKEN_ROUTE = '/:tenant/oauth2/v2.0/token';
const JOIN_ROUTE = '/enterpriseregistration/:tenant/EnrollmentServer/device';
const ATTESTATION_CHALLENGE_ROUTE = ATTESTATION_ROUTES.challenge;
const ATTESTATION_ACTIVATE_ROUTE = ATTESTATION_ROUTES.activate;
const DEVICE_CODE_GRANTS = new Set<unknown>(['urn:ietf:params:oauth:grant-type:device_code', 'device_code']);
const RECORDED_GRANTS = new Set<unknown>(['password', DEVICE_JWT_BEARER_GRANT, ...DEVICE_CODE_GRANTS]);

function parseJson(payload: unknown): Record<string, any> | undefined {
  if (typeof payload !== 'string' || payload.length > 256 * 1024) return undefined;
  try {
    const value: unknown = JSON.parse(payload);
    return value && typeof value === 'object' ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/** Claims of a token identity itself just issued; used to label the event, never to authorise. */
function claimsOf(token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') return {};
  try {
    return decodeJwt(token) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** `AADSTS50126` from an OAuth error body, as the device shows it. */
function aadstsCode(body: Record<string, any>): string | null {
  const code = Array.isArray(body.error_codes) ? body.error_codes[0] : undefined;
  if (typeof code === 'number') return `AADSTS${code}`;
  return typeof body.error === 'string' ? body.error.slice(0, 64) : null;
}

async function tenantIdOf(deps: IdentityDeps, request: FastifyRequest): Promise<string | null> {
  const ref = (request.params as { tenant?: unknown } | undefined)?.tenant;
  if (typeof ref !== 'string') return null;
  try {
    return (await cachedTenant(deps, ref))?.id ?? null;
  } catch {
    return null;
  }
}

function tokenEvent(request: FastifyRequest, reply: FastifyReply, body: Record<string, any>, tenantId: string | null): EventInput | undefined {
  const form = (request.body ?? {}) as Record<string, unknown>;
  const grant = form.grant_type;
  const ok = reply.statusCode < 400;
  const traceId = traceIdOfHeaders(request.headers);
  const base = { tenantId, traceId, outcome: ok ? ('success' as const) : ('failure' as const), errorCode: ok ? null : aadstsCode(body) };
  // A device-code sign-in is the device's user signing in too (on the pages, with MFA when
  // asked); the polls before the user finished are not attempts.
  const deviceCode = DEVICE_CODE_GRANTS.has(grant);
  if (deviceCode && !ok && (body.error === 'authorization_pending' || body.error === 'slow_down')) return undefined;
  if (grant === 'password' || deviceCode) {
    const claims = ok ? claimsOf(body.id_token ?? body.access_token) : {};
    // A device-code answer's ID token may name the user only in the access token's `upn`.
    const access = ok && typeof claims.upn !== 'string' ? claimsOf(body.access_token) : {};
    const upn = typeof claims.upn === 'string' ? claims.upn : typeof access.upn === 'string' ? access.upn : typeof form.username === 'string' ? form.username : null;
    return { ...base, type: 'signIn', phase: 'authentication', userPrincipalName: upn, detail: ok ? {} : { error: body.error ?? null, status: reply.statusCode } };
  }
  if (grant === DEVICE_JWT_BEARER_GRANT) {
    const claims = ok ? claimsOf(body.access_token) : {};
    return {
      ...base,
      type: 'deviceToken',
      phase: 'deviceToken',
      azureADDeviceId: guidOrNull(claims.deviceid),
      userPrincipalName: typeof claims.upn === 'string' ? claims.upn : null,
      detail: ok ? { audience: claims.aud ?? null } : { error: body.error ?? null, status: reply.statusCode },
    };
  }
  // Client credentials and plain refreshes are not steps of a device's provisioning.
  return undefined;
}

function joinEvent(request: FastifyRequest, reply: FastifyReply, body: Record<string, any>, tenantId: string | null): EventInput {
  const form = (request.body ?? {}) as Record<string, unknown>;
  const ok = reply.statusCode < 400;
  const detail: Record<string, unknown> = ok
    ? { mdmDiscoveryUrl: body.MdmEnrollment?.discoveryUrl ?? null, joinType: form.JoinType ?? null }
    : { status: reply.statusCode, code: body.code ?? null };
  return {
    type: 'join',
    phase: 'join',
    outcome: ok ? 'success' : 'failure',
    tenantId,
    traceId: traceIdOfHeaders(request.headers),
    ztdId: guidOrNull(form.ZtdId),
    azureADDeviceId: ok ? guidOrNull(body.DeviceId) : null,
    userPrincipalName: ok && typeof body.User?.Upn === 'string' ? body.User.Upn : null,
    errorCode: ok ? null : typeof body.hresult === 'string' ? body.hresult : typeof body.subcode === 'string' ? body.subcode.slice(0, 64) : `http_${reply.statusCode}`,
    detail,
  };
}

/**
 * "Securing your hardware": a refused challenge or answer, and the answer that earned the AIK
 * certificate. A challenge that was issued is not an outcome yet, so it records nothing.
 */
function attestationEvent(request: FastifyRequest, reply: FastifyReply, body: Record<string, any>, tenantId: string | null): EventInput | undefined {
  const ok = reply.statusCode < 400;
  const route = request.routeOptions.url;
  if (ok && route === ATTESTATION_CHALLENGE_ROUTE) return undefined;
  const facts = attestationFacts.get(request) ?? {};
  return {
    type: 'attestation',
    phase: 'attestation',
    outcome: ok ? 'success' : 'failure',
    tenantId,
    traceId: traceIdOfHeaders(request.headers),
    ztdId: guidOrNull(facts.ztdId ?? (ok ? body.ZtdId : null)),
    errorCode: ok ? null : typeof body.hresult === 'string' ? body.hresult : typeof body.subcode === 'string' ? body.subcode.slice(0, 64) : `http_${reply.statusCode}`,
    detail: ok ? { step: 'activate' } : { step: route === ATTESTATION_CHALLENGE_ROUTE ? 'challenge' : 'activate', reason: facts.reason ?? null, status: reply.statusCode },
  };
}

/** Adds the recording hook to the scope the token and join routes are registered in. */
export function observeIdentityEvents(app: FastifyInstance, deps: IdentityDeps, events: IdentityEvents): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    const attestation = route === ATTESTATION_CHALLENGE_ROUTE || route === ATTESTATION_ACTIVATE_ROUTE;
    if (request.method !== 'POST' || (route !== TOKEN_ROUTE && route !== JOIN_ROUTE && !attestation)) return payload;
    // Client credentials and plain refreshes are not steps of a device's provisioning: no work for them.
    if (route === TOKEN_ROUTE && !RECORDED_GRANTS.has((request.body as Record<string, unknown> | undefined)?.grant_type)) return payload;
    const body = parseJson(payload) ?? {};
    const ok = reply.statusCode < 400;
    const tenantId = ok && route === TOKEN_ROUTE ? (guidOrNull(claimsOf(body.access_token).tid) ?? (await tenantIdOf(deps, request))) : await tenantIdOf(deps, request);
    const input = route === TOKEN_ROUTE
      ? tokenEvent(request, reply, body, tenantId)
      : attestation
        ? attestationEvent(request, reply, body, tenantId)
        : joinEvent(request, reply, body, tenantId);
    if (input) await events.recorder.record(input);
    return payload;
  });
}
