/**
 * Test harness: a ServiceContext on a temporary data directory, on SQLite or (when
 * BATON_TEST_DATABASE_URL is set) on a PostgreSQL schema of its own, and an identity
 * server over real HTTPS on port 0 with one bootstrapped tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { ADMIN_APP_ROLES, GRAPH_RESOURCE, JOIN_CSR_COMMON_NAME } from '@baton/contracts';
import {
  createHttpsFetch,
  createLogger,
  dropPostgresSchema,
  ensureLocalTls,
  loadConfig,
  openDatabase,
  x509,
  type BatonApp,
  type Database,
  type Fetch,
  type ServiceContext,
} from '@baton/kit';
import type { FilterNode } from '@baton/protocols';
import { buildIdentityApp } from '../app.js';
import type { IdentityRuntime, IdentityServiceOptions } from '../service.js';
import type { BootstrapTenantInput } from '../domain/tenants.js';
import { identityMigrations } from '../store/migrations.js';
import type { IdentityDatabase } from '../store/schema.js';
import type { TenantRecord } from '../store/store.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  databaseUrl?: string;
}

/** SQLite always; PostgreSQL too when the environment names a test database. */
export function backends(): Backend[] {
  const url = process.env.BATON_TEST_DATABASE_URL;
  return url ? [{ name: 'sqlite' }, { name: 'postgres', databaseUrl: url }] : [{ name: 'sqlite' }];
}

export interface TestContext {
  ctx: ServiceContext;
  cleanup(): Promise<void>;
}

/** A tenant row for store-level tests, its domain in mixed case as an administrator may type it. */
export function tenantRecord(id: string = randomUUID()): TenantRecord {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    id,
    domain: `${id.slice(0, 8)}.Example.test`,
    displayName: 'T',
    branding: { companyName: 'C', backgroundColor: '#000000' },
    signingKey: 'sealed-key',
    deviceCaCertPem: 'pem',
    deviceCaKey: 'sealed-ca',
    createdAt: at,
    modifiedAt: at,
  };
}

/** Identity's database for a store-level test, migrated, on the context's backend. */
export function openIdentityDatabase(env: TestContext): Promise<Database<IdentityDatabase>> {
  return openDatabase<IdentityDatabase>({
    service: 'identity',
    dataDir: env.ctx.config.dataDir,
    databaseUrl: env.ctx.config.databaseUrl,
    schema: env.ctx.schema,
    migrations: identityMigrations,
  });
}

export function testContext(backend: Backend): TestContext {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-identity-'));
  const schema = backend.databaseUrl ? `identity_test_${randomBytes(6).toString('hex')}` : undefined;
  const ctx: ServiceContext = {
    config: loadConfig({}, { dataDir, databaseUrl: backend.databaseUrl, port: 0, logLevel: 'silent' }),
    urls: { discovery: 'https://localhost:1', identity: 'https://localhost:2', management: 'https://localhost:3' },
    fetch: createHttpsFetch(),
    logger: createLogger('silent'),
    secretKey: randomBytes(32),
    serviceCredentials: {
      discovery: { clientId: 'a7d3c5e2-1f2b-4c39-9e35-5d0e6b1f0d11', clientSecret: `disc-${randomBytes(16).toString('hex')}` },
      identity: { clientId: 'b2c9e6a1-4d8f-4f1e-8a77-3c2d1e0f9a22', clientSecret: `iden-${randomBytes(16).toString('hex')}` },
      management: { clientId: 'c5e8f1b3-7a2c-4e9d-b1f6-2e4d3c1b0a33', clientSecret: `mgmt-${randomBytes(16).toString('hex')}` },
    },
    schema,
  };
  return {
    ctx,
    async cleanup() {
      if (backend.databaseUrl && schema) await dropPostgresSchema(backend.databaseUrl, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function tenantInput(domain: string, overrides: Partial<BootstrapTenantInput> = {}): BootstrapTenantInput {
  return {
    domain,
    displayName: `${domain} (test)`,
    branding: { companyName: 'Contoso (test)', backgroundColor: '#0F6CBD', signInPageText: 'Welcome' },
    admin: { upn: `admin@${domain}`, password: 'correct horse battery', displayName: 'Admin' },
    adminApp: { secret: TEST_ADMIN_APP_SECRET, roles: [...ADMIN_APP_ROLES] },
    mdmApp: {
      discoveryUrl: 'https://localhost:3/EnrollmentServer/Discovery.svc',
      termsOfUseUrl: 'https://localhost:3/tou',
      complianceUrl: 'https://localhost:3/compliance',
    },
    ...overrides,
  };
}

export interface RunningIdentity {
  app: BatonApp;
  identity: IdentityRuntime;
  ctx: ServiceContext;
  base: string;
  /** fetch that trusts the server's test CA. */
  fetch: Fetch;
  tenantId: string;
  domain: string;
  adminClientId: string;
  close(): Promise<void>;
}

export async function startIdentity(
  backend: Backend,
  options: IdentityServiceOptions = {},
  overrides: { fetch?: Fetch } = {},
): Promise<RunningIdentity> {
  const { ctx, cleanup } = testContext(backend);
  if (overrides.fetch) ctx.fetch = overrides.fetch;
  const tls = await ensureLocalTls(ctx.config.dataDir);
  const { app, identity } = await buildIdentityApp(ctx, { https: { key: tls.key, cert: tls.cert } }, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  ctx.urls.identity = `https://localhost:${address.port}`;
  const fetch = createHttpsFetch({ caPem: tls.caPem });
  const domain = `t${randomBytes(4).toString('hex')}.baton.test`;
  const boot = await identity.bootstrapTenant(tenantInput(domain));
  return {
    app,
    identity,
    ctx,
    base: ctx.urls.identity,
    fetch,
    tenantId: boot.tenantId,
    domain,
    adminClientId: boot.adminClientId,
    async close() {
      await app.close();
      await fetch.close();
      await cleanup();
    },
  };
}

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

/** The secret `tenantInput` gives every test tenant's admin application. */
export const TEST_ADMIN_APP_SECRET = 'admin-app-secret-0123456789';

/** An application's Graph token from a tenant's token endpoint (client credentials); throws with the body unless 200. */
export async function graphAppToken(id: Pick<RunningIdentity, 'app'>, tenantId: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await id.app.inject({
    method: 'POST',
    url: `/${tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${GRAPH_RESOURCE}/.default` }),
  });
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

const crypto = webcrypto as unknown as Crypto;
export const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]) } as const;

export interface DeviceKeys {
  keys: CryptoKeyPair;
  csrBase64: string;
}

/** A device's key pair and its join CSR, as Windows builds them. */
export async function deviceCsr(options: { modulusLength?: number; commonName?: string } = {}): Promise<DeviceKeys> {
  const keys = (await crypto.subtle.generateKey({ ...RSA_SIGN, modulusLength: options.modulusLength ?? 2048 }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${options.commonName ?? JOIN_CSR_COMMON_NAME}`,
    keys,
    signingAlgorithm: RSA_SIGN,
  });
  return { keys, csrBase64: Buffer.from(csr.rawData).toString('base64') };
}

export function joinBody(csrBase64: string, extra: Record<string, unknown> = {}) {
  return {
    CertificateRequest: { Type: 'pkcs10', Data: csrBase64 },
    TransportKey: Buffer.from('RSA1-test-transport-key').toString('base64'),
    TargetDomain: 'localhost',
    DeviceType: 'Windows',
    OSVersion: '10.0.22631.1',
    DeviceDisplayName: 'DEMO-5CG1234XYZ',
    JoinType: 0,
    ...extra,
  };
}

export const newGuid = () => randomUUID();

/** The store's device query for one exact element of physicalIds. */
export function physicalIdFilter(physicalId: string): FilterNode {
  return {
    kind: 'lambda',
    op: 'any',
    collection: { kind: 'property', path: ['physicalIds'] },
    variable: 'p',
    predicate: { kind: 'compare', op: 'eq', left: { kind: 'variable', name: 'p', path: [] }, right: { kind: 'literal', type: 'string', value: physicalId } },
  };
}
