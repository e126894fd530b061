/** Builds discovery on a throwaway database, against a fake identity, for tests. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretBox, dropPostgresSchema, loadConfig, testBackends, uniqueSchema, type ServiceContext, type StoreBackend } from '@baton/kit';
import { encodeHardwareHash, type HardwareInventory } from '@baton/protocols';
import pino from 'pino';
import { buildDiscoveryApp, type DiscoveryApp } from '../app.js';
import type { DiscoveryServiceOptions } from '../service.js';
import type { DiscoveryDeps } from '../domain/deps.js';
import { NOTIFICATIONS_PATH } from '../domain/group-membership.js';
import type { OrganizationSource } from '../domain/organization.js';
import { openDiscoveryStore, type KyselyDiscoveryStore } from '../store/index.js';
import type { FakeIdentity } from './fake-identity.js';

export interface TestDatabase {
  name: StoreBackend['name'];
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  /** Removes the data directory and, on PostgreSQL, the schema. */
  dispose(): Promise<void>;
}

/** SQLite always; PostgreSQL too when BATON_TEST_DATABASE_URL names one. */
export function databaseKinds(): Array<StoreBackend['name']> {
  return testBackends().map((b) => b.name);
}

export function testDatabase(kind: StoreBackend['name']): TestDatabase {
  const backend = testBackends().find((b) => b.name === kind);
  if (!backend) throw new Error(`no ${kind} test backend: set BATON_TEST_DATABASE_URL`);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-discovery-'));
  const databaseUrl = backend.databaseUrl;
  const schema = databaseUrl ? uniqueSchema('discovery') : undefined;
  return {
    name: kind,
    dataDir,
    databaseUrl,
    schema,
    async dispose() {
      if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function openTestStore(database: TestDatabase): Promise<KyselyDiscoveryStore> {
  return openDiscoveryStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl, schema: database.schema });
}

export const TEST_KEY = randomBytes(32);

/** Deps over a store for domain tests, with a fixed organization instead of identity. */
export function testDeps(store: KyselyDiscoveryStore, organizations?: OrganizationSource): DiscoveryDeps {
  return {
    store,
    box: createSecretBox(TEST_KEY, 'discovery'),
    organizations: organizations ?? {
      get: async (tenantId) => ({
        tenantId,
        displayName: 'Contoso (test)',
        domain: 'contoso.baton.local',
        branding: { companyName: 'Contoso (test)' },
      }),
    },
    identityUrl: 'https://identity.test',
    sendPlaceholder: async (message) => message.azureActiveDirectoryDeviceId,
  };
}

export function testContext(database: TestDatabase, identity: FakeIdentity): ServiceContext {
  return {
    config: loadConfig({}, { dataDir: database.dataDir, databaseUrl: database.databaseUrl, logLevel: 'silent' }),
    urls: { discovery: 'https://discovery.test', identity: identity.url, management: 'https://management.test' },
    fetch: identity.fetch,
    logger: pino({ level: 'silent' }),
    secretKey: TEST_KEY,
    serviceCredentials: {
      discovery: identity.discoveryCredentials,
      identity: { clientId: 'unused', clientSecret: 'unused' },
      management: { clientId: 'unused', clientSecret: 'unused' },
    },
    schema: database.schema,
  };
}

/**
 * Discovery on a real HTTPS port (serving the fake identity's certificate, which the fake's
 * fetch trusts), so the fake's subscription handshake and notifications reach the receiver
 * as identity's would. Graph links keep naming https://discovery.test.
 */
export async function startDiscovery(database: TestDatabase, identity: FakeIdentity, options: DiscoveryServiceOptions = {}): Promise<DiscoveryApp> {
  let receiver = 'https://127.0.0.1:1';
  const discovery = await buildDiscoveryApp(
    testContext(database, identity),
    { notificationUrl: () => `${receiver}${NOTIFICATIONS_PATH}`, ...options },
    { https: identity.tls },
  );
  await discovery.app.listen({ port: 0, host: '127.0.0.1' });
  const address = discovery.app.server.address();
  receiver = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return discovery;
}

let counter = 0;

/** A plausible laptop; every call is a different machine unless `overrides` pin the parts. */
export function sampleInventory(overrides: Partial<HardwareInventory> = {}): HardwareInventory {
  counter++;
  const unique = `${process.pid.toString(16)}${counter.toString(16).padStart(6, '0')}${randomBytes(3).toString('hex')}`.toUpperCase();
  const mac = randomBytes(6);
  mac[0] = mac[0]! & 0xfe;
  return {
    osBuild: { major: 10, minor: 0, build: 26100, revision: 2605 },
    processorManufacturer: 'GenuineIntel',
    processorModel: 'Intel(R) Core(TM) Ultra 7 165U',
    totalRamMb: 32768,
    disks: [{ serial: `S6${unique}`, capacityGb: 512, bus: 17, ssd: true }],
    networkAdapters: [{ mac: mac.toString('hex').toUpperCase(), medium: 'wlan' }],
    smbiosUuid: `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`.toUpperCase(),
    tpmVersion: '2.0',
    smbiosSerial: `5CG${unique}`.slice(0, 14),
    smbiosManufacturer: 'HP',
    smbiosProduct: 'HP EliteBook 840 G11',
    ...overrides,
  };
}

export function hashOf(inventory: HardwareInventory): string {
  return encodeHardwareHash(inventory).toString('base64');
}

/** The hash as a sloppy client sends it: `=` padding stripped. */
export const withoutPadding = (base64: string): string => base64.replace(/=+$/, '');

export const TENANT_A = '11111111-1111-4111-8111-111111111111';
export const TENANT_B = '22222222-2222-4222-8222-222222222222';
