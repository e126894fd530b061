/**
 * The identity service's runtime: its own store (SQLite file or PostgreSQL schema),
 * its keys, its routes, and tenant bootstrap for the host process.
 */
import { createSecretBox, openDatabase, OutboxRelay, pruneEventsPeriodically, ServiceTokenClient, startWalCheckpointer, type ServiceContext, type ServiceRuntime } from '@baton/kit';
import { discoveryEndorsementKeys } from './domain/endorsement-keys.js';
import { ConditionalAccessCache } from './domain/conditional-access/index.js';
import type { IdentityDeps } from './domain/deps.js';
import { registerApplication, type ApplicationInput } from './domain/applications.js';
import { BatonTokenEndpoint } from './domain/grants.js';
import { KeyRing } from './domain/signing-keys.js';
import { bootstrapTenant, type BootstrapTenantInput, type BootstrapTenantResult } from './domain/tenants.js';
import type { TokenEndpoint } from './domain/token-endpoint.js';
import { IdentityUrls } from './domain/urls.js';
import { identityPlugin } from './app.js';
import { identityEvents } from './events/feed.js';
import { MembershipEngine, type MembershipEngineOptions } from './domain/membership/engine.js';
import { changeNotificationHandler } from './domain/notifications/delivery.js';
import { CHANGE_NOTIFICATION_TOPIC, DirectoryFeed } from './domain/notifications/feed.js';
import { KyselyIdentityStore } from './store/kysely-store.js';
import { KyselySigninStore, type SigninDatabase } from './store/kysely-signin-store.js';
import { KyselyBitLockerKeyStore } from './store/bitlocker-keys-store.js';
import { identityTransactions } from './store/unit-of-work.js';
import { DEFAULT_SIGNIN_POLICY, SigninLimits, type SigninPolicy } from './domain/signin-policy.js';
import { DirectoryCache } from './domain/lookup-cache.js';
import type { Kysely } from 'kysely';
import { identityMigrations } from './store/migrations.js';
import type { IdentityDatabase } from './store/schema.js';
import type { IdentityStore } from './store/store.js';

export interface IdentityRuntime extends ServiceRuntime {
  name: 'identity';
  /** Creates or updates a tenant with its keys, admin, applications and MDM registration. */
  bootstrapTenant(input: BootstrapTenantInput): Promise<BootstrapTenantResult>;
  /** The store, for the host's diagnostics and for tests. */
  readonly store: IdentityStore;
  /** Delivers every due outbox message now; returns how many were delivered. */
  drainOutbox(): Promise<number>;
  /** Registers a client application with its redirect URIs (host CLI and tests). */
  registerApplication(tenantId: string, input: ApplicationInput): Promise<{ appId: string }>;
  /** The domain's dependencies, for tests that drive sign-in (TOTP enrolment) directly. */
  readonly deps: IdentityDeps;
}

export interface IdentityServiceOptions {
  /** Replaces the token endpoint core (the default is Baton's own). */
  tokenEndpoint?: (deps: IdentityDeps) => TokenEndpoint;
  now?: () => Date;
  membership?: MembershipEngineOptions;
  /** Outbox backoff for attempt n (ms); tests shorten it. */
  outboxBackoffMs?: (attempt: number) => number;
  outboxPollMs?: number;
  /** How long the token path may reuse a tenant or client registration it read (default 5 s; 0 disables). */
  lookupCacheMs?: number;
  /** Lockout, rate limits and device-code timing (tests shorten them, benchmarks lift them). */
  signin?: Partial<SigninPolicy>;
}

export async function createIdentityService(ctx: ServiceContext, options: IdentityServiceOptions = {}): Promise<IdentityRuntime> {
  const database = await openDatabase<IdentityDatabase>({
    service: 'identity',
    dataDir: ctx.config.dataDir,
    databaseUrl: ctx.config.databaseUrl,
    schema: ctx.schema,
    migrations: identityMigrations,
  });
  // Device writes keep memberships in their transaction; WAL checkpoints must not land on them.
  const checkpointer = await startWalCheckpointer(database);
  const store = new KyselyIdentityStore(database.db, database.dialect);
  const secrets = createSecretBox(ctx.secretKey, 'identity');
  const now = options.now ?? (() => new Date());
  let serviceTokens: ServiceTokenClient | undefined;
  const deps: IdentityDeps = {
    store,
    secrets,
    keys: new KeyRing(secrets),
    urls: new IdentityUrls(() => ctx.urls.identity),
    serviceCredentials: ctx.serviceCredentials,
    now,
    feed: new DirectoryFeed(new MembershipEngine(options.membership), now, () => relay.wake()),
    fetch: ctx.fetch,
    // Sign-in tables live in identity's own database, beside the directory.
    signin: new KyselySigninStore(database.db as unknown as Kysely<SigninDatabase>),
    bitLockerKeys: new KyselyBitLockerKeyStore(database.db),
    atomically: identityTransactions(database.db, database.dialect),
    signinLimits: new SigninLimits({ ...DEFAULT_SIGNIN_POLICY, ...options.signin }),
    conditionalAccess: new ConditionalAccessCache(store),
    directoryCache: new DirectoryCache(options.lookupCacheMs),
    // Identity asks for its own token like any service: one client-credentials path to cache and audit.
    endorsementKeys: discoveryEndorsementKeys(
      () => ctx.urls.discovery,
      // Made on first use: a host listening on port 0 knows identity's URL only after start.
      () => (serviceTokens ??= new ServiceTokenClient(ctx.urls.identity, ctx.serviceCredentials.identity, ctx.fetch)),
      () => ctx.fetch,
    ),
  };
  const tokenEndpoint = options.tokenEndpoint?.(deps) ?? new BatonTokenEndpoint(deps);
  const events = identityEvents(database.db, { now, warn: (fields, message) => ctx.logger.warn(fields, message) });
  const relay = new OutboxRelay({
    db: database.db,
    dialect: database.dialect,
    handlers: {
      // ctx.fetch is read per delivery: a host (or a test) may swap it after start.
      [CHANGE_NOTIFICATION_TOPIC]: changeNotificationHandler(store, () => ctx.fetch, now),
    },
    backoffMs: options.outboxBackoffMs,
    pollMs: options.outboxPollMs,
    onError: (message, error) => ctx.logger.warn({ err: error, topic: message.topic, id: message.id }, 'outbox delivery failed'),
  });
  let stopped = false;
  let stopPruning: (() => void) | undefined;

  return {
    name: 'identity',
    plugin: identityPlugin,
    pluginOptions: { deps, tokenEndpoint, events },
    store,
    async bootstrapTenant(input) {
      const result = await bootstrapTenant(store, secrets, input, deps.now(), deps.feed);
      deps.directoryCache.clear();
      return result;
    },
    drainOutbox: () => relay.drain(),
    deps,
    async registerApplication(tenantId, input) {
      const tenant = await store.findTenantById(tenantId);
      if (!tenant) throw new Error(`No tenant ${tenantId}.`);
      const registered = await registerApplication(deps, tenant, input);
      deps.directoryCache.clear();
      return registered;
    },
    async start() {
      relay.start();
      stopPruning = pruneEventsPeriodically(events.store, { now, onError: (err) => ctx.logger.warn({ err }, 'event prune failed') });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopPruning?.();
      await relay.stop();
      await checkpointer.stop();
      await database.close();
    },
  };
}
