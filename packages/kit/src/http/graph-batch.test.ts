import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { createApp } from './create-app.js';
import { GraphError } from './graph-error.js';
import { registerGraphBatch } from './graph-batch.js';
import { RouteTable } from './mount.js';

const TOKEN = 'Bearer good-token';

/** A toy Graph surface: items that need the token, and a route outside Graph that must stay out of reach. */
function app() {
  const a = createApp({ bodyLimit: 64 * 1024 });
  const items = new Map<string, { id: string; name: string }>();
  a.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/graph/') && !request.url.includes('$batch') && request.headers.authorization !== TOKEN) {
      throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is missing or invalid.');
    }
  });
  for (const version of ['v1.0', 'beta']) {
    a.post(`/graph/${version}/items`, { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }) }) } }, async (request, reply) => {
      const item = { id: `item-${items.size + 1}`, name: request.body.name };
      items.set(item.id, item);
      reply.code(201).header('location', `https://graph.test/${version}/items/${item.id}`);
      return { ...item, version, seenRequestId: request.headers['client-request-id'] ?? null };
    });
    a.get(`/graph/${version}/items/:id`, async (request) => {
      const item = items.get((request.params as { id: string }).id);
      if (!item) throw new GraphError(404, 'itemNotFound', 'No such item.');
      return item;
    });
    a.get(`/graph/${version}/items/$count`, async (_request, reply) => reply.type('text/plain').send(String(items.size)));
    a.delete(`/graph/${version}/items/:id`, async (request, reply) => {
      items.delete((request.params as { id: string }).id);
      return reply.code(204).send();
    });
  }
  a.get('/internal/secrets', async () => ({ secret: 'nobody batches me' }));
  registerGraphBatch(a, new RouteTable());
  return a;
}

const batch = (a: ReturnType<typeof app>, requests: unknown, headers: Record<string, string> = { authorization: TOKEN }, version = 'v1.0') =>
  a.inject({ method: 'POST', url: `/graph/${version}/$batch`, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ requests }) });

interface Answer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: any;
}
const byId = (body: { responses: Answer[] }) => new Map(body.responses.map((r) => [r.id, r]));

test('each request of a batch gets its own status, headers and body, with the batch credentials', async () => {
  const a = app();
  const res = await batch(
    a,
    [
      { id: '1', method: 'POST', url: '/items', headers: { 'Content-Type': 'application/json' }, body: { name: 'first' } },
      { id: '2', method: 'GET', url: 'items/nope' },
      { id: '3', method: 'get', url: '/items/$count', dependsOn: ['1'] },
      { id: '4', method: 'POST', url: '/items', headers: { 'content-type': 'application/json', authorization: 'Bearer forged' }, body: { name: '' } },
    ],
    { authorization: TOKEN, 'client-request-id': '7f3b8a52-0c1e-4d67-9a0b-5f2e1c3d4b6a' },
  );
  assert.equal(res.statusCode, 200);
  const responses = byId(res.json());
  assert.deepEqual([...responses.keys()], ['1', '2', '3', '4'], 'in the order asked');
  const created = responses.get('1')!;
  assert.equal(created.status, 201);
  assert.equal(created.headers.Location, 'https://graph.test/v1.0/items/item-1');
  assert.match(created.headers['Content-Type']!, /^application\/json/, "spelt as Graph spells it, which the Graph SDK's BatchResponseContent reads");
  assert.deepEqual(created.body, { id: 'item-1', name: 'first', version: 'v1.0', seenRequestId: '7f3b8a52-0c1e-4d67-9a0b-5f2e1c3d4b6a' });
  const missing = responses.get('2')!;
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'itemNotFound');
  const count = responses.get('3')!;
  assert.equal(count.status, 200);
  assert.equal(count.body, '1', 'ran after the item it depends on');
  // A member's own Authorization header is not taken: the batch's token is the one that counts.
  const invalid = responses.get('4')!;
  assert.equal(invalid.status, 400, 'schema validation still applies to members');
});

test('a request whose dependency failed is not run and answers 424', async () => {
  const a = app();
  const res = await batch(a, [
    { id: 'a', method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, body: { name: '' } },
    { id: 'b', method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, body: { name: 'never' }, dependsOn: ['A'] },
    { id: 'c', method: 'GET', url: '/items/$count', dependsOn: ['b'] },
  ]);
  assert.equal(res.statusCode, 200);
  const responses = byId(res.json());
  assert.equal(responses.get('a')!.status, 400);
  assert.equal(responses.get('b')!.status, 424);
  assert.equal(responses.get('b')!.body.error.code, 'FailedDependency');
  assert.equal(responses.get('c')!.status, 424);
  const count = await a.inject({ method: 'GET', url: '/graph/v1.0/items/$count', headers: { authorization: TOKEN } });
  assert.equal(count.body, '0', 'nothing was created');
});

test('a batch that cannot run as a whole is a 400 envelope, and a batch without credentials a 401', async () => {
  const a = app();
  const get = (id: string, extra: Record<string, unknown> = {}) => ({ id, method: 'GET', url: '/items/x', ...extra });
  const cases: Array<[string, unknown]> = [
    ['no requests', []],
    ['more than 20', Array.from({ length: 21 }, (_, i) => get(String(i)))],
    ['ids differing only in case', [get('x'), get('X')]],
    ['a dependency that is not in the batch', [get('1', { dependsOn: ['9'] })]],
    ['a cycle', [get('1', { dependsOn: ['2'] }), get('2', { dependsOn: ['1'] })]],
    ['a method Graph does not batch', [get('1', { method: 'TRACE' })]],
    ['headers that are not strings', [get('1', { headers: { 'content-type': 5 } })]],
    ['a request that is not an object', ['GET /items']],
  ];
  for (const [name, requests] of cases) {
    const res = await batch(a, requests);
    assert.equal(res.statusCode, 400, name);
    assert.equal(res.json().error.code, 'BadRequest', name);
  }
  const notABatch = await a.inject({ method: 'POST', url: '/graph/beta/$batch', headers: { authorization: TOKEN, 'content-type': 'application/json' }, payload: '{"value":[]}' });
  assert.equal(notABatch.statusCode, 400);
  const anonymous = await batch(a, [get('1')], {});
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json().error.code, 'InvalidAuthenticationToken');
});

test('a request cannot leave the batch version: absolute URLs, dot segments, nested batches', async () => {
  const a = app();
  const res = await batch(a, [
    { id: '1', method: 'GET', url: 'https://evil.test/internal/secrets' },
    { id: '2', method: 'GET', url: '../../internal/secrets' },
    { id: '3', method: 'GET', url: '/items/%2e%2e/%2e%2e/%2e%2e/internal/secrets' },
    { id: '4', method: 'POST', url: '/$batch', headers: { 'content-type': 'application/json' }, body: { requests: [] } },
    { id: '5', method: 'GET', url: '//evil.test/internal/secrets' },
    { id: '6', method: 'POST', url: '/items', body: { name: 'no content type' } },
    { id: '7', method: 'GET', url: '../beta/items/x' },
  ]);
  assert.equal(res.statusCode, 200);
  for (const response of res.json().responses as Array<{ id: string; status: number; body: unknown }>) {
    assert.equal(response.status, 400, `request ${response.id}`);
    assert.doesNotMatch(JSON.stringify(response.body), /nobody batches me/);
  }
});

test('hostile batch bodies get a 4xx Graph envelope or a 200 of per-request answers, never a 5xx', async () => {
  const a = app();
  const member = fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
      method: fc.oneof(fc.constantFrom('GET', 'post', 'PATCH', 'DELETE', 'PUT', 'HEAD', ''), fc.anything()),
      url: fc.oneof(fc.constantFrom('/items', 'items/1', '/items/$count', '/$batch', '../x', 'https://x', '%00', '/items?$top=-1'), fc.string({ maxLength: 40 }), fc.anything()),
      headers: fc.oneof(fc.dictionary(fc.constantFrom('content-type', 'Content-Type', 'authorization', 'if-match', 'host'), fc.string({ maxLength: 20 })), fc.anything()),
      body: fc.anything({ maxDepth: 3 }),
      dependsOn: fc.oneof(fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), fc.anything()),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.array(member, { maxLength: 22 }), fc.anything()), async (requests) => {
      const res = await batch(a, requests);
      assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body.slice(0, 300)}`);
      const body = res.json();
      if (res.statusCode === 200) {
        assert.ok(Array.isArray(body.responses));
        for (const r of body.responses) assert.ok(r.status < 500 && typeof r.id === 'string', JSON.stringify(r).slice(0, 300));
      } else {
        assert.equal(typeof body.error?.code, 'string');
      }
    }),
    { numRuns: 300 },
  );
});
