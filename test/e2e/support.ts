/** Starting Baton for end-to-end tests: temp data directory, free ports, quiet logs. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpsFetch, loadConfig, dropPostgresSchema, uniqueSchema, type BatonConfig, type StoreBackend } from '@baton/kit';
import type { ServiceName } from '@baton/contracts';
import { adminToken, seedDemo, startBaton, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'baton-e2e-'));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartedBaton {
  instances: RunningBaton[];
  dataDir: string;
  /** Stops one group's listener, as when that service goes down. */
  down(index: number): Promise<void>;
  /** Starts a stopped group again on its port and data, as when the service comes back. */
  up(index: number): Promise<RunningBaton>;
  stop(): Promise<void>;
}

/** One listener per group of services; each group gets its own port. `config` adds settings (every group gets them). */
export async function startGroups(backend: StoreBackend, groups: ServiceName[][], config: Partial<BatonConfig> = {}): Promise<StartedBaton> {
  const dataDir = tempDataDir();
  const prefix = backend.databaseUrl ? uniqueSchema('e2e') : undefined;
  const ports = await Promise.all(groups.map(() => freePort()));
  const urlOf = (service: ServiceName) => `https://localhost:${ports[groups.findIndex((g) => g.includes(service))]}`;
  const peerUrls = { discovery: urlOf('discovery'), identity: urlOf('identity'), management: urlOf('management') };
  const instances: RunningBaton[] = [];
  // identity first: the others verify its tokens and call it.
  const order = [...groups.keys()].sort((a, b) => Number(groups[b]!.includes('identity')) - Number(groups[a]!.includes('identity')));
  const start = async (i: number) => {
    const settings = loadConfig({}, { ...config, dataDir, port: ports[i]!, logLevel: 'silent', databaseUrl: backend.databaseUrl });
    instances[i] = await startBaton({ config: settings, services: groups[i]!, peerUrls, quiet: true, schemaPrefix: prefix });
    return instances[i]!;
  };
  for (const i of order) await start(i);
  const stopped = new Set<number>();
  return {
    instances,
    dataDir,
    async down(i) {
      await instances[i]!.close();
      stopped.add(i);
    },
    async up(i) {
      stopped.delete(i);
      return start(i);
    },
    async stop() {
      for (const [i, instance] of instances.entries()) if (!stopped.has(i)) await instance?.close();
      if (backend.databaseUrl && prefix) {
        for (const s of ['discovery', 'identity', 'management']) await dropPostgresSchema(backend.databaseUrl, `${prefix}_${s}`);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads until `done` holds: for what reaches a service asynchronously (the outbox), with a bounded wait. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/**
 * Identity on one origin, discovery and management on another, the demo tenant seeded, and an
 * administrator's Graph headers: the split every cross-origin group test starts from.
 * Stopped when the test ends.
 */
export async function startSplitDemo(backend: StoreBackend, t: { after(fn: () => unknown): void }) {
  const baton = await startGroups(backend, [['identity'], ['discovery', 'management']]);
  t.after(() => baton.stop());
  const [identityHost, discoveryHost] = baton.instances as [RunningBaton, RunningBaton];
  const fetch = createHttpsFetch({ caPem: identityHost.caPem });
  t.after(() => fetch.close());
  const demo = await seedDemo({
    dataDir: baton.dataDir,
    url: discoveryHost.url,
    urls: discoveryHost.urls,
    caPath: identityHost.caPath,
    identity: identityHost.runtimes.identity as IdentityRuntime,
    fetch,
  });
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
  return {
    baton,
    identityHost,
    discoveryHost,
    fetch,
    demo,
    headers,
    identityGraph: `${identityHost.url}/graph/v1.0`,
    discoveryGraph: `${discoveryHost.url}/graph/beta/deviceManagement`,
  };
}
