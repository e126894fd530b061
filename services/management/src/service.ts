import { GRAPH_RESOURCE, MDM_RESOURCE } from '@baton/contracts';
import { createSecretBox, pruneEventsPeriodically, TokenVerifier, type KeyAndCert, type ServiceContext, type ServiceRuntime } from '@baton/kit';
import { managementPlugin, type ManagementPluginOptions } from './app.js';
import type { ManagementDeps } from './deps.js';
import { loadOrCreateAuthority } from './enrollment/authority.js';
import { managementEvents } from './events/feed.js';
import { openManagementStore } from './store/index.js';

export async function createManagementService(ctx: ServiceContext): Promise<ServiceRuntime> {
  const { store, database } = await openManagementStore({
    dataDir: ctx.config.dataDir,
    databaseUrl: ctx.config.databaseUrl,
    schema: ctx.schema,
  });

  let authority: Promise<KeyAndCert> | undefined;
  const deps: ManagementDeps = {
    store,
    urls: ctx.urls,
    logger: ctx.logger,
    enrollmentTokens: new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [MDM_RESOURCE], fetch: ctx.fetch }),
    graphTokens: new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [GRAPH_RESOURCE], fetch: ctx.fetch }),
    secrets: createSecretBox(ctx.secretKey, 'management'),
    events: managementEvents(database.db, { warn: (fields, message) => ctx.logger.warn(fields, message) }),
    authority() {
      authority ??= loadOrCreateAuthority(store, ctx.secretKey).catch((error) => {
        authority = undefined;
        throw error;
      });
      return authority;
    },
  };
  const pluginOptions: ManagementPluginOptions = { deps };
  let stopPruning: (() => void) | undefined;

  return {
    name: 'management',
    plugin: managementPlugin,
    pluginOptions: pluginOptions as unknown as Record<string, unknown>,
    async start() {
      await deps.authority();
      stopPruning = pruneEventsPeriodically(deps.events.store, { onError: (err) => ctx.logger.warn({ err }, 'event prune failed') });
      ctx.logger.info({ store: database.location }, 'management started');
    },
    async stop() {
      stopPruning?.();
      await database.close();
    },
  };
}
