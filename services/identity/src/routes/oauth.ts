/**
 * OpenID Connect discovery, JWKS and the token endpoint. Every failure here answers in
 * OAuth JSON with 400/401, including the framework's own (bad form, oversized body).
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, oauthErrorBody, oauthErrors } from '../errors.js';
import { basicCredentials } from '../domain/clients.js';
import { jwks, MULTI_TENANT_AUTHORITIES, multiTenantOpenidConfiguration, openidConfiguration } from '../domain/metadata.js';
import { cachedTenant } from '../domain/tenants.js';
import { startDeviceAuthorization } from '../domain/device-flow.js';
import { userInfo, UserInfoRejected } from '../domain/userinfo.js';
import { correlationId, type IdentityRouteOptions } from './context.js';

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 256 }) });
const FormValue = Type.String({ maxLength: 16_384 });
const TokenForm = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 256 })),
    client_secret: Type.Optional(Type.String({ maxLength: 1024 })),
    scope: Type.Optional(Type.String({ maxLength: 4096 })),
    username: Type.Optional(Type.String({ maxLength: 512 })),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    refresh_token: Type.Optional(Type.String({ maxLength: 4096 })),
    request: Type.Optional(FormValue),
    client_info: Type.Optional(Type.String({ maxLength: 8 })),
  },
  { additionalProperties: Type.Union([FormValue, Type.Array(FormValue, { maxItems: 20 })]) },
);

export const TOKEN_BODY_LIMIT = 64 * 1024;

function sendOAuthError(error: OAuthError, request: FastifyRequest, reply: FastifyReply) {
  if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
  reply
    .code(error.statusCode)
    .header('cache-control', 'no-store')
    .send(oauthErrorBody(error, request.id, correlationId(request.headers['client-request-id'], randomUUID())));
}

/** Maps anything thrown on an OAuth path to an OAuth error; only real faults are 500s. */
export function oauthErrorHandler(error: any, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof OAuthError) return sendOAuthError(error, request, reply);
  if (error?.validation) {
    const field = String(error.validation[0]?.instancePath ?? '').replace(/^\//, '') || 'body';
    return sendOAuthError(oauthErrors.malformed(`parameter '${field.slice(0, 64)}' is invalid (a single string is expected).`), request, reply);
  }
  const status = typeof error?.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    return sendOAuthError(oauthErrors.malformed(status === 413 ? 'the request body is too large.' : 'the request body could not be read.'), request, reply);
  }
  request.log.error({ err: error }, 'token endpoint failure');
  reply.code(500).header('cache-control', 'no-store').send({
    error: 'server_error',
    error_description: 'An unexpected error occurred.',
    error_codes: [90033],
    trace_id: request.id,
    correlation_id: correlationId(request.headers['client-request-id'], randomUUID()),
  });
}

/** The form's single-valued parameters, in a map with no prototype to pollute. */
function formParams(body: object | undefined): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = Object.create(null);
  for (const [k, v] of Object.entries(body ?? {})) if (typeof v === 'string') params[k] = v;
  return params;
}

function isForm(request: FastifyRequest): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
}

export const oauthRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps, tokenEndpoint }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(oauthErrorHandler);

  const tenantOf = async (ref: string) => {
    const tenant = await cachedTenant(deps, ref);
    if (!tenant) throw oauthErrors.invalidTenant(ref);
    return tenant;
  };

  app.get('/:tenant/v2.0/.well-known/openid-configuration', { schema: { params: TenantParams } }, async (request, reply) => {
    if (MULTI_TENANT_AUTHORITIES.has(request.params.tenant.toLowerCase())) {
      reply.header('cache-control', 'max-age=86400, private');
      return multiTenantOpenidConfiguration(deps.urls, tokenEndpoint.grantTypes);
    }
    const tenant = await tenantOf(request.params.tenant);
    reply.header('cache-control', 'max-age=86400, private');
    return openidConfiguration(deps.urls, tenant, tokenEndpoint.grantTypes);
  });

  app.get('/:tenant/discovery/v2.0/keys', { schema: { params: TenantParams } }, async (request, reply) => {
    const tenant = await tenantOf(request.params.tenant);
    reply.header('cache-control', 'max-age=86400, private');
    return jwks(await deps.keys.forTenant(tenant));
  });

  // The token and device-code endpoints take the same kind of form.
  const formRoute = {
    bodyLimit: TOKEN_BODY_LIMIT,
    schema: { params: TenantParams, body: Type.Optional(TokenForm) },
    preValidation: async (request: FastifyRequest) => {
      if (!isForm(request)) throw oauthErrors.malformed("the body must be 'application/x-www-form-urlencoded'.");
    },
  };

  app.post(
    '/:tenant/oauth2/v2.0/token',
    formRoute,
    async (request, reply) => {
      const tenant = await tenantOf(request.params.tenant);
      const params = formParams(request.body);
      const response = await tokenEndpoint.exchange(tenant, { params, basic: basicCredentials(request.headers.authorization), ip: request.ip });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return response;
    },
  );

  // MSAL derives this path from the token endpoint (`/token` → `/devicecode`).
  app.post(
    '/:tenant/oauth2/v2.0/devicecode',
    formRoute,
    async (request, reply) => {
      const tenant = await tenantOf(request.params.tenant);
      const params = formParams(request.body);
      reply.header('cache-control', 'no-store');
      return startDeviceAuthorization(deps, tenant, params);
    },
  );

  // OpenID Connect userinfo (Entra serves it on Graph's host; Baton keeps it under the tenant).
  const userinfo = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
    const tenant = await tenantOf(request.params.tenant);
    try {
      reply.header('cache-control', 'no-store');
      return await userInfo(deps, tenant, request.headers.authorization);
    } catch (error) {
      if (!(error instanceof UserInfoRejected)) throw error;
      const description = error.message.replace(/["\\]/g, "'");
      return reply
        .code(401)
        .header('www-authenticate', `Bearer error="invalid_token", error_description="${description}"`)
        .send({ error: 'invalid_token', error_description: error.message });
    }
  };
  app.get('/:tenant/openid/userinfo', { schema: { params: TenantParams } }, userinfo);
  app.post('/:tenant/openid/userinfo', { bodyLimit: TOKEN_BODY_LIMIT, schema: { params: TenantParams } }, userinfo);
};
