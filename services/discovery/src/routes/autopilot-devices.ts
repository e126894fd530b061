import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describeDevices, type DeviceProfileView } from '../domain/profile-resolution.js';
import { assignUserToDevice, deleteDevices, unassignUserFromDevice, updateDeviceProperties } from '../domain/device-actions.js';
import { renderProfile } from '../domain/profiles.js';
import { discoveryErrors } from '../errors.js';
import { graphAuth, metadataContext, tenantOf, traceOf, type GraphRouteOptions, type GraphVersion } from './context.js';
import { collectionBody, contextWithSelect, countAnswer, pageAndCount, readCollectionQuery, readEntityQuery, selectWithExpansions, type CollectionSpec } from './odata.js';
import { DEVICE_PROPERTY_NAMES, renderDevice } from './shapes.js';
import { ACTION_BODY_LIMIT, useTolerantJson } from './tolerant-json.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const SET = 'deviceManagement/windowsAutopilotDeviceIdentities';
const EXPANDABLE = ['deploymentProfile', 'intendedDeploymentProfile'] as const;

function spec(version: GraphVersion): CollectionSpec {
  return {
    set: SET,
    select: DEVICE_PROPERTY_NAMES[version],
    orderby: ['serialNumber', 'groupTag', 'displayName', 'model', 'manufacturer', 'enrollmentState', 'lastContactedDateTime', 'purchaseOrderIdentifier', 'userPrincipalName'],
    // beta only: Get-AutopilotDevice sends $expand=deploymentProfile,intendedDeploymentProfile.
    ...(version === 'beta' ? { expand: EXPANDABLE } : {}),
  };
}

/** Both navigations resolve to the profile the device gets, since assignment is immediate here. */
function expansion(expand: readonly string[] | undefined, view: DeviceProfileView | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of expand ?? []) out[name] = view?.effective ? renderProfile(view.effective.profile) : null;
  return out;
}

export const autopilotDeviceRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.addHook('preHandler', graphAuth(options.verifier));
  const collection = spec(version);
  const ctx = { publicUrl, version, spec: collection };

  r.get('/deviceManagement/windowsAutopilotDeviceIdentities', async (request) => {
    const tenantId = tenantOf(request);
    const parsed = readCollectionQuery(request, collection);
    const [page, count] = await pageAndCount(
      parsed,
      (query) => deps.store.listDevices(tenantId, query),
      (filter) => deps.store.countDevices(tenantId, filter),
    );
    const views = await describeDevices(deps, tenantId, page.items);
    return collectionBody(request, ctx, parsed, page, (d) => {
      const view = views.get(d.id);
      return { ...renderDevice(d, version, view), ...expansion(parsed.expand, view) };
    }, count);
  });

  r.get('/deviceManagement/windowsAutopilotDeviceIdentities/$count', (request, reply) =>
    countAnswer(request, reply, (filter) => deps.store.countDevices(tenantOf(request), filter)),
  );

  r.get('/deviceManagement/windowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request) => {
    const tenantId = tenantOf(request);
    const { select, expand } = readEntityQuery(request, collection);
    const device = await deps.store.getDevice(tenantId, request.params.id);
    if (!device) throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', request.params.id);
    const view = (await describeDevices(deps, tenantId, [device])).get(device.id);
    return {
      '@odata.context': contextWithSelect(ctx, SET, select).concat('/$entity'),
      ...selectWithExpansions({ ...renderDevice(device, version, view), ...expansion(expand, view) }, select, expand),
    };
  });

  r.delete('/deviceManagement/windowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request, reply) => {
    if (!(await deps.store.deleteDevice(tenantOf(request), request.params.id))) {
      throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', request.params.id);
    }
    reply.code(204);
  });

  await app.register(async (actions: FastifyInstance) => {
    // Only these routes read lenient JSON: the module that sends it calls nothing else here with a body.
    useTolerantJson(actions);
    const a = actions.withTypeProvider<TypeBoxTypeProvider>();
    const routeOptions = { schema: { params: IdParams }, bodyLimit: ACTION_BODY_LIMIT };
    const bound = (name: string) => `/deviceManagement/windowsAutopilotDeviceIdentities/:id/${name}`;
    const paramsOf = (request: FastifyRequest) => request.params as { id: string };

    // Paths match ignoring case (the router is case-insensitive), so UpdateDeviceProperties lands here too.
    a.post(bound('updateDeviceProperties'), routeOptions, async (request, reply) => {
      await updateDeviceProperties(deps, tenantOf(request), paramsOf(request).id, request.body, traceOf(request));
      reply.code(204);
    });
    a.post(bound('assignUserToDevice'), routeOptions, async (request, reply) => {
      await assignUserToDevice(deps, tenantOf(request), paramsOf(request).id, request.body);
      reply.code(204);
    });
    a.post(bound('unassignUserFromDevice'), routeOptions, async (request, reply) => {
      await unassignUserFromDevice(deps, tenantOf(request), paramsOf(request).id);
      reply.code(204);
    });
    if (version === 'beta') {
      a.post('/deviceManagement/windowsAutopilotDeviceIdentities/deleteDevices', { bodyLimit: ACTION_BODY_LIMIT }, async (request) => {
        const states = await deleteDevices(deps, tenantOf(request), request.body);
        return {
          '@odata.context': metadataContext(publicUrl, version, 'Collection(microsoft.graph.deletedWindowsAutopilotDeviceState)'),
          value: states.map((s) => ({ '@odata.type': '#microsoft.graph.deletedWindowsAutopilotDeviceState', ...s })),
        };
      });
    }
  });
};
