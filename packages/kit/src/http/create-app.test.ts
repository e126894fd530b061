import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { createApp } from './create-app.js';
import { GraphError } from './graph-error.js';

function app() {
  const a = createApp({ bodyLimit: 1024 });
  a.post('/things', { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }) }) } }, async (req) => ({ name: req.body.name }));
  a.delete('/things/:id', async (_req, reply) => reply.code(204).send());
  a.post('/things/:id/sync', async (req, reply) => reply.code(204).send(req.body === undefined ? undefined : 'unexpected body'));
  a.get('/missing', async () => {
    throw new GraphError(404, 'itemNotFound', 'No such thing.');
  });
  a.get('/boom', async () => {
    throw new Error('database exploded');
  });
  return a;
}

test('unknown routes answer a Graph envelope with the request id', async () => {
  const res = await app().inject({ method: 'GET', url: '/nowhere' });
  assert.equal(res.statusCode, 404);
  const body = res.json();
  assert.equal(body.error.code, 'NotFound');
  assert.equal(body.error.innerError['request-id'], res.headers['request-id']);
  assert.match(body.error.innerError.date, /^\d{4}-\d{2}-\d{2}T/);
});

test('validation failures, bad JSON and oversize bodies are 4xx envelopes', async () => {
  const a = app();
  const invalid = await a.inject({ method: 'POST', url: '/things', payload: { name: '' } });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().error.code, 'BadRequest');
  const badJson = await a.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
  assert.equal(badJson.statusCode, 400);
  assert.ok(badJson.json().error);
  const big = await a.inject({ method: 'POST', url: '/things', payload: { name: 'x'.repeat(5000) } });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'RequestEntityTooLarge');
  const wrongType = await a.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/x-unknown' }, payload: 'x' });
  assert.equal(wrongType.statusCode, 415);
});

test('an empty body sent as application/json is no body, as Graph takes it; poisoned JSON is still refused', async () => {
  const a = app();
  const json = { 'content-type': 'application/json' };
  assert.equal((await a.inject({ method: 'DELETE', url: '/things/1', headers: json })).statusCode, 204);
  const action = await a.inject({ method: 'POST', url: '/things/1/sync', headers: json, payload: '' });
  assert.equal(action.statusCode, 204, action.body);
  // A create still needs its body: the schema says so, with a Graph envelope.
  const create = await a.inject({ method: 'POST', url: '/things', headers: json, payload: '' });
  assert.equal(create.statusCode, 400);
  assert.equal(typeof create.json().error.code, 'string');
  for (const payload of ['{"__proto__": {"admin": true}, "name": "x"}', '{"constructor": {"prototype": {}}, "name": "x"}', '{"name": ']) {
    const res = await a.inject({ method: 'POST', url: '/things', headers: json, payload });
    assert.equal(res.statusCode, 400, payload);
  }
});

test('coded errors keep their code; unexpected ones become a generic 500', async () => {
  const a = app();
  const missing = await a.inject({ method: 'GET', url: '/missing' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'itemNotFound');
  const boom = await a.inject({ method: 'GET', url: '/boom' });
  assert.equal(boom.statusCode, 500);
  assert.equal(boom.json().error.code, 'generalException');
  assert.doesNotMatch(boom.body, /exploded/, 'internal messages must not leak');
});

test('a client-request-id is echoed, an invalid one is not', async () => {
  const a = app();
  const id = '0b0b6a3c-2f5e-4d3a-9a51-6f1d8e7c9b10';
  const ok = await a.inject({ method: 'GET', url: '/missing', headers: { 'client-request-id': id } });
  assert.equal(ok.headers['client-request-id'], id);
  assert.equal(ok.json().error.innerError['client-request-id'], id);
  const junk = await a.inject({ method: 'GET', url: '/missing', headers: { 'client-request-id': '<script>' } });
  assert.equal(junk.headers['client-request-id'], undefined);
});
