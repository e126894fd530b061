/**
 * Plays identity's part for discovery's tests, over real HTTPS: a per-tenant JWKS, a
 * client-credentials token endpoint, Graph's organization, and a recorder for the
 * placeholder PATCHes discovery's outbox sends. It can be taken "down" to prove the
 * outbox retries.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRAPH_RESOURCE, ROLES, SERVICE_APP_IDS } from '@baton/contracts';
import { createApp, createHttpsFetch, ensureLocalTls, type Fetch } from '@baton/kit';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface FakeOrganization {
  displayName: string;
  domain: string;
  branding?: Record<string, unknown>;
}

export interface RecordedPatch {
  deviceId: string;
  tenantId: string;
  prefer: string | undefined;
  traceparent: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeIdentity {
  url: string;
  /** fetch that trusts the fake's certificate authority. */
  fetch: Fetch & { close(): Promise<void> };
  discoveryCredentials: { clientId: string; clientSecret: string };
  organizations: Map<string, FakeOrganization>;
  patches: RecordedPatch[];
  /** Count of organization reads, to observe discovery's cache. */
  organizationReads: number;
  /** When true, the Graph endpoints answer 503 (tokens and keys still work). */
  graphDown: boolean;
  /** Device objects a join already made, by ZTDId: a placeholder for one merges into it (200). */
  joinedByZtdId: Map<string, string>;
  /** An admin token for tenant `tid` with the given app roles. */
  adminToken(tid: string, roles?: string[], audience?: string): Promise<string>;
  close(): Promise<void>;
}

const DISCOVERY_SECRET = 'discovery-test-secret';

export async function startFakeIdentity(): Promise<FakeIdentity> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-fake-identity-'));
  const tls = await ensureLocalTls(dir);
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' };
  const app = createApp({ https: { key: tls.key, cert: tls.cert } });
  let url = '';

  const sign = (tid: string, claims: Record<string, unknown>, audience: string) =>
    new SignJWT({ tid, ver: '2.0', idtyp: 'app', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(`${url}/${tid}/v2.0`)
      .setAudience(audience)
      .setSubject(String(claims.oid ?? randomUUID()))
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime('1h')
      .sign(privateKey);

  const tenantOfBearer = (header: string | undefined): string | undefined => {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    if (!token) return undefined;
    try {
      return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).tid;
    } catch {
      return undefined;
    }
  };

  const fake: FakeIdentity = {
    url: '',
    fetch: createHttpsFetch({ caPem: tls.caPem, timeoutMs: 5_000 }),
    discoveryCredentials: { clientId: SERVICE_APP_IDS.discovery, clientSecret: DISCOVERY_SECRET },
    organizations: new Map(),
    patches: [],
    joinedByZtdId: new Map(),
    organizationReads: 0,
    graphDown: false,
    adminToken: (tid, roles = [ROLES.autopilotReadWrite], audience = GRAPH_RESOURCE) =>
      sign(tid, { roles, oid: randomUUID(), azp: randomUUID() }, audience),
    async close() {
      await fake.fetch.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  app.get('/:tid/discovery/v2.0/keys', async () => ({ keys: [publicJwk] }));

  app.post('/:tid/oauth2/v2.0/token', async (request, reply) => {
    const { tid } = request.params as { tid: string };
    const form = request.body as Record<string, string>;
    if (form.grant_type !== 'client_credentials' || form.client_id !== SERVICE_APP_IDS.discovery || form.client_secret !== DISCOVERY_SECRET) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'unknown client' });
    }
    const resource = (form.scope ?? '').replace(/\/\.default$/, '');
    const access_token = await sign(tid, { roles: [ROLES.devicesReadWrite, ROLES.directoryRead], azp: SERVICE_APP_IDS.discovery }, resource);
    return { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token };
  });

  app.get('/graph/v1.0/organization', async (request, reply) => {
    if (fake.graphDown) return reply.code(503).send({ error: { code: 'ServiceUnavailable', message: 'down' } });
    fake.organizationReads++;
    const tid = tenantOfBearer(request.headers.authorization);
    if (!tid) return reply.code(401).send({ error: { code: 'InvalidAuthenticationToken', message: 'no tenant' } });
    const org = fake.organizations.get(tid) ?? { displayName: `Tenant ${tid.slice(0, 8)}`, domain: `t${tid.slice(0, 8)}.baton.local` };
    return {
      value: [
        {
          id: tid,
          displayName: org.displayName,
          verifiedDomains: [{ name: org.domain, isDefault: true, isInitial: true, type: 'Managed' }],
          branding: org.branding ?? {},
        },
      ],
    };
  });

  app.patch('/graph/v1.0/*', async (request, reply) => {
    if (fake.graphDown) return reply.code(503).send({ error: { code: 'ServiceUnavailable', message: 'down' } });
    const match = /^\/graph\/v1\.0\/devices\(deviceId='([0-9a-f-]{36})'\)$/i.exec(decodeURIComponent(request.url));
    const tid = tenantOfBearer(request.headers.authorization);
    if (!match || !tid) return reply.code(400).send({ error: { code: 'BadRequest', message: 'unexpected PATCH' } });
    fake.patches.push({
      deviceId: match[1]!,
      tenantId: tid,
      prefer: request.headers.prefer as string | undefined,
      traceparent: request.headers.traceparent as string | undefined,
      body: request.body as Record<string, unknown>,
    });
    const ztd = ((request.body as { physicalIds?: string[] }).physicalIds ?? []).find((p) => p.startsWith('[ZTDID]:'))?.slice(8);
    const joined = ztd ? fake.joinedByZtdId.get(ztd) : undefined;
    if (joined) return reply.code(200).send({ id: randomUUID(), deviceId: joined, trustType: 'AzureAd' });
    return reply.code(204).send();
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.url = url;
  return fake;
}
