/**
 * Baton's own BitLocker key escrow endpoint on the DRS surface. Windows backs its recovery
 * passwords up to Entra through the device registration service after join, authenticated by
 * the device; no public description of that request's wire format could be found, so Baton
 * defines one (ARCHITECTURE.md, "BitLocker recovery keys"): `{ "request": "<JWT>" }`, the JWT
 * signed RS256 with the join certificate's key, the certificate in `x5c` (the shape of the
 * device-signed token request), its claims `kid`, `key`, `vol`, `iat`, `exp`. Errors are DRS JSON.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { IDENTITY_PATHS } from '@baton/contracts';
import { traceIdOfHeaders } from '@baton/kit';
import { drsErrors, OAuthError } from '../errors.js';
import { escrowRecoveryKey, readEscrowClaims } from '../domain/bitlocker-keys.js';
import { verifyDeviceAssertion } from '../domain/device-assertion.js';
import { cachedTenant } from '../domain/tenants.js';
import type { IdentityRouteOptions } from './context.js';
import { drsErrorHandler } from './drs.js';

const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 256 }) });
const EscrowBody = Type.Object({ request: Type.String({ minLength: 1, maxLength: 24_576 }) }, { additionalProperties: true });

export const BITLOCKER_ESCROW_ROUTE = IDENTITY_PATHS.bitLockerKeyEscrow(':tenant');

/** The device-signed request's refusals, in DRS's shape: a gone or disabled device is told so. */
function drsRefusal(error: unknown): unknown {
  if (!(error instanceof OAuthError)) return error;
  if (error.aadsts === 700003) return drsErrors.deviceNotFound();
  if (error.aadsts === 135011) return drsErrors.deviceDisabled();
  if (error.error === 'invalid_request') return drsErrors.invalidBody(error.message);
  return drsErrors.deviceAuthFailed(error.message.replace(/^Device authentication failed\. /, ''));
}

export const bitLockerEscrowRoutes: FastifyPluginAsync<IdentityRouteOptions> = async (instance: FastifyInstance, { deps, events }) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(drsErrorHandler);

  app.post(BITLOCKER_ESCROW_ROUTE, { bodyLimit: 32 * 1024, schema: { params: TenantParams, body: EscrowBody } }, async (request, reply) => {
    const tenant = await cachedTenant(deps, request.params.tenant);
    if (!tenant) throw drsErrors.tenantNotFound(request.params.tenant);
    let assertion;
    try {
      assertion = await verifyDeviceAssertion(deps, tenant, request.body.request);
    } catch (error) {
      throw drsRefusal(error);
    }
    const key = readEscrowClaims(assertion.payload);
    const { record, created } = await escrowRecoveryKey(deps, tenant, assertion.device, key);
    if (created) {
      await events.recorder.record({
        type: 'bitLockerKeyEscrow',
        phase: 'keyManagement',
        outcome: 'success',
        tenantId: tenant.id,
        traceId: traceIdOfHeaders(request.headers),
        azureADDeviceId: record.deviceId,
        detail: { keyId: record.id, volumeType: record.volumeType },
      });
    }
    reply.code(created ? 201 : 200);
    return { KeyId: record.id, DeviceId: record.deviceId, VolumeType: record.volumeType, CreatedDateTime: record.createdAt };
  });
};
