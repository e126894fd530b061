/**
 * Plays identity's part for discovery's tests, over real HTTPS: a per-tenant JWKS, a
 * client-credentials token endpoint, Graph's organization, and a recorder for the
 * placeholder PATCHes discovery's outbox sends. It can be taken "down" to prove the
 * outbox retries. It also keeps groups of device members and Graph-style subscriptions to
 * them: subscribing runs the validation handshake against the receiver over HTTPS, and
 * membership changes made through it are POSTed to subscribers as contracts/notifications.ts
 * describes.
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

export interface FakeSubscription {
  id: string;
  tenantId: string;
  applicationId: string;
  resource: string;
  notificationUrl: string;
  clientState: string | null;
  expirationDateTime: string;
}

export interface FakeMember {
  id: string;
  deviceId: string;
}

export interface FakeIdentity {
  url: string;
  /** The certificate its HTTPS listener serves, from a CA its `fetch` trusts: a receiver can serve it too. */
  tls: { key: string; cert: string };
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
  /** An app-only Graph token of the application `appId` (a Baton service's, say). */
  appToken(tid: string, appId: string): Promise<string>;
  /** Device members by group id; groups spring into existence, empty, when first named. */
  groups: Map<string, Map<string, FakeMember>>;
  subscriptions: Map<string, FakeSubscription>;
  /** Every subscription call discovery made, in order. */
  subscriptionCalls: Array<{ method: string; id?: string; body?: Record<string, unknown> }>;
  /** Members per page of a member listing, to exercise @odata.nextLink. */
  memberPageSize: number;
  /** Adds (or, with `removed`, removes) members and notifies subscribers; answers the receivers' statuses. */
  changeMembers(groupId: string, change: { added?: FakeMember[]; removed?: FakeMember[] }): Promise<number[]>;
  /** POSTs a body to a subscription's notification URL as identity would, and answers the status. */
  post(url: string, body: string, contentType?: string): Promise<number>;
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

  const members = (groupId: string) => {
    const key = groupId.toLowerCase();
    let group = fake.groups.get(key);
    if (!group) fake.groups.set(key, (group = new Map()));
    return group;
  };
  const down = (reply: { code(n: number): { send(b: unknown): unknown } }) =>
    reply.code(503).send({ error: { code: 'ServiceUnavailable', message: 'down' } });
  const azpOfBearer = (header: string | undefined): string | undefined => {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    try {
      return token ? JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).azp : undefined;
    } catch {
      return undefined;
    }
  };

  const fake: FakeIdentity = {
    url: '',
    tls: { key: tls.key, cert: tls.cert },
    groups: new Map(),
    subscriptions: new Map(),
    subscriptionCalls: [],
    memberPageSize: 100,
    async post(target, body, contentType = 'application/json') {
      const response = await fake.fetch(target, { method: 'POST', headers: { 'content-type': contentType }, body });
      await response.text();
      return response.status;
    },
    async changeMembers(groupId, change) {
      const group = members(groupId);
      for (const m of change.added ?? []) group.set(m.id, m);
      for (const m of change.removed ?? []) group.delete(m.id);
      const delta = [
        ...(change.added ?? []).map((m) => ({ '@odata.type': '#microsoft.graph.device', id: m.id, deviceId: m.deviceId })),
        ...(change.removed ?? []).map((m) => ({ '@odata.type': '#microsoft.graph.device', id: m.id, deviceId: m.deviceId, '@removed': { reason: 'deleted' } })),
      ];
      const resource = `groups/${groupId.toLowerCase()}/members`;
      const statuses: number[] = [];
      for (const s of fake.subscriptions.values()) {
        if (s.resource !== resource || Date.parse(s.expirationDateTime) <= Date.now()) continue;
        const notification = {
          subscriptionId: s.id,
          clientState: s.clientState,
          changeType: 'updated',
          resource,
          tenantId: s.tenantId,
          subscriptionExpirationDateTime: s.expirationDateTime,
          resourceData: {
            '@odata.type': '#microsoft.graph.group',
            '@odata.id': `groups/${groupId}`,
            id: groupId,
            'members@delta': delta,
          },
        };
        statuses.push(await fake.post(s.notificationUrl, JSON.stringify({ value: [notification] })));
      }
      return statuses;
    },
    fetch: createHttpsFetch({ caPem: tls.caPem, timeoutMs: 5_000 }),
    discoveryCredentials: { clientId: SERVICE_APP_IDS.discovery, clientSecret: DISCOVERY_SECRET },
    organizations: new Map(),
    patches: [],
    joinedByZtdId: new Map(),
    organizationReads: 0,
    graphDown: false,
    adminToken: (tid, roles = [ROLES.autopilotReadWrite], audience = GRAPH_RESOURCE) =>
      sign(tid, { roles, oid: randomUUID(), azp: randomUUID() }, audience),
    appToken: (tid, appId) => sign(tid, { roles: [], oid: randomUUID(), azp: appId }, GRAPH_RESOURCE),
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

  app.get('/graph/v1.0/groups/:id/members', async (request, reply) => {
    if (fake.graphDown) return down(reply);
    if (!tenantOfBearer(request.headers.authorization)) return reply.code(401).send({ error: { code: 'InvalidAuthenticationToken', message: 'no tenant' } });
    const { id } = request.params as { id: string };
    const query = request.query as Record<string, string>;
    const all = [...members(id).values()];
    const skip = Number(query.$skiptoken ?? 0);
    const page = all.slice(skip, skip + fake.memberPageSize);
    const body: Record<string, unknown> = { value: page.map((m) => ({ '@odata.type': '#microsoft.graph.device', id: m.id, deviceId: m.deviceId })) };
    if (skip + fake.memberPageSize < all.length) {
      body['@odata.nextLink'] = `${url}/graph/v1.0/groups/${id}/members?$select=${encodeURIComponent(query.$select ?? '')}&$skiptoken=${skip + fake.memberPageSize}`;
    }
    return body;
  });

  app.post('/graph/v1.0/subscriptions', async (request, reply) => {
    if (fake.graphDown) return down(reply);
    const tid = tenantOfBearer(request.headers.authorization);
    const body = request.body as Record<string, unknown>;
    fake.subscriptionCalls.push({ method: 'POST', body });
    if (!tid) return reply.code(401).send({ error: { code: 'InvalidAuthenticationToken', message: 'no tenant' } });
    const notificationUrl = String(body.notificationUrl ?? '');
    const validationToken = `Validation: ${randomUUID()}`;
    const target = new URL(notificationUrl);
    target.searchParams.set('validationToken', validationToken);
    let echoed = '';
    let status = 0;
    let type = '';
    try {
      const response = await fake.fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(10_000) });
      status = response.status;
      type = response.headers.get('content-type') ?? '';
      echoed = await response.text();
    } catch {
      // Unreachable receiver: status stays 0 and the subscription is refused below.
    }
    if (status !== 200 || !type.startsWith('text/plain') || echoed !== validationToken) {
      return reply.code(400).send({ error: { code: 'ValidationError', message: 'Subscription validation request failed.' } });
    }
    const subscription: FakeSubscription = {
      id: randomUUID(),
      tenantId: tid,
      applicationId: azpOfBearer(request.headers.authorization) ?? '',
      resource: String(body.resource).toLowerCase(),
      notificationUrl,
      clientState: typeof body.clientState === 'string' ? body.clientState : null,
      expirationDateTime: new Date(String(body.expirationDateTime)).toISOString(),
    };
    fake.subscriptions.set(subscription.id, subscription);
    return reply.code(201).send({ ...subscription, changeType: body.changeType, includeResourceData: false, latestSupportedTlsVersion: 'v1_2' });
  });

  app.patch('/graph/v1.0/subscriptions/:id', async (request, reply) => {
    if (fake.graphDown) return down(reply);
    const { id } = request.params as { id: string };
    const body = request.body as Record<string, unknown>;
    fake.subscriptionCalls.push({ method: 'PATCH', id, body });
    const s = fake.subscriptions.get(id);
    if (!s) return reply.code(404).send({ error: { code: 'ResourceNotFound', message: 'no such subscription' } });
    s.expirationDateTime = new Date(String(body.expirationDateTime)).toISOString();
    return { ...s };
  });

  app.delete('/graph/v1.0/subscriptions/:id', async (request, reply) => {
    if (fake.graphDown) return down(reply);
    const { id } = request.params as { id: string };
    fake.subscriptionCalls.push({ method: 'DELETE', id });
    if (!fake.subscriptions.delete(id)) return reply.code(404).send({ error: { code: 'ResourceNotFound', message: 'no such subscription' } });
    return reply.code(204).send();
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.url = url;
  return fake;
}
