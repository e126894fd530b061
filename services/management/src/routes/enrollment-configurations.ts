/**
 * Graph `deviceManagement/deviceEnrollmentConfigurations` for the Enrollment Status Page
 * (`windows10EnrollmentCompletionPageConfiguration`), with `assign` and `assignments`. The ESP
 * that applies to a device is fixed at its first session: a change reaches the next enrollment.
 */
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ROLES } from '@baton/contracts';
import { graphErrorHandler, refuseFilter } from '@baton/kit';
import type { FastifyInstance } from 'fastify';
import { defaultEspSettings, parseEspInput, toGraphEsp } from '../apps/esp-configuration.js';
import { appErrors, type GraphVersion } from '../apps/mobile-app.js';
import type { EspConfiguration, StoredTarget } from '../apps/store.js';
import { parseTarget } from '../targeting/targets.js';
import type { ManagementDeps } from '../deps.js';
import { AnyObject, assignmentRoutes, IdParams } from './graph-assignments.js';
import { graphTenantOf, ownedById } from './graph-caller.js';

const READ = [ROLES.autopilotReadWrite, 'DeviceManagementServiceConfig.Read.All'];
const WRITE = [ROLES.autopilotReadWrite];
const VERSIONS: GraphVersion[] = ['v1.0', 'beta'];


const graphAssignment = (a: StoredTarget) => ({ id: a.id, target: a.target, source: 'direct', sourceId: null });

export async function enrollmentConfigurationRoutes(instance: FastifyInstance, deps: ManagementDeps): Promise<void> {
  instance.setErrorHandler(graphErrorHandler);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const store = deps.appsStore;

  const tenantOf = graphTenantOf(deps.graphTokens);
  const own = (tenantId: string, id: string): Promise<EspConfiguration> => ownedById(id, (key) => store.getEsp(tenantId, key), appErrors.notFound);

  for (const v of VERSIONS) {
    const base = `/graph/${v}/deviceManagement/deviceEnrollmentConfigurations`;
    const context = (entity: string) => `${deps.urls.management}/graph/${v}/$metadata#${entity}`;

    app.get(base, { preValidation: refuseFilter }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      return { '@odata.context': context('deviceManagement/deviceEnrollmentConfigurations'), value: (await store.listEsps(tenantId)).map((c) => toGraphEsp(c, v)) };
    });

    app.post(base, { schema: { body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const input = parseEspInput(request.body, 'create');
      const at = new Date().toISOString();
      const existing = await store.listEsps(tenantId);
      const config: EspConfiguration = {
        id: randomUUID(),
        tenantId,
        displayName: input.displayName!,
        // Intune puts a new configuration after the existing ones.
        priority: input.priority ?? existing.reduce((max, c) => Math.max(max, c.priority), 0) + 1,
        properties: { ...defaultEspSettings(), ...input.settings, description: input.description ?? null },
        version: 1,
        createdAt: at,
        modifiedAt: at,
      };
      await store.insertEsp(config);
      return reply.code(201).send({ '@odata.context': context('deviceManagement/deviceEnrollmentConfigurations/$entity'), ...toGraphEsp(config, v) });
    });

    app.get(`${base}/:id`, { schema: { params: IdParams } }, async (request) => {
      const tenantId = await tenantOf(request, READ);
      return { '@odata.context': context('deviceManagement/deviceEnrollmentConfigurations/$entity'), ...toGraphEsp(await own(tenantId, request.params.id), v) };
    });

    app.patch(`${base}/:id`, { schema: { params: IdParams, body: AnyObject } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const found = await own(tenantId, request.params.id);
      const input = parseEspInput(request.body, 'update');
      const properties = { ...found.properties, ...input.settings, ...(input.description !== undefined ? { description: input.description } : {}) };
      await store.updateEsp({ ...found, displayName: input.displayName ?? found.displayName, priority: input.priority ?? found.priority, properties, version: found.version + 1, modifiedAt: new Date().toISOString() });
      return reply.code(204).send();
    });

    app.delete(`${base}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      const tenantId = await tenantOf(request, WRITE);
      const found = await own(tenantId, request.params.id);
      await store.deleteEsp(tenantId, found.id);
      return reply.code(204).send();
    });

    assignmentRoutes<StoredTarget>(instance, {
      base,
      entitySet: 'deviceManagement/deviceEnrollmentConfigurations',
      assignProperty: 'enrollmentConfigurationAssignments',
      ownerNoun: 'An enrollment configuration',
      read: READ,
      write: WRITE,
      tenantOf,
      context,
      owner: own,
      parse: (_espId, raw) => ({ id: randomUUID(), target: parseTarget(raw.target) as unknown as Record<string, unknown> }),
      toGraph: graphAssignment,
      notFound: appErrors.notFound,
      invalid: appErrors.invalid,
      list: (tenantId, espId) => store.listEspAssignments(tenantId, espId),
      replace: (tenantId, espId, targets) => store.transaction((tx) => tx.replaceEspAssignments(tenantId, espId, targets)),
    });
  }
}
