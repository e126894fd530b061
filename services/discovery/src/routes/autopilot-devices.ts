import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { effectiveProfile, type EffectiveProfile } from '../domain/assignments.js';
import { renderProfile } from '../domain/profiles.js';
import { discoveryErrors } from '../errors.js';
import { graphAuth, metadataContext, tenantOf, type GraphRouteOptions } from './context.js';
import { collection, parseCollectionQuery } from './odata.js';
import { renderDevice } from './shapes.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const SET = 'deviceManagement/windowsAutopilotDeviceIdentities';
const EXPANDABLE = new Set(['deploymentprofile', 'intendeddeploymentprofile']);

/**
 * beta's `$expand=deploymentProfile,intendedDeploymentProfile`, which Get-AutopilotDevice
 * sends; both resolve to the profile the device gets, since assignment is immediate here.
 */
function expansion(query: Record<string, unknown>, version: string, profile: EffectiveProfile | undefined): Record<string, unknown> {
  const raw = query.$expand;
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || version !== 'beta') throw discoveryErrors.badRequest('$expand is not supported here.');
  const out: Record<string, unknown> = {};
  for (const name of raw.split(',').map((n) => n.trim())) {
    if (!EXPANDABLE.has(name.toLowerCase())) throw discoveryErrors.badRequest(`Could not find a navigation property '${name.slice(0, 80)}' to expand.`);
    out[name.toLowerCase() === 'deploymentprofile' ? 'deploymentProfile' : 'intendedDeploymentProfile'] = profile ? renderProfile(profile.profile) : null;
  }
  return out;
}

export const autopilotDeviceRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.addHook('preHandler', graphAuth(options.verifier));

  r.get('/deviceManagement/windowsAutopilotDeviceIdentities', async (request) => {
    const tenantId = tenantOf(request);
    const { filter, page } = parseCollectionQuery(request.query as Record<string, string>);
    const [rows, profile] = await Promise.all([
      deps.store.listDevices(tenantId, filter, { offset: page.offset, limit: page.limit + 1 }),
      effectiveProfile(deps, tenantId),
    ]);
    const expanded = expansion(request.query as Record<string, unknown>, version, profile);
    return collection(request, publicUrl, metadataContext(publicUrl, version, SET), rows, page, (d) => ({ ...renderDevice(d, version, profile), ...expanded }));
  });

  r.get('/deviceManagement/windowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request) => {
    const tenantId = tenantOf(request);
    const device = await deps.store.getDevice(tenantId, request.params.id);
    if (!device) throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', request.params.id);
    const profile = await effectiveProfile(deps, tenantId);
    return {
      '@odata.context': metadataContext(publicUrl, version, `${SET}/$entity`),
      ...renderDevice(device, version, profile),
      ...expansion(request.query as Record<string, unknown>, version, profile),
    };
  });

  r.delete('/deviceManagement/windowsAutopilotDeviceIdentities/:id', { schema: { params: IdParams } }, async (request, reply) => {
    if (!(await deps.store.deleteDevice(tenantOf(request), request.params.id))) {
      throw discoveryErrors.itemNotFound('windowsAutopilotDeviceIdentity', request.params.id);
    }
    reply.code(204);
  });
};
