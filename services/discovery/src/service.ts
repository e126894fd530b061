/**
 * Discovery as the host process runs it: its own store, the verifier for identity's
 * tokens, the organization reader, and the outbox relay that delivers placeholders.
 */
import { GRAPH_RESOURCE, TOPICS } from '@baton/contracts';
import { OutboxRelay, ServiceTokenClient, TokenVerifier, createSecretBox, type OutboxRelayOptions, type ServiceContext, type ServiceRuntime } from '@baton/kit';
import { discoveryPlugin } from './app.js';
import { recordMembershipChange } from './domain/assignments.js';
import { currentProfileName } from './domain/profile-resolution.js';
import type { DiscoveryDeps } from './domain/deps.js';
import { pruneEvents } from './domain/events.js';
import { GroupMembership, NOTIFICATIONS_PATH } from './domain/group-membership.js';
import { IdentityOrganizationSource } from './domain/organization.js';
import { createPlaceholderSender, placeholderOutboxHandler } from './domain/placeholder.js';
import { TENANT_WALK_TOPIC, tenantWalkHandler } from './domain/tenant-walk.js';
import type { DiscoveryPluginOptions } from './routes/context.js';
import { openDiscoveryStore, type KyselyDiscoveryStore } from './store/index.js';

export interface DiscoveryRuntime extends ServiceRuntime {
  name: 'discovery';
  pluginOptions: DiscoveryPluginOptions & Record<string, unknown>;
  deps: DiscoveryDeps;
  store: KyselyDiscoveryStore;
  relay: OutboxRelay;
  /** The mirror of assigned groups: subscriptions at identity and their deltas. */
  groups: GroupMembership;
  /** Delivers every due outbox message now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
}

export interface DiscoveryServiceOptions {
  /** Relay tuning; tests shorten the backoff. */
  relay?: Pick<OutboxRelayOptions, 'pollMs' | 'backoffMs' | 'batchSize' | 'claimMs'>;
  /** Where identity delivers change notifications; by default discovery's public URL. */
  notificationUrl?: () => string;
  /** How often unfinished subscriptions are retried and near-expiry ones renewed. */
  groupWatchIntervalMs?: number;
  /** The clock subscriptions expire by; tests move it. */
  now?: () => Date;
  /** How often events past retention are deleted. */
  eventPruneIntervalMs?: number;
  /** Tenant walks' page size and time budgets; tests make them small. */
  walk?: DiscoveryDeps['walk'];
}

export async function createDiscoveryService(ctx: ServiceContext, options: DiscoveryServiceOptions = {}): Promise<DiscoveryRuntime> {
  const logger = ctx.logger.child({ service: 'discovery' });
  const store = await openDiscoveryStore({ dataDir: ctx.config.dataDir, databaseUrl: ctx.config.databaseUrl, schema: ctx.schema });
  const tokens = new ServiceTokenClient(ctx.urls.identity, ctx.serviceCredentials.discovery, ctx.fetch);
  const sendPlaceholder = createPlaceholderSender({ identityUrl: ctx.urls.identity, tokens, fetch: ctx.fetch });
  const relay = new OutboxRelay({
    db: store.db,
    dialect: store.dialect,
    // The placeholder handler sends the device's current state, so order does not matter
    // and a bulk import's backlog can go out several at a time.
    handlers: {
      [TOPICS.placeholderDeviceRequested]: {
        // deps is built below; the relay only calls this once the service runs.
        handle: placeholderOutboxHandler(sendPlaceholder, store, (device) => currentProfileName(deps, device)),
        concurrency: 16,
      },
      [TENANT_WALK_TOPIC]: tenantWalkHandler(() => deps),
    },
    batchSize: 200,
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
    ...(options.now ? { now: options.now } : {}),
    ...(options.walk ? { walk: options.walk } : {}),
  };
  const groups = new GroupMembership({
    store,
    box: deps.box,
    tokens,
    fetch: ctx.fetch,
    identityUrl: ctx.urls.identity,
    notificationUrl: options.notificationUrl ?? (() => `${ctx.urls.discovery}${NOTIFICATIONS_PATH}`),
    membershipChanged: (tenantId, deviceIds) => recordMembershipChange(deps, tenantId, deviceIds),
    now: options.now,
    logger,
  });
  deps.groups = groups;
  const verifier = new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [GRAPH_RESOURCE], fetch: ctx.fetch });
  const pluginOptions = { deps, verifier, publicUrl: ctx.urls.discovery, groups };
  let stopped = false;
  let pruneTimer: NodeJS.Timeout | undefined;
  const prune = () =>
    pruneEvents(deps).then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'events past retention deleted'),
      (error: unknown) => logger.warn({ err: String(error) }, 'event prune failed'),
    );

  return {
    name: 'discovery',
    plugin: discoveryPlugin,
    pluginOptions,
    deps,
    store,
    relay,
    groups,
    drainOutbox: () => relay.drain(),
    async start() {
      relay.start();
      // The first tick also subscribes groups that assignments made before this start target.
      groups.start(options.groupWatchIntervalMs ?? 60_000);
      void prune();
      pruneTimer = setInterval(() => void prune(), options.eventPruneIntervalMs ?? 60 * 60_000);
      pruneTimer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (pruneTimer) clearInterval(pruneTimer);
      await groups.stop();
      await relay.stop();
      await store.close();
    },
  };
}
