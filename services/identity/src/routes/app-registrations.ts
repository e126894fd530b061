/**
 * Graph `applications` and `servicePrincipals` on v1.0 and beta: register a client, give it
 * secrets and take them back, grant it Microsoft Graph app roles. Shares the Graph scope's token check.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES } from '@baton/contracts';
import { requireRole } from '@baton/kit';
import {
  addPassword,
  assignAppRole,
  createApplication,
  createServicePrincipal,
  deleteApplication,
  listAppRoleAssignments,
  listApplications,
  listServicePrincipals,
  readApplication,
  readApplicationByAppId,
  type RegistrationFilter,
  removePassword,
  updateApplication,
  readServicePrincipal,
} from '../domain/app-registrations.js';
import type { IdentityDeps } from '../domain/deps.js';
import { parseListQuery } from '../domain/list-query.js';
import { GRAPH_VERSIONS, type GraphVersion } from '../domain/urls.js';
import { identityGraphErrors } from '../errors.js';
import { alternateKeyValue } from './alternate-key.js';
import type { AccessOf } from './groups.js';

const APP_READ = [ROLES.applicationsReadWrite, ROLES.directoryRead];
const APP_WRITE = [ROLES.applicationsReadWrite];
const GRANT = [ROLES.appRoleAssignmentsReadWrite];
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const KeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 80 }) });
const Body = Type.Object({}, { additionalProperties: true });
const ListQuery = Type.Object({ $filter: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true });

/**
 * `appId eq '…'` and `displayName eq '…'` (joined by `and`), the filters scripts send to find an
 * application or a service principal; anything else is a 400, never an unfiltered list.
 */
function registrationFilter(filter: string | undefined, what: string): RegistrationFilter {
  if (filter === undefined) return {};
  const out: RegistrationFilter = {};
  for (const clause of parseListQuery(filter, undefined, undefined).clauses) {
    const property = clause.property.toLowerCase();
    if (clause.kind !== 'eq' || typeof clause.value !== 'string' || (property !== 'appid' && property !== 'displayname')) {
      throw identityGraphErrors.unsupportedQuery(`${what} can be filtered on appId eq '…' and displayName eq '…' only.`);
    }
    if (property === 'appid') out.appId = clause.value;
    else out.displayName = clause.value;
  }
  return out;
}

function keyOf(raw: string): string {
  const value = alternateKeyValue(raw);
  if (value === undefined) throw identityGraphErrors.invalidValue(`Invalid key: applications(appId=${raw.slice(0, 80)}.`);
  return value;
}

export function registerAppRegistrationRoutes(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf): void {
  for (const version of GRAPH_VERSIONS) registerVersion(instance, deps, accessOf, version);
}

function registerVersion(instance: FastifyInstance, deps: IdentityDeps, accessOf: AccessOf, version: GraphVersion): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const g = `/graph/${version}`;
  const context = (entity: string) => deps.urls.graph(`$metadata#${entity}`, version);
  const tenantOf = (request: FastifyRequest, roles: string[]) => {
    const access = accessOf(request);
    requireRole(access.claims, roles);
    return access.tenant;
  };

  app.get(`${g}/applications`, { schema: { querystring: ListQuery } }, async (request) => ({
    '@odata.context': context('applications'),
    value: await listApplications(deps, tenantOf(request, APP_READ), registrationFilter(request.query.$filter, 'Applications')),
  }));
  app.post(`${g}/applications`, { bodyLimit: 64 * 1024, schema: { body: Body } }, async (request, reply) => {
    const created = await createApplication(deps, tenantOf(request, APP_WRITE), request.body as Record<string, unknown>);
    return reply.code(201).send({ '@odata.context': context('applications/$entity'), ...created });
  });
  app.get(`${g}/applications/:id`, { schema: { params: IdParams } }, async (request) => ({
    '@odata.context': context('applications/$entity'),
    ...(await readApplication(deps, tenantOf(request, APP_READ), request.params.id)),
  }));
  app.get(`${g}/applications(appId=:key`, { schema: { params: KeyParams } }, async (request) => ({
    '@odata.context': context('applications/$entity'),
    ...(await readApplicationByAppId(deps, tenantOf(request, APP_READ), keyOf(request.params.key))),
  }));
  app.delete(`${g}/applications/:id`, { schema: { params: IdParams } }, async (request, reply) => {
    await deleteApplication(deps, tenantOf(request, APP_WRITE), request.params.id);
    return reply.code(204).send();
  });
  app.post(`${g}/applications/:id/addPassword`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: Type.Optional(Body) } }, async (request) => ({
    '@odata.context': context('microsoft.graph.passwordCredential'),
    ...(await addPassword(deps, tenantOf(request, APP_WRITE), request.params.id, (request.body ?? {}) as Record<string, unknown>)),
  }));
  app.patch(`${g}/applications/:id`, { bodyLimit: 512 * 1024, schema: { params: IdParams, body: Body } }, async (request, reply) => {
    await updateApplication(deps, tenantOf(request, APP_WRITE), request.params.id, request.body as Record<string, unknown>);
    return reply.code(204).send();
  });
  app.post(`${g}/applications/:id/removePassword`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: Body } }, async (request, reply) => {
    await removePassword(deps, tenantOf(request, APP_WRITE), request.params.id, request.body as Record<string, unknown>);
    return reply.code(204).send();
  });

  app.get(`${g}/servicePrincipals`, { schema: { querystring: ListQuery } }, async (request) => ({
    '@odata.context': context('servicePrincipals'),
    value: await listServicePrincipals(deps, tenantOf(request, APP_READ), registrationFilter(request.query.$filter, 'Service principals')),
  }));
  app.post(`${g}/servicePrincipals`, { bodyLimit: 16 * 1024, schema: { body: Body } }, async (request, reply) => {
    const created = await createServicePrincipal(deps, tenantOf(request, APP_WRITE), request.body as Record<string, unknown>);
    return reply.code(201).send({ '@odata.context': context('servicePrincipals/$entity'), ...created });
  });
  app.get(`${g}/servicePrincipals/:id`, { schema: { params: IdParams } }, async (request) => ({
    '@odata.context': context('servicePrincipals/$entity'),
    ...(await readServicePrincipal(deps, tenantOf(request, APP_READ), request.params.id)),
  }));
  app.get(`${g}/servicePrincipals/:id/appRoleAssignments`, { schema: { params: IdParams } }, async (request) => ({
    '@odata.context': context(`servicePrincipals('${request.params.id}')/appRoleAssignments`),
    value: await listAppRoleAssignments(deps, tenantOf(request, APP_READ), request.params.id),
  }));
  // The grant, from either end: the principal's appRoleAssignments or the resource's appRoleAssignedTo.
  for (const [path, end] of [
    ['appRoleAssignments', 'principalId'],
    ['appRoleAssignedTo', 'resourceId'],
  ] as const) {
    app.post(`${g}/servicePrincipals/:id/${path}`, { bodyLimit: 16 * 1024, schema: { params: IdParams, body: Body } }, async (request, reply) => {
      const tenant = tenantOf(request, GRANT);
      const body = request.body as Record<string, unknown>;
      if (typeof body[end] === 'string' && (body[end] as string).toLowerCase() !== request.params.id.toLowerCase()) {
        throw identityGraphErrors.invalidValue(`Property '${end}' must be the service principal in the URL.`);
      }
      const assignment = await assignAppRole(deps, tenant, { ...body, [end]: request.params.id });
      return reply.code(201).send({ '@odata.context': context(`servicePrincipals('${request.params.id}')/${path}/$entity`), ...assignment });
    });
  }
}
