// Every route of all three services, sent hostile bodies and query strings with an
// administrator's token: each answer is a 4xx or a success, never a 5xx, and a Graph route's
// error is Graph's envelope while the token endpoints answer OAuth errors. Paths name the demo
// tenant and, where the collection has one, an existing object, so updates reach validation
// rather than stopping at a 404. The per-parser property tests go deeper; this one catches the
// route whose parser has none.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { SERVICE_NAMES } from '@baton/contracts';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, seedDemo } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

/** Bodies that broke parsers before, or that parsers commonly trip on. */
const KNOWN_HOSTILE: unknown[] = [
  { '@odata.type': { toString: [] } },
  { displayName: { toString: [], valueOf: [] } },
  { toString: [], valueOf: {}, toJSON: 1 },
  { ['__proto__']: { isAdmin: true }, constructor: { prototype: {} } },
  { id: null, '@odata.type': null, displayName: null },
  { value: [{ toString: 1 }], target: { '@odata.type': 7, groupId: { toString: [] } } },
  [],
  null,
  'text',
  1e308,
  JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`),
];

const KEYS = ['toString', 'valueOf', '__proto__', 'constructor', 'toJSON', '@odata.type', 'id', 'displayName', 'description', 'value', 'target', 'groupId', 'deviceId', 'settings', 'assignments', 'length'];
const key = fc.constantFrom(...KEYS);
const hostileBody = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), fc.dictionary(key, fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 4 }));
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'application/soap+xml; charset=utf-8', 'application/vnd.syncml.dm+xml', 'text/plain'];
const GRANTS = ['password', 'client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'];
/** Pages a browser shows: their errors are HTML by design, as Entra's are. */
const BROWSER_PAGES = /\/oauth2\/v2\.0\/(authorize|devicelogin|logout)(\/|$)/;

interface Route {
  path: string;
  methods: string[];
}

/** Fastify's printed route tree, each line a segment under the line above it at one level less. */
function routesOf(printed: string): Route[] {
  const routes: Route[] = [];
  const parents: string[] = [];
  for (const line of printed.split('\n')) {
    const match = /^([│├└─\s]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match?.[2]) continue;
    const depth = Math.floor(match[1]!.length / 4);
    const path = (depth > 0 ? (parents[depth - 1] ?? '') : '') + match[2];
    parents[depth] = path;
    parents.length = depth + 1;
    if (match[3]) routes.push({ path, methods: match[3].split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS') });
  }
  return routes;
}

function encodedBody(body: unknown, contentType: string, i: number): string {
  const json = JSON.stringify(body) ?? 'null';
  if (contentType === 'application/json') return json;
  if (contentType.includes('form')) return new URLSearchParams({ grant_type: GRANTS[i % GRANTS.length]!, client_id: json.slice(0, 60), scope: json, code: json, username: json }).toString();
  return `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr>${json.replace(/</g, '&lt;')}</SyncHdr></SyncML>`;
}

for (const backend of testBackends()) {
  test(`no route answers a hostile request with a 5xx, and errors keep their protocol's shape (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [[...SERVICE_NAMES]]);
    t.after(() => baton.stop());
    const host = baton.instances[0]!;
    const fetch = createHttpsFetch({ caPem: host.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({ dataDir: baton.dataDir, url: host.url, urls: host.urls, caPath: host.caPath, identity: host.runtimes.identity as IdentityRuntime, fetch });
    const authorization = `Bearer ${await adminToken(demo, fetch)}`;

    // Objects for the `:id` routes to find, so their updates and actions reach validation.
    const seeded = [
      ['/graph/v1.0/deviceManagement/deviceCompliancePolicies', { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', displayName: 'Encrypted', bitLockerEnabled: true, scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0, notificationMessageCCList: [] }] }] }],
      ['/graph/v1.0/deviceManagement/deviceConfigurations', { '@odata.type': '#microsoft.graph.windows10CustomConfiguration', displayName: 'Realtime monitoring', omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'RTP', omaUri: './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', value: 1 }] }],
      ['/graph/v1.0/identity/conditionalAccess/namedLocations', { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '12.34.221.11/22' }] }],
    ] as const;
    for (const [collection, body] of seeded) {
      const res = await host.app.inject({ method: 'POST', url: collection, headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      assert.equal(res.statusCode, 201, `${collection}: ${res.body}`);
    }

    const existing = new Map<string, string>();
    async function existingId(collection: string): Promise<string> {
      if (collection === '') return randomUUID();
      if (!existing.has(collection)) {
        const res = await host.app.inject({ method: 'GET', url: collection, headers: { authorization } });
        let id: unknown;
        try {
          id = (res.json() as { value?: Array<{ id?: unknown }> }).value?.[0]?.id;
        } catch {
          id = undefined;
        }
        existing.set(collection, typeof id === 'string' ? id : randomUUID());
      }
      return existing.get(collection)!;
    }
    async function concrete(path: string): Promise<string> {
      let out = '';
      for (const part of path.split('/').slice(1)) {
        if (part === ':tenant') out += `/${demo.tenantId}`;
        else if (part.startsWith(':')) out += `/${await existingId(out)}`;
        else out += `/${part.replace(/\*/g, 'x')}`;
      }
      return out;
    }

    const seed = Number(process.env.BATON_HOSTILE_SEED ?? randomInt(2 ** 31));
    const bodies = [...KNOWN_HOSTILE, ...fc.sample(hostileBody, { numRuns: 12, seed })];
    const routes = routesOf(host.app.printRoutes({ commonPrefix: false }));
    assert.ok(routes.length > 100, `only ${routes.length} routes were found in the printed tree`);

    const failures: string[] = [];
    const failed = new Set<string>();

    // A Graph collection asked to filter on a property no object has must not answer its whole
    // content: Graph's 400 naming the property, or nothing.
    for (const route of routes.filter((r) => r.path.startsWith('/graph/') && r.methods.includes('GET'))) {
      const path = await concrete(route.path);
      const plain = await host.app.inject({ method: 'GET', url: path, headers: { authorization } });
      const items = plain.statusCode === 200 ? (plain.json() as { value?: unknown }).value : undefined;
      if (!Array.isArray(items) || items.length === 0) continue;
      const filtered = await host.app.inject({ method: 'GET', url: `${path}?$filter=${encodeURIComponent("batonNoSuchProperty eq 'x'")}`, headers: { authorization } });
      const left = filtered.statusCode === 200 ? (filtered.json() as { value?: unknown[] }).value : [];
      if (filtered.statusCode !== 400 && left?.length) failures.push(`filter ignored: GET ${route.path}?$filter=batonNoSuchProperty eq 'x' → ${filtered.statusCode} with ${left.length} of ${items.length} objects`);
    }
    const fail = (kind: string, method: string, route: Route, what: string) => {
      if (failed.has(`${kind} ${method} ${route.path}`)) return;
      failed.add(`${kind} ${method} ${route.path}`);
      failures.push(`${kind}: ${what}`);
    };
    const statuses = new Map<number, number>();
    const started = performance.now();
    // Deletes go last, so the objects the other requests address are still there.
    const requests = routes.flatMap((route) => route.methods.map((method) => ({ route, method })));
    requests.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const { route, method } of requests) {
      const path = await concrete(route.path);
      for (const [i, body] of bodies.entries()) {
        const hasBody = method !== 'GET' && method !== 'DELETE';
        const contentType = CONTENT_TYPES[i % CONTENT_TYPES.length]!;
        const query = i % 3 === 0 ? `?$filter=${encodeURIComponent((JSON.stringify(body) ?? '').slice(0, 120))}&$top=${i - 1}&$orderby=${KEYS[i % KEYS.length]}` : '';
        const res = await host.app.inject({
          method: method as 'GET',
          url: path + query,
          headers: { authorization, ...(hasBody ? { 'content-type': contentType } : {}) },
          payload: hasBody ? encodedBody(body, contentType, i) : undefined,
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const what = `${method} ${route.path} (body ${i}, ${contentType}, seed ${seed}) → ${res.statusCode}: ${res.body.slice(0, 200)}`;
        if (res.statusCode >= 500) fail('server error', method, route, what);
        else if (res.statusCode >= 400 && !BROWSER_PAGES.test(route.path)) {
          let error: { error?: unknown } | undefined;
          try {
            error = String(res.headers['content-type']).includes('json') ? (res.json() as { error?: unknown }) : undefined;
          } catch {
            fail('unparseable JSON', method, route, what);
          }
          if (route.path.startsWith('/graph/')) {
            const envelope = error?.error as { code?: unknown; message?: unknown } | undefined;
            if (typeof envelope?.code !== 'string' || typeof envelope.message !== 'string') fail('not a Graph error', method, route, what);
          } else if (route.path.includes('/oauth2/') && typeof error?.error !== 'string') fail('not an OAuth error', method, route, what);
        }
      }
    }
    t.diagnostic(`${routes.length} routes, ${bodies.length} bodies each, seed ${seed}, ${Math.round(performance.now() - started)} ms; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}; ${existing.size} collections read for ids`);
    assert.deepEqual(failures, [], `${failures.length} routes answered badly`);
    // The sweep reached handlers, not only the router: validation answered, and some requests succeeded.
    assert.ok((statuses.get(400) ?? 0) > 500, JSON.stringify([...statuses]));
    assert.ok((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) + (statuses.get(204) ?? 0) > 50, JSON.stringify([...statuses]));
  });
}
