/**
 * Device registration: MS-DVRD discovery and MS-DVRJ join. Errors are DRS JSON;
 * a missing or bad bearer token is a 401 before the body is looked at.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DRS_RESOURCE, type DeviceJoinRequest } from '@baton/contracts';
import { DrsError, drsErrorBody, drsErrors } from '../errors.js';
import { AccessTokenRejected, bearerToken, verifyAccessToken } from '../domain/access-tokens.js';
import { joinDevice, type JoinCaller } from '../domain/join.js';
import { deviceRegistrationDiscovery } from '../domain/metadata.js';
import { cachedTenant } from '../domain/tenants.js';
import type { TenantRecord } from '../store/store.js';
import type { IdentityRouteOptions } from './context.js';

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 256 }) });
const ApiVersion = Type.Object({ 'api-version': Type.Optional(Type.String({ maxLength: 16 })) });

const JoinBody = Type.Object(
  {
    CertificateRequest: Type.Object(
      { Type: Type.String({ maxLength: 32 }), Data: Type.String({ minLength: 1, maxLength: 16_384 }) },
      { additionalProperties: true },
    ),
    TransportKey: Type.String({ maxLength: 8192 }),
    TargetDomain: Type.String({ maxLength: 256 }),
    DeviceType: Type.String({ minLength: 1, maxLength: 64 }),
    OSVersion: Type.String({ maxLength: 64 }),
    DeviceDisplayName: Type.String({ minLength: 1, maxLength: 256 }),
    JoinType: Type.Integer({ minimum: 0, maximum: 255 }),
    ZtdId: Type.Optional(Type.String({ maxLength: 128, pattern: '^[A-Za-z0-9-]*$' })),
    Attributes: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Union([Type.String({ maxLength: 1024 }), Type.Boolean()]))),
    AikCertificate: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    AttestationData: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
  },
  { additionalProperties: true },
);

export const JOIN_BODY_LIMIT = 64 * 1024;

export function drsErrorHandler(error: any, request: FastifyRequest, reply: FastifyReply) {
  let drs: DrsError;
  if (error instanceof DrsError) drs = error;
  else if (error?.validation) {
    const path = String(error.validation[0]?.instancePath ?? '').replace(/^\//, '') || 'body';
    drs = drsErrors.invalidBody(`The join request is invalid at '${path.slice(0, 64)}': ${String(error.validation[0]?.message ?? 'bad value')}.`);
  } else if (typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    drs = new DrsError(error.statusCode === 413 ? 413 : 400, 'invalid_request', 'error_invalid_body', 'The request body could not be read as a join request.');
  } else {
    request.log.error({ err: error }, 'device registration failure');
    drs = new DrsError(500, 'internal_error', 'error_invalid_body', 'An unexpected error occurred.');
  }
  if (drs.statusCode === 401) reply.header('www-authenticate', 'Bearer');
  reply.code(drs.statusCode).send(drsErrorBody(drs, request.id));
}

export const drsRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(drsErrorHandler);
  const callers = new WeakMap<FastifyRequest, { tenant: TenantRecord; caller: JoinCaller }>();

  app.get(
    '/enterpriseregistration/:tenant/Discover',
    { schema: { params: TenantParams, querystring: ApiVersion } },
    async (request) => {
      const tenant = await cachedTenant(deps, request.params.tenant);
      if (!tenant) throw drsErrors.tenantNotFound(request.params.tenant);
      return deviceRegistrationDiscovery(deps.urls, tenant);
    },
  );

  app.post(
    '/enterpriseregistration/:tenant/EnrollmentServer/device',
    {
      bodyLimit: JOIN_BODY_LIMIT,
      schema: { params: TenantParams, querystring: ApiVersion, body: JoinBody },
      preValidation: async (request) => {
        const token = bearerToken(request.headers.authorization);
        if (!token && request.headers.authorization === undefined && (request.body as { AikCertificate?: unknown } | undefined)?.AikCertificate !== undefined) {
          // Self-deploying: the TPM evidence in the body authorises the join (attested-join.ts).
          const params = request.params as { tenant?: unknown };
          const tenant = typeof params.tenant === 'string' ? await cachedTenant(deps, params.tenant) : undefined;
          if (!tenant) throw drsErrors.tenantNotFound(String(params.tenant));
          callers.set(request, { tenant, caller: { tpm: true } });
          return;
        }
        if (!token) throw drsErrors.missingToken();
        let access;
        try {
          access = await verifyAccessToken(deps, token, DRS_RESOURCE);
        } catch (error) {
          if (error instanceof AccessTokenRejected) throw drsErrors.invalidToken(error.message);
          throw error;
        }
        const params = request.params as { tenant?: unknown };
        const pathTenant = typeof params.tenant === 'string' ? await cachedTenant(deps, params.tenant) : undefined;
        if (!pathTenant) throw drsErrors.tenantNotFound(String(params.tenant));
        if (pathTenant.id !== access.tenant.id) throw drsErrors.tenantMismatch();
        const oid = access.claims.oid;
        const user = access.claims.idtyp === 'user' && typeof oid === 'string' ? await deps.store.findUserById(pathTenant.id, oid) : undefined;
        if (!user || !user.accountEnabled) throw drsErrors.invalidToken('a signed-in, enabled user is required to join a device');
        callers.set(request, { tenant: pathTenant, caller: { user } });
      },
    },
    async (request) => {
      const { tenant, caller } = callers.get(request)!;
      return joinDevice(deps, tenant, caller, request.body as DeviceJoinRequest);
    },
  );
};
