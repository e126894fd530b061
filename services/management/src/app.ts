/**
 * The management service as a Fastify plugin. Each protocol family lives in its own
 * encapsulated scope with its own error handler, so that even the framework's errors
 * (wrong content type, oversize body) reach a client in the shape it understands:
 * SOAP faults on the MS-MDE2 endpoints, plain 4xx on OMA-DM, Graph envelopes on the admin API.
 */
import { createApp, type BatonApp, type ServiceContext } from '@baton/kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ManagementDeps } from './deps.js';
import { managementEventRoutes } from './events/routes.js';
import { observeEnrollmentEvents } from './events/observe.js';
import { autopilotEventRoutes } from './routes/autopilot-events.js';
import { compliancePolicyRoutes } from './routes/compliance-policies.js';
import { deviceConfigurationRoutes } from './routes/device-configurations.js';
import { enrollmentConfigurationRoutes } from './routes/enrollment-configurations.js';
import { mobileAppRoutes } from './routes/mobile-apps.js';
import { discoveryRoutes } from './routes/enrollment-discovery.js';
import { enrollmentRoutes } from './routes/enrollment.js';
import { policyRoutes } from './routes/enrollment-policy.js';
import { managedDeviceRoutes } from './routes/managed-devices.js';
import { omadmRoutes, syncmlErrorHandler } from './routes/omadm.js';
import { soapErrorHandler } from './routes/soap.js';
import { createManagementService, type ManagementRuntime, type ManagementServiceOptions } from './service.js';

export interface ManagementPluginOptions {
  deps: ManagementDeps;
}

export const managementPlugin: FastifyPluginAsync<ManagementPluginOptions> = async (app, options) => {
  const { deps } = options;
  await app.register(async (soap: FastifyInstance) => {
    soap.setErrorHandler(soapErrorHandler);
    observeEnrollmentEvents(soap, deps);
    await discoveryRoutes(soap, deps);
    await policyRoutes(soap, deps);
    await enrollmentRoutes(soap, deps);
  });
  await app.register(async (omadm: FastifyInstance) => {
    omadm.setErrorHandler(syncmlErrorHandler);
    await omadmRoutes(omadm, deps);
  });
  await app.register(async (graph: FastifyInstance) => {
    await managedDeviceRoutes(graph, deps);
  });
  await managementEventRoutes(app, deps);
  await app.register(async (graph: FastifyInstance) => {
    await compliancePolicyRoutes(graph, deps);
  });
  await app.register(async (graph: FastifyInstance) => {
    await deviceConfigurationRoutes(graph, deps);
  });
  for (const routes of [mobileAppRoutes, enrollmentConfigurationRoutes, autopilotEventRoutes]) {
    await app.register(async (graph: FastifyInstance) => {
      await routes(graph, deps);
    });
  }
};

export interface BuildManagementAppOptions {
  /** TLS options for a listening test server (key, cert, requestCert, rejectUnauthorized). */
  https?: Record<string, unknown>;
  /** Service options (relay tuning, a group-membership source). */
  service?: ManagementServiceOptions;
}

/** The management service alone in an app of its own, for tests. */
export async function buildManagementApp(
  ctx: ServiceContext,
  options: BuildManagementAppOptions = {},
): Promise<{ app: BatonApp; deps: ManagementDeps; runtime: ManagementRuntime; close(): Promise<void> }> {
  const runtime = await createManagementService(ctx, options.service);
  const app = createApp({ logger: false, ...(options.https ? { https: options.https } : {}) });
  try {
    await app.register(runtime.plugin, runtime.pluginOptions);
    await runtime.start();
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  const deps = (runtime.pluginOptions as unknown as ManagementPluginOptions).deps;
  return {
    app,
    deps,
    runtime,
    async close() {
      await app.close();
      await runtime.stop();
    },
  };
}
