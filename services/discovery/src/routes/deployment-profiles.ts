import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { addAssignment, renderAssignment } from '../domain/assignments.js';
import { createProfile, renderProfile, requireProfile } from '../domain/profiles.js';
import { discoveryErrors } from '../errors.js';
import { graphAuth, metadataContext, tenantOf, type GraphRouteOptions } from './context.js';
import { collection, parseCollectionQuery } from './odata.js';

const AnyObject = Type.Object({}, { additionalProperties: true });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const AssignmentParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  assignmentId: Type.String({ minLength: 1, maxLength: 300 }),
});
const SET = 'deviceManagement/windowsAutopilotDeploymentProfiles';

/** Deployment profiles exist only in beta: v1.0 has no navigation to them. */
export const deploymentProfileRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.addHook('preHandler', graphAuth(options.verifier));
  const entityContext = metadataContext(publicUrl, version, `${SET}/$entity`);

  r.post('/deviceManagement/windowsAutopilotDeploymentProfiles', { schema: { body: AnyObject } }, async (request, reply) => {
    const profile = await createProfile(deps, tenantOf(request), request.body);
    reply.code(201);
    return { '@odata.context': entityContext, ...renderProfile(profile) };
  });

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles', async (request) => {
    const { filter, page } = parseCollectionQuery(request.query as Record<string, string>);
    if (Object.keys(filter).length > 0) throw discoveryErrors.badRequest('$filter is not supported on deployment profiles yet.');
    const rows = await deps.store.listProfiles(tenantOf(request), { offset: page.offset, limit: page.limit + 1 });
    return collection(request, publicUrl, metadataContext(publicUrl, version, SET), rows, page, renderProfile);
  });

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/:id', { schema: { params: IdParams } }, async (request) => {
    const profile = await requireProfile(deps, tenantOf(request), request.params.id);
    return { '@odata.context': entityContext, ...renderProfile(profile) };
  });

  r.delete('/deviceManagement/windowsAutopilotDeploymentProfiles/:id', { schema: { params: IdParams } }, async (request, reply) => {
    if (!(await deps.store.deleteProfile(tenantOf(request), request.params.id))) {
      throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfile', request.params.id);
    }
    reply.code(204);
  });

  r.post(
    '/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments',
    { schema: { params: IdParams, body: AnyObject } },
    async (request, reply) => {
      const assignment = await addAssignment(deps, tenantOf(request), request.params.id, request.body);
      reply.code(201);
      return {
        '@odata.context': metadataContext(publicUrl, version, `${SET}('${request.params.id}')/assignments/$entity`),
        ...renderAssignment(assignment),
      };
    },
  );

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments', { schema: { params: IdParams } }, async (request) => {
    const tenantId = tenantOf(request);
    await requireProfile(deps, tenantId, request.params.id);
    const rows = await deps.store.listAssignments(tenantId, request.params.id);
    return {
      '@odata.context': metadataContext(publicUrl, version, `${SET}('${request.params.id}')/assignments`),
      value: rows.map(renderAssignment),
    };
  });

  r.delete(
    '/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments/:assignmentId',
    { schema: { params: AssignmentParams } },
    async (request, reply) => {
      const { id, assignmentId } = request.params;
      if (!(await deps.store.deleteAssignment(tenantOf(request), id, assignmentId))) {
        throw discoveryErrors.itemNotFound('windowsAutopilotDeploymentProfileAssignment', assignmentId);
      }
      reply.code(204);
    },
  );
};
