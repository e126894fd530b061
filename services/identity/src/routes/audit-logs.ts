/** Graph's `auditLogs/signIns`, newest first. Shares the Graph scope's token check. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '@baton/contracts';
import { requireRole } from '@baton/kit';
import type { IdentityDeps } from '../domain/deps.js';
import { getSignIn, graphSignIn, listSignIns } from '../domain/sign-in-log.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import type { AccessOf } from './groups.js';

const SIGN_IN_READ = [ROLES.auditLogRead, ROLES.directoryRead];
const Query = Type.Object(
  {
    $filter: Type.Optional(Type.String({ maxLength: 2000 })),
    $top: Type.Optional(Type.String({ maxLength: 10 })),
    $skiptoken: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerAuditLogRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf): void {
  for (const version of GRAPH_VERSIONS) registerVersion(instance, deps, accessOf, version);
}

function registerVersion(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf, version: GraphVersion): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const context = (entity: string) => deps.urls.graph(`$metadata#${entity}`, version);

  app.get(`/graph/${version}/auditLogs/signIns`, { schema: { querystring: Query } }, async (request) => {
    const { tenant, claims } = accessOf(request);
    requireRole(claims, SIGN_IN_READ);
    const q = request.query;
    const { signIns, nextSkiptoken } = await listSignIns(deps.store, tenant.id, q.$filter, q.$top, q.$skiptoken);
    const body: Record<string, unknown> = { '@odata.context': context('auditLogs/signIns'), value: signIns.map(graphSignIn) };
    if (nextSkiptoken) {
      const next = new URLSearchParams();
      if (q.$filter) next.set('$filter', q.$filter);
      if (q.$top) next.set('$top', q.$top);
      next.set('$skiptoken', nextSkiptoken);
      body['@odata.nextLink'] = deps.urls.graph(`auditLogs/signIns?${next.toString()}`, version);
    }
    return body;
  });

  app.get(`/graph/${version}/auditLogs/signIns/:id`, { schema: { params: IdParams } }, async (request) => {
    const { tenant, claims } = accessOf(request);
    requireRole(claims, SIGN_IN_READ);
    return { '@odata.context': context('auditLogs/signIns/$entity'), ...graphSignIn(await getSignIn(deps.store, tenant.id, request.params.id)) };
  });
}
