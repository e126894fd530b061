import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensureLocalTls } from './local-ca.js';
import { createApp } from '../http/create-app.js';
import { createHttpsFetch } from '../http/https-client.js';

test('first start creates a CA and a server certificate; later starts reuse them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-tls-'));
  const first = await ensureLocalTls(dir, ['baton.lab.example']);
  const san = new X509Certificate(first.cert).subjectAltName!;
  for (const name of ['DNS:localhost', 'DNS:baton.lab.example', 'IP Address:127.0.0.1']) assert.ok(san.includes(name), `${name} in ${san}`);
  assert.ok(new X509Certificate(first.cert).checkIssued(new X509Certificate(first.caPem)));
  const again = await ensureLocalTls(dir, ['baton.lab.example']);
  assert.equal(again.cert, first.cert);
  const renamed = await ensureLocalTls(dir, ['other.lab.example']);
  assert.notEqual(renamed.cert, first.cert, 'a new host name re-issues the server certificate');
  assert.equal(renamed.caPem, first.caPem, 'the CA stays, so clients keep trusting it');
});

test('HTTPS clients that trust the CA connect; others are refused', async () => {
  const tls = await ensureLocalTls(mkdtempSync(join(tmpdir(), 'baton-tls-')));
  const app = createApp({ https: { key: tls.key, cert: tls.cert } });
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  try {
    const trusting = createHttpsFetch({ caPem: tls.caPem });
    assert.deepEqual(await (await trusting(`https://localhost:${port}/hello`)).json(), { hello: 'world' });
    await trusting.close();
    const stranger = createHttpsFetch();
    await assert.rejects(stranger(`https://localhost:${port}/hello`));
    await stranger.close();
  } finally {
    await app.close();
  }
});
