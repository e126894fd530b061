import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyPluginAsync } from 'fastify';
import { createApp } from './create-app.js';
import { mountService, RouteTable } from './mount.js';

test('each mounted service owns exactly the routes it registered', async () => {
  const app = createApp();
  const table = new RouteTable();
  const first: FastifyPluginAsync = async (scope) => {
    scope.get('/a', async () => 'a');
    scope.patch("/graph/v1.0/devices(deviceId=:key", async () => 'k');
  };
  const second: FastifyPluginAsync = async (scope) => {
    scope.post('/b', async () => 'b');
  };
  await mountService(app, 'discovery', first, {}, table);
  await mountService(app, 'management', second, {}, table);
  await app.ready();
  assert.deepEqual(table.sorted(), [
    { owner: 'discovery', method: 'GET', url: '/a' },
    { owner: 'management', method: 'POST', url: '/b' },
    { owner: 'discovery', method: 'PATCH', url: "/graph/v1.0/devices(deviceId='{key}')" },
  ]);
  assert.equal((await app.inject({ method: 'POST', url: '/b' })).body, 'b');
});
