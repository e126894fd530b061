/** Management listening on HTTPS with client certificates requested, as the host runs it. */
import { randomUUID } from 'node:crypto';
import { MDM_RESOURCE, MANAGEMENT_PATHS } from '@baton/contracts';
import { tlsResumptionOptions, type BatonApp } from '@baton/kit';
import { Agent, request as undiciRequest } from 'undici';
import { buildManagementApp } from '../app.js';
import type { ManagementDeps } from '../deps.js';
import type { KyselyManagementStore } from '../store/kysely-store.js';
import { createTestContext, tempDir, type TestBackend, type TestContext } from './context.js';
import { startFakeIdentity, type FakeIdentity } from './fake-identity.js';

export interface Listening {
  identity: FakeIdentity;
  app: BatonApp;
  deps: ManagementDeps;
  store: KyselyManagementStore;
  baseUrl: string;
  host: string;
  serverUrl: string;
  deviceToken(claims?: Record<string, unknown>): Promise<string>;
  /** An HTTPS client to one URL of the service, optionally presenting a client certificate. */
  client(cert?: { certPem: string; keyPem: string }): HttpsClient;
  close(): Promise<void>;
}

export interface HttpsClient {
  post(path: string, body: string | Buffer, contentType: string): Promise<{ status: number; contentType: string; body: string }>;
  close(): Promise<void>;
}

export async function startListening(backend: TestBackend): Promise<Listening> {
  const dir = tempDir();
  const identity = await startFakeIdentity(dir.path);
  const tc: TestContext = createTestContext(backend, identity);
  const { app, deps, close } = await buildManagementApp(tc.ctx, {
    https: { key: identity.serverKeyPem, cert: identity.serverCertPem, requestCert: true, rejectUnauthorized: false, ...tlsResumptionOptions(tc.ctx.secretKey) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const host = `localhost:${(app.server.address() as { port: number }).port}`;
  const baseUrl = `https://${host}`;
  tc.ctx.urls.management = baseUrl;
  return {
    identity,
    app,
    deps,
    store: deps.store as KyselyManagementStore,
    baseUrl,
    host,
    serverUrl: `${baseUrl}${MANAGEMENT_PATHS.omadm}`,
    deviceToken: (claims = {}) => identity.mint({ aud: MDM_RESOURCE, oid: randomUUID(), upn: 'adele@demo.baton.local', deviceid: randomUUID(), ...claims }),
    client(cert) {
      const agent = new Agent({ connect: { ca: identity.caPem, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) } });
      return {
        async post(path, body, contentType) {
          const res = await undiciRequest(`${baseUrl}${path}`, { method: 'POST', dispatcher: agent, headers: { 'content-type': contentType }, body });
          return { status: res.statusCode, contentType: String(res.headers['content-type']), body: await res.body.text() };
        },
        close: () => agent.close(),
      };
    },
    async close() {
      await close();
      await identity.close();
      await tc.cleanup();
      dir.remove();
    },
  };
}
