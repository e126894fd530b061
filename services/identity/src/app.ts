/**
 * The identity service as a Fastify plugin (mounted by the combined server or by
 * `baton serve identity`), and a standalone app for tests.
 */
import type { FastifyPluginAsync } from 'fastify';
import { createApp, type BatonApp, type CreateAppOptions, type ServiceContext } from '@baton/kit';
import { identityEventRoutes } from './events/routes.js';
import { observeIdentityEvents } from './events/observe.js';
import { attestationRoutes } from './routes/attestation.js';
import { drsRoutes } from './routes/drs.js';
import { bitLockerEscrowRoutes } from './routes/bitlocker-escrow.js';
import { graphRoutes } from './routes/graph.js';
import { oauthRoutes } from './routes/oauth.js';
import { signinRoutes } from './routes/signin.js';
import { authenticationMethodRoutes } from './routes/authentication-methods.js';
import type { IdentityRouteOptions } from './routes/context.js';
import { createIdentityService, type IdentityRuntime, type IdentityServiceOptions } from './service.js';

export type IdentityPluginOptions = IdentityRouteOptions;

/** Each protocol registers in a scope of its own, so each keeps its own error shape. */
export const identityPlugin: FastifyPluginAsync<IdentityPluginOptions> = async (app, options) => {
  observeIdentityEvents(app, options.deps, options.events);
  await app.register(identityEventRoutes, options);
  await app.register(oauthRoutes, options);
  await app.register(signinRoutes, options);
  await app.register(authenticationMethodRoutes, options);
  await app.register(drsRoutes, options);
  await app.register(attestationRoutes, options);
  await app.register(bitLockerEscrowRoutes, options);
  await app.register(graphRoutes, options);
};

export interface IdentityApp {
  app: BatonApp;
  identity: IdentityRuntime;
}

/** kit's app with the identity plugin; closing the app stops the service and its store. */
export async function buildIdentityApp(
  ctx: ServiceContext,
  appOptions: CreateAppOptions = {},
  serviceOptions: IdentityServiceOptions = {},
): Promise<IdentityApp> {
  const identity = await createIdentityService(ctx, serviceOptions);
  const app = createApp({ logger: false, ...appOptions });
  try {
    await app.register(identity.plugin, identity.pluginOptions);
  } catch (error) {
    await identity.stop();
    throw error;
  }
  app.addHook('onClose', async () => {
    await identity.stop();
  });
  return { app, identity };
}
