/**
 * Discovery as the host process runs it: its own store, the verifier for identity's
 * tokens, the organization reader, and the outbox relay that delivers placeholders.
 */
import { GRAPH_RESOURCE, TOPICS } from '@baton/contracts';
import { OutboxRelay, ServiceTokenClient, TokenVerifier, createSecretBox, type OutboxRelayOptions, type ServiceContext, type ServiceRuntime } from '@baton/kit';
import { discoveryPlugin } from './app.js';
import type { DiscoveryDeps } from './domain/deps.js';
import { IdentityOrganizationSource } from './domain/organization.js';
import { createPlaceholderSender, placeholderOutboxHandler } from './domain/placeholder.js';
import type { DiscoveryPluginOptions } from './routes/context.js';
import { openDiscoveryStore, type KyselyDiscoveryStore } from './store/index.js';

export interface DiscoveryRuntime extends ServiceRuntime {
  name: 'discovery';
  pluginOptions: DiscoveryPluginOptions & Record<string, unknown>;
  deps: DiscoveryDeps;
  store: KyselyDiscoveryStore;
  relay: OutboxRelay;
  /** Delivers every due outbox message now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
}

export interface DiscoveryServiceOptions {
  /** Relay tuning; tests shorten the backoff. */
  relay?: Pick<OutboxRelayOptions, 'pollMs' | 'backoffMs' | 'batchSize' | 'claimMs'>;
}

export async function createDiscoveryService(ctx: ServiceContext, options: DiscoveryServiceOptions = {}): Promise<DiscoveryRuntime> {
  const logger = ctx.logger.child({ service: 'discovery' });
  const store = await openDiscoveryStore({ dataDir: ctx.config.dataDir, databaseUrl: ctx.config.databaseUrl, schema: ctx.schema });
  const tokens = new ServiceTokenClient(ctx.urls.identity, ctx.serviceCredentials.discovery, ctx.fetch);
  const sendPlaceholder = createPlaceholderSender({ identityUrl: ctx.urls.identity, tokens, fetch: ctx.fetch });
  const relay = new OutboxRelay({
    db: store.db,
    dialect: store.dialect,
    handlers: { [TOPICS.placeholderDeviceRequested]: placeholderOutboxHandler(sendPlaceholder, store) },
    onError: (message, error) =>
      logger.warn({ outboxId: message.id, topic: message.topic, attempts: message.attempts, err: String(error) }, 'outbox delivery failed'),
    ...options.relay,
  });
  const deps: DiscoveryDeps = {
    store,
    box: createSecretBox(ctx.secretKey, 'discovery'),
    organizations: new IdentityOrganizationSource(ctx.urls.identity, tokens, ctx.fetch),
    identityUrl: ctx.urls.identity,
    sendPlaceholder,
    outboxWritten: () => relay.wake(),
    logger,
  };
  const verifier = new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [GRAPH_RESOURCE], fetch: ctx.fetch });
  const pluginOptions = { deps, verifier, publicUrl: ctx.urls.discovery };
  let stopped = false;

  return {
    name: 'discovery',
    plugin: discoveryPlugin,
    pluginOptions,
    deps,
    store,
    relay,
    drainOutbox: () => relay.drain(),
    async start() {
      relay.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await relay.stop();
      await store.close();
    },
  };
}
