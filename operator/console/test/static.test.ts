// The host's static route for the console, on a bare Fastify app with a bundle made up here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { consoleBuildIsFresh, registerConsoleRoutes, type ConsoleConfig } from '@baton/console/server';

let dir: string;
let app: FastifyInstance;
let config: ConsoleConfig | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-console-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  writeFileSync(join(tmpdir(), 'baton-console-secret.txt'), 'secret');
  app = Fastify({ routerOptions: { ignoreTrailingSlash: true, caseSensitive: false } });
  registerConsoleRoutes(app, { dir, config: () => config });
  await app.ready();
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('index.html for the console and each of its routes, never cached, under the CSP', async () => {
  for (const url of ['/console/', '/console/managed-devices/1234', '/console/index.html']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'.*script-src 'self';/);
    assert.doesNotMatch(String(res.headers['content-security-policy']), /script-src[^;]*unsafe/);
  }
  const bare = await app.inject('/console');
  assert.equal(bare.statusCode, 301);
  assert.equal(bare.headers.location, '/console/');
});

test('hashed assets are cached for a year with their content type; a missing one is a 404', async () => {
  const js = await app.inject('/console/assets/index-abc123.js');
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const svg = await app.inject('/console/favicon.svg');
  assert.equal(svg.headers['content-type'], 'image/svg+xml');
  assert.equal(svg.headers['cache-control'], 'no-cache');
  assert.equal((await app.inject('/console/assets/gone.js')).statusCode, 404);
});

test('a path that leaves the bundle is not served', async () => {
  for (const url of ['/console/..%2fbaton-console-secret.txt', '/console/%2e%2e/%2e%2e/etc/passwd', '/console/assets/..%2f..%2f..%2fbaton-console-secret.txt']) {
    const res = await app.inject(url);
    assert.doesNotMatch(res.body, /secret|root:/, url);
    assert.notEqual(res.headers['content-type'], 'text/plain; charset=utf-8; secret');
  }
});

test('hostile paths under /console/ get a 4xx or a page of the bundle, never a 5xx or a file outside it', async () => {
  const segment = fc.oneof(
    fc.constantFrom('..', '.', '%2e%2e', '%2E%2E', '..%2f', '..%5c', '%2f', '%5c', '%00', '%', '%zz', '%c0%ae', 'assets', 'index.html', 'baton-console-secret.txt', '..%2fbaton-console-secret.txt', '%2e%2e%2f%2e%2e%2fbaton-console-secret.txt', '~', '\\..'),
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 8 }), async (segments) => {
      const url = `/console/${segments.join('/')}`;
      const res = await app.inject(url);
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /^secret$/, url);
    }),
    { numRuns: 400 },
  );
});

test('config.json is 503 until the tenant is seeded, then names the authority and client', async () => {
  assert.equal((await app.inject('/console/config.json')).statusCode, 503);
  config = { authority: 'https://localhost:8443/t', clientId: 'c', identity: 'https://localhost:8443', scopes: ['https://graph.baton.local/User.Read'] };
  const res = await app.inject('/console/config.json');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.json(), config);
});

test('a bundle is stale when any source is newer than its index.html', () => {
  const root = mkdtempSync(join(tmpdir(), 'baton-console-fresh-'));
  try {
    const dist = join(root, 'dist');
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/main.tsx'), '');
    assert.equal(consoleBuildIsFresh(root, dist), false, 'no bundle yet');
    mkdirSync(dist);
    writeFileSync(join(dist, 'index.html'), '');
    const t = Date.now() / 1000;
    utimesSync(join(root, 'src/main.tsx'), t - 100, t - 100);
    utimesSync(join(root, 'src'), t - 100, t - 100);
    utimesSync(join(dist, 'index.html'), t - 50, t - 50);
    assert.equal(consoleBuildIsFresh(root, dist), true);
    utimesSync(join(root, 'src/main.tsx'), t, t);
    assert.equal(consoleBuildIsFresh(root, dist), false, 'a source changed after the build');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
