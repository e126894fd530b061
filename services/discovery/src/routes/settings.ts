/**
 * beta's windowsAutopilotSettings singleton and its sync action. Imports here register while
 * the client waits, so there is nothing to pull from elsewhere: a sync completes at once and
 * is recorded, for the tools that read lastManualSyncTriggerDateTime back.
 */
import type { FastifyPluginAsync } from 'fastify';
import { nowIso } from '../domain/deps.js';
import { graphAuth, metadataContext, tenantOf, type GraphRouteOptions } from './context.js';
import { ACTION_BODY_LIMIT, useTolerantJson } from './tolerant-json.js';

/** Graph's value for a DateTimeOffset that never happened. */
const NEVER = '0001-01-01T00:00:00Z';

export const autopilotSettingsRoutes: FastifyPluginAsync<GraphRouteOptions> = async (app, options) => {
  const { deps, publicUrl, version } = options;
  // Invoke-AutopilotSync posts with a JSON content type and no body.
  useTolerantJson(app);
  app.addHook('preHandler', graphAuth(options.verifier));

  app.get('/deviceManagement/windowsAutopilotSettings', async (request) => {
    const settings = await deps.store.getSettings(tenantOf(request));
    return {
      '@odata.context': metadataContext(publicUrl, version, 'deviceManagement/windowsAutopilotSettings/$entity'),
      '@odata.type': '#microsoft.graph.windowsAutopilotSettings',
      id: 'windowsAutopilotSettings',
      lastSyncDateTime: settings.lastSyncDateTime ?? NEVER,
      lastManualSyncTriggerDateTime: settings.lastManualSyncTriggerDateTime ?? NEVER,
      syncStatus: settings.syncStatus,
    };
  });

  app.post('/deviceManagement/windowsAutopilotSettings/sync', { bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    await deps.store.recordSync(tenantOf(request), nowIso(deps));
    reply.code(204);
  });
};
