// `baton tenant create` for installations whose services run apart: the new tenant's admin
// application gets tokens from identity and its authority publishes OpenID metadata; with
// --console-url the web console is registered in the tenant and its sign-in link printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GRAPH_RESOURCE } from '@baton/contracts';
import { createHttpsFetch, loadConfig } from '@baton/kit';
import { startBaton } from '@baton/cli';
import { freePort, tempDataDir } from './support.js';

const run = promisify(execFile);
const bin = new URL('../../operator/cli/bin/baton.js', import.meta.url).pathname;

test('baton tenant create makes a tenant that a separately served identity answers for', async (t) => {
  const dataDir = tempDataDir();
  const port = await freePort();
  const identityUrl = `https://localhost:${port}`;
  const created = await run(
    process.execPath,
    [bin, 'tenant', 'create', '--domain', 'fabrikam.example', '--name', 'Fabrikam', '--identity-url', identityUrl, '--management-url', 'https://mdm.fabrikam.example', '--console-url', identityUrl, '--data', dataDir, '--json'],
    { env: { ...process.env, BATON_DATABASE_URL: '' }, timeout: 60_000 },
  );
  const tenant = JSON.parse(created.stdout);
  assert.equal(tenant.domain, 'fabrikam.example');
  assert.equal(tenant.authority, `${identityUrl}/${tenant.tenantId}`);
  const consoleLink = new URL(tenant.console.url);
  assert.equal(`${consoleLink.origin}${consoleLink.pathname}`, `${identityUrl}/console/`);
  assert.equal(consoleLink.searchParams.get('tenant'), 'fabrikam.example');
  assert.equal(consoleLink.searchParams.get('client'), tenant.console.clientId);

  const again = await run(process.execPath, [bin, 'tenant', 'create', '--domain', 'fabrikam.example', '--identity-url', identityUrl, '--management-url', 'https://mdm.fabrikam.example', '--data', dataDir], {
    env: { ...process.env, BATON_DATABASE_URL: '' },
  }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((again as { code: number }).code, 1, 'an existing domain is refused, not reset');
  assert.match((again as { stderr: string }).stderr, /already exists/);

  const identity = await startBaton({ config: loadConfig({}, { dataDir, port, logLevel: 'silent' }), services: ['identity'], peerUrls: { management: 'https://mdm.fabrikam.example' }, quiet: true });
  t.after(() => identity.close());
  const fetch = createHttpsFetch({ caPem: identity.caPem });
  t.after(() => fetch.close());
  const metadata = await (await fetch(`${identityUrl}/fabrikam.example/v2.0/.well-known/openid-configuration`)).json();
  assert.equal(metadata.issuer, `${identityUrl}/${tenant.tenantId}/v2.0`);
  const token = await fetch(`${tenant.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.adminApp.clientId, client_secret: tenant.adminApp.clientSecret, scope: `${GRAPH_RESOURCE}/.default` }).toString(),
  });
  assert.equal(token.status, 200);

  // The console's registration: identity's authorization endpoint accepts its redirect URI and
  // shows the sign-in page, and refuses the same request with any other redirect URI.
  const authorize = (redirectUri: string) =>
    fetch(
      `${tenant.authority}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: tenant.console.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        response_mode: 'query',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGWSstw-cM',
        code_challenge_method: 'S256',
      })}`,
    );
  const page = await authorize(`${identityUrl}/console/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<form/);
  const elsewhere = await authorize('https://elsewhere.example/console/');
  await elsewhere.arrayBuffer();
  assert.equal(elsewhere.status, 400);
});
