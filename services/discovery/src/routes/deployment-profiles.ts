import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { addAssignment, deleteAssignment, deleteProfile, getAssignment, renderAssignment } from '../domain/assignments.js';
import { createProfile, PROFILE_PROPERTY_NAMES, renderProfile, requireProfile, updateProfile } from '../domain/profiles.js';
import { graphAuth, metadataContext, tenantOf, traceOf, type GraphRouteOptions } from './context.js';
import { collectionBody, contextWithSelect, countAnswer, pageAndCount, readCollectionQuery, readEntityQuery, selectWithExpansions, type CollectionSpec } from './odata.js';

const AnyObject = Type.Object({}, { additionalProperties: true });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const AssignmentParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  assignmentId: Type.String({ minLength: 1, maxLength: 300 }),
});
const SET = 'deviceManagement/windowsAutopilotDeploymentProfiles';
/** Graph documents $orderby on displayName and description only, and $filter on nothing else. */
const PROFILES: CollectionSpec = { set: SET, select: PROFILE_PROPERTY_NAMES, orderby: ['displayName', 'description'] };
const assignmentsSpec = (profileId: string): CollectionSpec => ({
  set: `${SET}('${profileId}')/assignments`,
  select: ['id', 'source', 'sourceId', 'target'],
  orderby: [],
});

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

  const ctx = { publicUrl, version, spec: PROFILES };

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles', async (request) => {
    const tenantId = tenantOf(request);
    const parsed = readCollectionQuery(request, PROFILES);
    const [page, count] = await pageAndCount(
      parsed,
      (query) => deps.store.listProfiles(tenantId, query),
      (filter) => deps.store.countProfiles(tenantId, filter),
    );
    return collectionBody(request, ctx, parsed, page, renderProfile, count);
  });

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/$count', (request, reply) =>
    countAnswer(request, reply, (filter) => deps.store.countProfiles(tenantOf(request), filter)),
  );

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/:id', { schema: { params: IdParams } }, async (request) => {
    const { select } = readEntityQuery(request, PROFILES);
    const profile = await requireProfile(deps, tenantOf(request), request.params.id);
    return { '@odata.context': contextWithSelect(ctx, SET, select).concat('/$entity'), ...selectWithExpansions(renderProfile(profile), select, undefined) };
  });

  r.patch('/deviceManagement/windowsAutopilotDeploymentProfiles/:id', { schema: { params: IdParams, body: AnyObject } }, async (request) => {
    const profile = await updateProfile(deps, tenantOf(request), request.params.id, request.body, traceOf(request));
    return { '@odata.context': entityContext, ...renderProfile(profile) };
  });

  r.delete('/deviceManagement/windowsAutopilotDeploymentProfiles/:id', { schema: { params: IdParams } }, async (request, reply) => {
    await deleteProfile(deps, tenantOf(request), request.params.id, traceOf(request));
    reply.code(204);
  });

  r.post(
    '/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments',
    { schema: { params: IdParams, body: AnyObject } },
    async (request, reply) => {
      const assignment = await addAssignment(deps, tenantOf(request), request.params.id, request.body, traceOf(request));
      reply.code(201);
      return {
        '@odata.context': metadataContext(publicUrl, version, `${SET}('${request.params.id}')/assignments/$entity`),
        ...renderAssignment(assignment),
      };
    },
  );

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments', { schema: { params: IdParams } }, async (request) => {
    const tenantId = tenantOf(request);
    const profileId = request.params.id;
    const spec = assignmentsSpec(profileId);
    const parsed = readCollectionQuery(request, spec);
    await requireProfile(deps, tenantId, profileId);
    const [page, count] = await pageAndCount(
      parsed,
      (query) => deps.store.pageAssignments(tenantId, profileId, query),
      (filter) => deps.store.countAssignments(tenantId, profileId, filter),
    );
    return collectionBody(request, { publicUrl, version, spec }, parsed, page, renderAssignment, count);
  });

  r.get('/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments/$count', { schema: { params: IdParams } }, async (request, reply) => {
    const tenantId = tenantOf(request);
    return countAnswer(request, reply, async (filter) => {
      await requireProfile(deps, tenantId, request.params.id);
      return deps.store.countAssignments(tenantId, request.params.id, filter);
    });
  });

  r.get(
    '/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments/:assignmentId',
    { schema: { params: AssignmentParams } },
    async (request) => {
      const { id, assignmentId } = request.params;
      const assignment = await getAssignment(deps, tenantOf(request), id, assignmentId);
      return { '@odata.context': metadataContext(publicUrl, version, `${SET}('${id}')/assignments/$entity`), ...renderAssignment(assignment) };
    },
  );

  r.delete(
    '/deviceManagement/windowsAutopilotDeploymentProfiles/:id/assignments/:assignmentId',
    { schema: { params: AssignmentParams } },
    async (request, reply) => {
      const { id, assignmentId } = request.params;
      await deleteAssignment(deps, tenantOf(request), id, assignmentId, traceOf(request));
      reply.code(204);
    },
  );
};
