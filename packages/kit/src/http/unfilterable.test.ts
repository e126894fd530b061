import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from './create-app.js';
import { refuseFilter } from './unfilterable.js';

test('a collection that cannot filter refuses $filter in any case, as a Graph 400, and answers plain lists', async () => {
  const app = createApp({ bodyLimit: 1024 });
  app.get('/graph/v1.0/things', { preValidation: refuseFilter }, async () => ({ value: [{ id: 'a' }, { id: 'b' }] }));
  for (const option of ['$filter', '$FILTER', '$Filter']) {
    const res = await app.inject({ url: `/graph/v1.0/things?${option}=${encodeURIComponent("id eq 'a'")}` });
    assert.equal(res.statusCode, 400, option);
    assert.equal(res.json().error.code, 'BadRequest');
    assert.match(res.json().error.message, /\$filter is not supported on \/graph\/v1\.0\/things/);
  }
  assert.equal((await app.inject({ url: '/graph/v1.0/things?$top=1' })).json().value.length, 2);
  await app.close();
});
