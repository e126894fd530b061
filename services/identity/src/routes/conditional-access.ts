/**
 * Graph's conditional access surface (v1.0 and beta): policies and named locations (list, get,
 * create, PATCH, delete) and the what-if `evaluate` action. Writes need
 * Policy.ReadWrite.ConditionalAccess, as on Microsoft Graph; reads also accept Policy.Read.All.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES } from '@baton/contracts';
import { requireRole } from '@baton/kit';
import { decodeSkiptoken, encodeSkiptoken, ODataError, parseQueryOptions } from '@baton/protocols';
import type { IdentityDeps } from '../domain/deps.js';
import {
  createNamedLocation,
  createPolicy,
  deleteNamedLocation,
  deletePolicy,
  getNamedLocation,
  getPolicy,
  listNamedLocations,
  listPolicies,
  loadConditionalAccess,
  updateNamedLocation,
  updatePolicy,
  type ListPage,
} from '../domain/conditional-access/admin.js';
import { userIdentity } from '../domain/conditional-access/directory.js';
import { ConditionalAccessValidationError } from '../domain/conditional-access/errors.js';
import { evaluateConditionalAccess } from '../domain/conditional-access/evaluate.js';
import { mergeDecisions, parseWhatIfRequest, whatIfResponse } from '../domain/conditional-access/what-if.js';
import { isGuid } from '../domain/ids.js';
import { identityGraphErrors } from '../errors.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import type { AccessOf } from './groups.js';

const CA_WRITE = [ROLES.conditionalAccessReadWrite];
const CA_READ = [ROLES.conditionalAccessReadWrite, 'Policy.Read.All', 'Policy.Read.ConditionalAccess'];

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
// The validator, not the schema, reads the body: it names the bad property the way Graph clients wrote it.
const JsonBody = Type.Object({}, { additionalProperties: true });
const BODY_LIMIT = 256 * 1024;

/** Validation failures answer 400 in the Graph envelope with the property path. */
async function graphShaped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConditionalAccessValidationError) {
      const where = error.rule ? ` (rule position ${error.rule.position})` : '';
      throw identityGraphErrors.invalidValue(`${error.message}${where}`);
    }
    if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
}

function listPage(request: FastifyRequest): ListPage {
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) throw identityGraphErrors.unsupportedQuery(`Query option '${k.slice(0, 40)}' is given more than once.`);
    if (typeof v === 'string') query[k] = v;
  }
  const q = parseQueryOptions(query, { options: ['filter', 'top', 'skiptoken'] });
  let afterId: string | undefined;
  if (q.skiptoken !== undefined) {
    const cursor = decodeSkiptoken(q.skiptoken);
    if (typeof cursor.after !== 'string' || !isGuid(cursor.after)) throw identityGraphErrors.unsupportedQuery('$skiptoken is not a token this service issued.');
    afterId = cursor.after;
  }
  return { filter: q.filter, top: q.top ?? 100, afterId };
}

export function registerConditionalAccessRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf): void {
  // IntuneManagement and other beta-first tools read conditional access on beta.
  for (const version of GRAPH_VERSIONS) registerVersion(instance, deps, accessOf, version);
}

function registerVersion(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf, version: GraphVersion): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const base = `${deps.urls.root}/graph/${version}`;
  const p = `/graph/${version}/identity/conditionalAccess`;
  const context = (entity: string) => `${base}/$metadata#${entity}`;
  const tenantOf = (request: FastifyRequest, roles: string[]) => {
    const access = accessOf(request);
    requireRole(access.claims, roles);
    return access.tenant.id;
  };
  const nextLink = (request: FastifyRequest, path: string, lastId: string | undefined) => {
    if (!lastId) return {};
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, string>)) if (k.toLowerCase() !== '$skiptoken') next.set(k, v);
    next.set('$skiptoken', encodeSkiptoken({ after: lastId }));
    return { '@odata.nextLink': `${base}/${path}?${next.toString()}` };
  };

  for (const resource of ['policies', 'namedLocations'] as const) {
    const ops =
      resource === 'policies'
        ? { list: listPolicies, get: getPolicy, create: createPolicy, update: updatePolicy, remove: deletePolicy }
        : { list: listNamedLocations, get: getNamedLocation, create: createNamedLocation, update: updateNamedLocation, remove: deleteNamedLocation };
    const entitySet = `identity/conditionalAccess/${resource}`;

    app.get(`${p}/${resource}`, (request) =>
      graphShaped(async () => {
        const tenantId = tenantOf(request, CA_READ);
        const { items, lastId } = await ops.list(deps.store, tenantId, listPage(request));
        return { '@odata.context': context(entitySet), ...nextLink(request, entitySet, lastId), value: items };
      }),
    );

    app.get(`${p}/${resource}/:id`, { schema: { params: IdParams } }, (request) =>
      graphShaped(async () => {
        const tenantId = tenantOf(request, CA_READ);
        return { '@odata.context': context(`${entitySet}/$entity`), ...(await ops.get(deps.store, tenantId, request.params.id)) };
      }),
    );

    app.post(`${p}/${resource}`, { bodyLimit: BODY_LIMIT, schema: { body: JsonBody } }, (request, reply) =>
      graphShaped(async () => {
        const tenantId = tenantOf(request, CA_WRITE);
        const created = await ops.create(deps.store, tenantId, request.body, deps.now());
        return reply.code(201).send({ '@odata.context': context(`${entitySet}/$entity`), ...created });
      }),
    );

    app.patch(`${p}/${resource}/:id`, { bodyLimit: BODY_LIMIT, schema: { params: IdParams, body: JsonBody } }, (request, reply) =>
      graphShaped(async () => {
        const tenantId = tenantOf(request, CA_WRITE);
        await ops.update(deps.store, tenantId, request.params.id, request.body, deps.now());
        return reply.code(204).send();
      }),
    );

    app.delete(`${p}/${resource}/:id`, { schema: { params: IdParams } }, (request, reply) =>
      graphShaped(async () => {
        const tenantId = tenantOf(request, CA_WRITE);
        await ops.remove(deps.store, tenantId, request.params.id);
        return reply.code(204).send();
      }),
    );
  }

  app.post(`${p}/evaluate`, { bodyLimit: 64 * 1024, schema: { body: JsonBody } }, (request) =>
    graphShaped(async () => {
      const tenantId = tenantOf(request, CA_READ);
      const { signIn, applications, appliedPoliciesOnly } = parseWhatIfRequest(request.body);
      if (signIn.identity.kind === 'user') {
        // The directory supplies what Graph's what-if leaves out: group membership and roles.
        const userId = signIn.identity.userId;
        const user = isGuid(userId) ? await deps.store.findUserById(tenantId, userId.toLowerCase()) : undefined;
        if (!user) throw identityGraphErrors.invalidValue(`signInIdentity.userId: user '${userId.slice(0, 100)}' does not exist in this tenant.`);
        signIn.identity = { ...signIn.identity, ...(await userIdentity(deps.store, tenantId, user)) };
      }
      const ca = await loadConditionalAccess(deps.store, tenantId);
      const targets = applications.length > 0 ? applications.map((appId) => ({ ...signIn, target: { kind: 'application' as const, appId } })) : [signIn];
      const decision = mergeDecisions(targets.map((s) => evaluateConditionalAccess(ca.policies, ca.namedLocations, s, { allReasons: true })));
      return { '@odata.context': context('Collection(microsoft.graph.whatIfAnalysisResult)'), ...whatIfResponse(ca.byId, decision, appliedPoliciesOnly) };
    }),
  );
}
