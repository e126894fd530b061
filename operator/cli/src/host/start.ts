/**
 * Starts one or more services in this process on one HTTPS listener. `baton up` starts
 * all three on one origin (path routing per the ownership table); `baton serve <name>`
 * starts one. Client certificates are requested but not required at the TLS layer, so
 * OMA-DM sessions can authenticate with the MDM certificate while browsers and Graph
 * clients connect without one.
 */
import { readFileSync } from 'node:fs';
import type { ServiceName } from '@baton/contracts';
import {
  createApp,
  createHttpsFetch,
  createTracing,
  createLogger,
  ensureLocalTls,
  loadSecretKey,
  mountService,
  registerGraphBatch,
  RouteTable,
  tlsResumptionOptions,
  type BatonApp,
  type BatonConfig,
  type ServiceRuntime,
  type ServiceUrls,
} from '@baton/kit';
import { loadServiceCredentials } from './credentials.js';
import { SERVICE_FACTORIES } from './services.js';

export interface StartOptions {
  config: BatonConfig;
  services: ServiceName[];
  /** Public URLs of the peers; a service started here defaults to this listener's URL. */
  peerUrls?: Partial<ServiceUrls>;
  /** Log to stdout (the CLI) or stay silent (tests). */
  quiet?: boolean;
  /** PostgreSQL schema prefix (tests isolate runs with it). */
  schemaPrefix?: string;
  /** Routes of the host's own (the web console), registered outside every service before listening. */
  mount?: (app: BatonApp) => void;
}

export interface RunningBaton {
  url: string;
  urls: ServiceUrls;
  caPath: string;
  caPem: string;
  app: BatonApp;
  routes: RouteTable;
  runtimes: Partial<Record<ServiceName, ServiceRuntime>>;
  close(): Promise<void>;
}

/** Registers services on an app without listening; `baton routes` and tests use it. */
export async function composeServices(options: StartOptions & { app: BatonApp; url: string; caPem: string }) {
  const { config } = options;
  const logger = createLogger(options.quiet ? 'silent' : config.logLevel);
  const urls: ServiceUrls = {
    discovery: options.peerUrls?.discovery ?? options.url,
    identity: options.peerUrls?.identity ?? options.url,
    management: options.peerUrls?.management ?? options.url,
  };
  const fetch = createHttpsFetch({ caPem: options.caPem, timeoutMs: 15_000 });
  const serviceCredentials = loadServiceCredentials(config.dataDir);
  const secretKey = loadSecretKey(config.dataDir, config.secretKey);
  const routes = new RouteTable();
  const tracing = createTracing({ endpoint: config.otlpEndpoint, headers: config.otlpHeaders });
  const runtimes: Partial<Record<ServiceName, ServiceRuntime>> = {};
  for (const name of options.services) {
    const runtime = await SERVICE_FACTORIES[name]({
      config,
      urls,
      fetch,
      logger: logger.child({ service: name }),
      secretKey,
      serviceCredentials,
      schema: options.schemaPrefix ? `${options.schemaPrefix}_${name}` : undefined,
    });
    runtimes[name] = runtime;
    await mountService(options.app, name, runtime.plugin, runtime.pluginOptions, routes, tracing.tracerFor(name));
  }
  registerGraphBatch(options.app, routes);
  return { urls, routes, runtimes, fetch, logger, tracing };
}

export async function startBaton(options: StartOptions): Promise<RunningBaton> {
  const { config } = options;
  const tls = config.tlsCertFile
    ? {
        key: readFileSync(config.tlsKeyFile!, 'utf8'),
        cert: readFileSync(config.tlsCertFile, 'utf8'),
        caPem: readFileSync(config.tlsCertFile, 'utf8'),
        caPath: config.tlsCertFile,
      }
    : await ensureLocalTls(config.dataDir, config.hostnames);
  const logger = createLogger(options.quiet ? 'silent' : config.logLevel);
  // Session tickets from the secret key: devices resume their TLS sessions on every replica.
  const resumption = tlsResumptionOptions(loadSecretKey(config.dataDir, config.secretKey));
  const app = createApp({
    logger,
    https: { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false, allowHTTP1: true, ...resumption },
    bodyLimit: 4 * 1024 * 1024,
  });
  // Services build their handoffs from the public URL, so the port must be known before
  // they are composed: port 0 is resolved to a free port first.
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const url = config.publicUrl ?? `https://localhost:${port}`;
  const composed = await composeServices({ ...options, app, url, caPem: tls.caPem });
  options.mount?.(app);
  await app.listen({ port, host: config.host });
  for (const runtime of Object.values(composed.runtimes)) await runtime.start();
  let closed = false;
  return {
    url,
    urls: composed.urls,
    caPath: tls.caPath,
    caPem: tls.caPem,
    app,
    routes: composed.routes,
    runtimes: composed.runtimes,
    async close() {
      if (closed) return;
      closed = true;
      // Stop taking requests first, then stop workers and close the stores they use.
      await app.close();
      for (const runtime of Object.values(composed.runtimes)) await runtime.stop();
      await composed.fetch.close();
      // Spans still buffered go to the collector before the process ends.
      await composed.tracing.shutdown();
    },
  };
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
