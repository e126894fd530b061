/**
 * The management children: the first one enrolls the fleet and serves it; a replica serves
 * the same store, enrollments and CA from a process of its own.
 */
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import pino from 'pino';
import { ensureLocalTls, loadConfig, signPublicKey, thumbprint, tlsResumptionOptions, x509, type Fetch } from '@baton/kit';
import { buildManagementApp, type Enrollment } from '@baton/management';
import { arg, benchDataDir } from '../support.js';
import { cpuHandler, profilerHandlers, serveIpc } from './ipc.js';

/** Where a management instance keeps its state; a second instance is given the first one's. */
export interface InstanceStore {
  dataDir: string;
  schema?: string;
  secretKey: string;
  /** The public URL devices address, shared by every instance as behind one load balancer. */
  publicUrl?: string;
}

/** What the first management child sends once its fleet is enrolled and it listens. */
export interface ManagementReady {
  url: string;
  /** A line describing the setup, for the report. */
  setup: string;
  store: InstanceStore;
  caPem: string;
  /** The one client key every polling device's certificate carries. */
  keyPem: string;
  /** The bare baseline serves with the same certificate and ticket keys. */
  https: { key: string; cert: string; secretKey: string };
  devices: Array<{ deviceId: string; certPem: string }>;
}

/** One management instance listening on its own port over `store`. */
async function startManagement(store: InstanceStore) {
  const tls = await ensureLocalTls(store.dataDir);
  const ctx = {
    config: loadConfig({}, { dataDir: store.dataDir, logLevel: 'silent', ...(process.env.BATON_DATABASE_URL ? { databaseUrl: process.env.BATON_DATABASE_URL } : {}) }),
    urls: { discovery: 'https://discovery.invalid', identity: 'https://identity.invalid', management: store.publicUrl ?? '' },
    fetch: (() => Promise.reject(new Error('no calls to other services in this benchmark'))) as unknown as Fetch,
    logger: pino({ level: 'silent' }),
    secretKey: Buffer.from(store.secretKey, 'hex'),
    serviceCredentials: {
      discovery: { clientId: 'discovery', clientSecret: 'x' },
      identity: { clientId: 'identity', clientSecret: 'x' },
      management: { clientId: 'management', clientSecret: 'x' },
    },
    ...(store.schema ? { schema: store.schema } : {}),
  };
  // As `baton up` serves: client certificate requested, tickets sealed with the secret key.
  const https = { key: tls.key, cert: tls.cert, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(ctx.secretKey) };
  const management = await buildManagementApp(ctx, { https });
  await management.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `https://localhost:${(management.app.server.address() as { port: number }).port}`;
  if (!store.publicUrl) ctx.urls.management = url;
  return { management, url, tls, ctx };
}

/** Child: a second management instance over the first one's store, enrollments and CA. */
export async function serveReplica(): Promise<void> {
  let instance: Awaited<ReturnType<typeof startManagement>> | undefined;
  serveIpc({
    cpu: cpuHandler,
    listen: async (args) => {
      instance = await startManagement(args as InstanceStore);
      return instance.url;
    },
    stop: async () => {
      await instance?.management.close();
      setImmediate(() => process.exit(0));
    },
  });
  process.send!({ ready: true });
}

/** Child: management with `devices` enrollments, certificates for the first `polling` of them. */
export async function serveManagement(): Promise<void> {
  const deviceCount = arg('devices', 100_000);
  const polling = Math.min(arg('polling', 2000), deviceCount);
  const store: InstanceStore = {
    dataDir: benchDataDir(),
    secretKey: randomBytes(32).toString('hex'),
    ...(process.env.BATON_DATABASE_URL ? { schema: `bench_${randomBytes(4).toString('hex')}` } : {}),
  };
  const { management, url, tls, ctx } = await startManagement(store);

  // One client key, one certificate per polling device.
  const crypto = webcrypto as unknown as Crypto;
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const keyPem = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const authority = await management.deps.authority();
  const setupStarted = performance.now();
  const deviceIds = Array.from({ length: deviceCount }, () => randomBytes(16).toString('hex').toUpperCase());
  // WebCrypto signs on libuv's thread pool: keep a batch in flight.
  const SIGN_BATCH = 256;
  const certs: string[] = [];
  for (let i = 0; i < polling; i += SIGN_BATCH) {
    const batch = deviceIds.slice(i, Math.min(i + SIGN_BATCH, polling));
    certs.push(...(await Promise.all(batch.map((commonName) => signPublicKey(authority, keys.publicKey, { commonName, validityDays: 30, usage: 'client' })))));
  }
  const signedAt = performance.now();
  const tenantId = randomUUID();
  const enrollments: Enrollment[] = deviceIds.map((deviceId, i) => ({
    id: randomUUID(),
    tenantId,
    azureAdDeviceId: randomUUID(),
    userId: null,
    upn: null,
    mdmDeviceId: deviceId,
    hwDevId: null,
    deviceName: `BENCH-${i}`,
    osVersion: '10.0.26200.9278',
    enrollmentType: 'Full',
    certThumbprint: certs[i] ? thumbprint(certs[i]) : randomBytes(20).toString('hex').toUpperCase(),
    certPem: certs[i] ?? '',
    enrolledAt: new Date().toISOString(),
    lastSyncAt: null,
    managementState: 'managed',
    inventory: {},
  }));
  for (let i = 0; i < enrollments.length; i += 5000) await management.deps.store.insertEnrollments(enrollments.slice(i, i + 5000));
  const setup = `${deviceCount} enrollments, ${polling} with a signed certificate (${((signedAt - setupStarted) / 1000).toFixed(1)} s signing, ${((performance.now() - signedAt) / 1000).toFixed(1)} s bulk insert), store ${process.env.BATON_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`;

  serveIpc({
    ...profilerHandlers(),
    cpu: cpuHandler,
    /** One pending Get per device: one command row per batch, fanned out to the batch's queues. */
    enqueueGets: async () => {
      for (let i = 0; i < enrollments.length; i += 500) {
        await management.deps.store.enqueueCommand({ verb: 'Get', locUri: './DevDetail/SwV' }, enrollments.slice(i, i + 500).map((e) => e.id));
      }
    },
    queuedOfFirst: async () => (await management.deps.store.countOutstanding(enrollments[0]!.id)).queued,
    stop: async () => {
      await management.close();
      setImmediate(() => process.exit(0));
    },
  });
  const ready: ManagementReady = {
    url,
    setup,
    store: { ...store, publicUrl: url },
    caPem: tls.caPem,
    keyPem,
    https: { key: tls.key.toString(), cert: tls.cert.toString(), secretKey: ctx.secretKey.toString('hex') },
    devices: enrollments.slice(0, polling).map((e) => ({ deviceId: e.mdmDeviceId, certPem: e.certPem })),
  };
  process.send!({ ready });
}
