/**
 * The management → identity compliance handoff. Shares the Graph scope's token check;
 * the domain decides whether the caller is the tenant's MDM application.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '@baton/contracts';
import { requireRole } from '@baton/kit';
import { reportCompliance } from '../domain/compliance.js';
import type { IdentityDeps } from '../domain/deps.js';
import type { AccessOf } from './groups.js';

const Params = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 64 }) });
const Report = Type.Object(
  {
    isCompliant: Type.Boolean(),
    isManaged: Type.Boolean(),
    complianceExpirationDateTime: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    version: Type.Number(),
  },
  { additionalProperties: false },
);

export function registerComplianceRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.put('/identity/v1/devices/:deviceId/compliance', { bodyLimit: 4096, schema: { params: Params, body: Report } }, async (request) => {
    const { tenant, claims } = accessOf(request);
    requireRole(claims, [ROLES.devicesReadWrite]);
    return reportCompliance(deps, tenant, claims.azp ?? claims.appid, request.params.deviceId, request.body);
  });
}
