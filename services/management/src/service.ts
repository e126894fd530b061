import { GRAPH_RESOURCE, MDM_RESOURCE, TOPICS } from '@baton/contracts';
import {
  createSecretBox,
  OutboxRelay,
  pruneEventsPeriodically,
  startWalCheckpointer,
  ServiceTokenClient,
  TokenVerifier,
  type KeyAndCert,
  type OutboxRelayOptions,
  type ServiceContext,
  type ServiceRuntime,
} from '@baton/kit';
import type { Kysely } from 'kysely';
import { managementPlugin, type ManagementPluginOptions } from './app.js';
import { Apps } from './apps/apps.js';
import type { AppsDatabase } from './apps/schema.js';
import { AppsStore } from './apps/store.js';
import { Compliance } from './compliance/compliance.js';
import { complianceReportHandler } from './compliance/handoff.js';
import { IdentityGroupMembership, type GroupMembership } from './targeting/membership.js';
import type { ComplianceDatabase } from './compliance/schema.js';
import { ComplianceStore } from './compliance/store.js';
import { Configuration } from './configuration/configuration.js';
import type { ConfigurationDatabase } from './configuration/schema.js';
import { ConfigurationStore } from './configuration/store.js';
import type { ManagementDeps } from './deps.js';
import { loadOrCreateAuthority } from './enrollment/authority.js';
import { pruneSessionHistory } from './session/retention.js';
import { managementEvents } from './events/feed.js';
import { openManagementStore } from './store/index.js';

export interface ManagementServiceOptions {
  /** Relay tuning; tests shorten the backoff. */
  relay?: Pick<OutboxRelayOptions, 'pollMs' | 'backoffMs' | 'batchSize' | 'claimMs'>;
  /** How often devices whose grace period ended are re-evaluated (default one minute). */
  graceSweepMs?: number;
  /** Group memberships for group-targeted compliance and configuration policies; by default asked of identity. */
  groups?: GroupMembership;
  /** The least time between two read-backs of a device's applied configuration (default 8 hours). */
  configurationDriftCheckMs?: number;
}

export interface ManagementRuntime extends ServiceRuntime {
  /** Delivers every due outbox message (compliance reports) now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
}

export async function createManagementService(ctx: ServiceContext, options: ManagementServiceOptions = {}): Promise<ManagementRuntime> {
  const { store, database } = await openManagementStore({
    dataDir: ctx.config.dataDir,
    databaseUrl: ctx.config.databaseUrl,
    schema: ctx.schema,
  });
  // Every OMA-DM session commits: WAL checkpoints run on a worker thread, not inside a session's commit.
  const checkpointer = await startWalCheckpointer(database);

  // Management's own application: reads group memberships and writes compliance state at identity.
  const tokens = new ServiceTokenClient(ctx.urls.identity, ctx.serviceCredentials.management, ctx.fetch);
  const identityUrl = () => ctx.urls.identity;
  const complianceStore = new ComplianceStore(database.db as unknown as Kysely<ComplianceDatabase>, database.dialect);
  const relay = new OutboxRelay({
    db: database.db,
    dialect: database.dialect,
    // Identity keeps the newest version per device, so reports may go out several at a time.
    handlers: { [TOPICS.complianceStateReported]: { handle: complianceReportHandler({ identityUrl, tokens, fetch: ctx.fetch }), concurrency: 16 } },
    batchSize: 200,
    onError: (message, error) => ctx.logger.warn({ outboxId: message.id, topic: message.topic, attempts: message.attempts, err: String(error) }, 'outbox delivery failed'),
    ...options.relay,
  });
  // One membership cache for compliance and apps: both ask identity about the same devices.
  const groups = options.groups ?? new IdentityGroupMembership({ identityUrl, tokens, fetch: ctx.fetch });
  const compliance = new Compliance({
    store: complianceStore,
    groups,
    outboxWritten: () => relay.wake(),
    logger: ctx.logger,
  });

  const configurationStore = new ConfigurationStore(database.db as unknown as Kysely<ConfigurationDatabase>, database.dialect);
  const configuration = new Configuration({
    store: configurationStore,
    groups,
    logger: ctx.logger,
    ...(options.configurationDriftCheckMs !== undefined ? { driftCheckMs: options.configurationDriftCheckMs } : {}),
  });
  const events = managementEvents(database.db, { warn: (fields, message) => ctx.logger.warn(fields, message) });
  const appsStore = new AppsStore(database.db as unknown as Kysely<AppsDatabase>, database.dialect);
  const apps = new Apps({ store: appsStore, groups, events, managementUrl: () => ctx.urls.management, logger: ctx.logger });

  let authority: Promise<KeyAndCert> | undefined;
  const deps: ManagementDeps = {
    certificateValidityDays: ctx.config.mdmCertificateValidityDays,
    store,
    urls: ctx.urls,
    logger: ctx.logger,
    enrollmentTokens: new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [MDM_RESOURCE], fetch: ctx.fetch }),
    graphTokens: new TokenVerifier({ identityUrl: ctx.urls.identity, audiences: [GRAPH_RESOURCE], fetch: ctx.fetch }),
    secrets: createSecretBox(ctx.secretKey, 'management'),
    events,
    compliance,
    complianceStore,
    configuration,
    configurationStore,
    apps,
    appsStore,
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
    pruneSessionHistory(store, ctx.config.mdmRawRetentionDays).then(
      (deleted) => deleted.rawRequests + deleted.endedSessions > 0 && ctx.logger.info(deleted, 'OMA-DM requests and ended sessions past retention deleted'),
      (error: unknown) => ctx.logger.warn({ err: String(error) }, 'OMA-DM history prune failed'),
    );
  let pruning: Promise<unknown> | undefined;
  let stopPruning: (() => void) | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const sweep = () =>
    compliance.sweepGracePeriods().catch((error: unknown) => ctx.logger.warn({ err: String(error) }, 'grace period sweep failed'));

  return {
    name: 'management',
    plugin: managementPlugin,
    pluginOptions: pluginOptions as unknown as Record<string, unknown>,
    drainOutbox: () => relay.drain(),
    async start() {
      await deps.authority();
      relay.start();
      graceTimer = setInterval(() => void sweep(), options.graceSweepMs ?? 60_000);
      graceTimer.unref();
      pruning = prune();
      pruneTimer = setInterval(() => void (pruning = prune()), 60 * 60_000);
      pruneTimer.unref();
      stopPruning = pruneEventsPeriodically(deps.events.store, { onError: (err) => ctx.logger.warn({ err }, 'event prune failed') });
      ctx.logger.info({ store: database.location }, 'management started');
    },
    async stop() {
      if (graceTimer) clearInterval(graceTimer);
      if (pruneTimer) clearInterval(pruneTimer);
      stopPruning?.();
      await relay.stop();
      // A pass still running would use the database being closed.
      await pruning;
      await checkpointer.stop();
      await database.close();
    },
  };
}
