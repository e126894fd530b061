/**
 * Discovery's HTTP surface as one Fastify plugin (mounted by the combined server) and a
 * standalone app for tests.
 */
import { createApp, graphErrorHandler, type BatonApp, type ServiceContext } from '@baton/kit';
import { ODataError } from '@baton/protocols';
import type { FastifyPluginAsync } from 'fastify';
import { autopilotDeviceRoutes } from './routes/autopilot-devices.js';
import { traceHook, type DiscoveryPluginOptions, type GraphVersion } from './routes/context.js';
import { deploymentProfileRoutes } from './routes/deployment-profiles.js';
import { endorsementKeyRoutes } from './routes/endorsement-keys.js';
import { eventRoutes } from './routes/events.js';
import { importCsvRoutes } from './routes/import-csv.js';
import { importedDeviceRoutes } from './routes/imported-devices.js';
import { lookupRoutes } from './routes/lookup.js';
import { notificationRoutes } from './routes/notifications.js';
import { odataBadRequest } from './routes/odata.js';
import { autopilotSettingsRoutes } from './routes/settings.js';
import { createDiscoveryService, type DiscoveryRuntime, type DiscoveryServiceOptions } from './service.js';

export type { DiscoveryPluginOptions } from './routes/context.js';

const VERSIONS: GraphVersion[] = ['beta', 'v1.0'];

export const discoveryPlugin: FastifyPluginAsync<DiscoveryPluginOptions> = async (app, options) => {
  app.addHook('onRequest', traceHook);
  // The query codec throws its own error type; to a Graph client it is a 400 like any other.
  app.setErrorHandler(function (error, request, reply) {
    return graphErrorHandler.call(this, error instanceof ODataError ? odataBadRequest(error) : error, request, reply);
  });
  await app.register(lookupRoutes, options);
  await app.register(notificationRoutes, options);
  await app.register(eventRoutes, options);
  await app.register(endorsementKeyRoutes, options);
  for (const version of VERSIONS) {
    const prefix = `/graph/${version}`;
    await app.register(importedDeviceRoutes, { ...options, version, prefix });
    await app.register(autopilotDeviceRoutes, { ...options, version, prefix });
    if (version === 'beta') {
      await app.register(deploymentProfileRoutes, { ...options, version, prefix });
      await app.register(importCsvRoutes, { ...options, version, prefix });
      await app.register(autopilotSettingsRoutes, { ...options, version, prefix });
    }
  }
};

export interface DiscoveryApp {
  app: BatonApp;
  runtime: DiscoveryRuntime;
  /** Stops background work, closes the app and the store. */
  close(): Promise<void>;
}

/** The service on an app of its own, not listening: tests inject() or listen on port 0. */
export async function buildDiscoveryApp(
  ctx: ServiceContext,
  options: DiscoveryServiceOptions = {},
  appOptions: { https?: Record<string, unknown> } = {},
): Promise<DiscoveryApp> {
  const runtime = await createDiscoveryService(ctx, options);
  const app = createApp({ logger: false, ...appOptions });
  await app.register(runtime.plugin, runtime.pluginOptions);
  await app.ready();
  return {
    app,
    runtime,
    async close() {
      await app.close();
      await runtime.stop();
    },
  };
}
