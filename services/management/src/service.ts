import { GRAPH_RESOURCE, MDM_RESOURCE } from '@baton/contracts';
import { createSecretBox, pruneEventsPeriodically, TokenVerifier, type KeyAndCert, type ServiceContext, type ServiceRuntime } from '@baton/kit';
import { managementPlugin, type ManagementPluginOptions } from './app.js';
import type { ManagementDeps } from './deps.js';
import { loadOrCreateAuthority } from './enrollment/authority.js';
import { pruneRawRequests } from './session/retention.js';
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
  let pruneTimer: NodeJS.Timeout | undefined;
  const prune = () =>
    pruneRawRequests(store, ctx.config.mdmRawRetentionDays).then(
      (deleted) => deleted > 0 && ctx.logger.info({ deleted }, 'raw OMA-DM requests past retention deleted'),
      (error: unknown) => ctx.logger.warn({ err: String(error) }, 'raw request prune failed'),
    );
  let pruning: Promise<unknown> | undefined;
  let stopPruning: (() => void) | undefined;

  return {
    name: 'management',
    plugin: managementPlugin,
    pluginOptions: pluginOptions as unknown as Record<string, unknown>,
    async start() {
      await deps.authority();
      pruning = prune();
      pruneTimer = setInterval(() => void (pruning = prune()), 60 * 60_000);
      pruneTimer.unref();
      stopPruning = pruneEventsPeriodically(deps.events.store, { onError: (err) => ctx.logger.warn({ err }, 'event prune failed') });
      ctx.logger.info({ store: database.location }, 'management started');
    },
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      stopPruning?.();
      // A pass still running would use the database being closed.
      await pruning;
      await database.close();
    },
  };
}
