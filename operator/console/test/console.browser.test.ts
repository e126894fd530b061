// The console as an administrator meets it: Baton over real HTTPS with the demo tenant, the
// bundle built by Vite and served under /console/, sign-in on identity's own page with
// MSAL Browser (code + PKCE), the demo profile, a CSV import, and a sync and a Defender quick
// scan sent to a device that a simulated device took through the whole chain, with its Defender
// section and its escrowed BitLocker recovery key shown, and a compliance policy's page and a
// configuration profile created through Graph.
// Skipped where Chromium is absent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_APP_ROLES, MANAGEMENT_PATHS, SERVICE_NAMES } from '@baton/contracts';
import { createHttpsFetch, loadConfig } from '@baton/kit';
import { adminToken, consoleConfigOf, consoleSignInLink, graphJson, registerConsoleApp, runFleet, seedDemo, startBaton, type DemoInfo, type RunningBaton } from '@baton/cli';
import { ensureConsoleBuilt, registerConsoleRoutes, type ConsoleConfig } from '@baton/console/server';
import { hardwareHash, randomInventory } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { autopilotCsvText } from '@baton/protocols';

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

describe('the web console in a browser', { skip }, () => {
  let baton: RunningBaton;
  let demo: DemoInfo;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let config: ConsoleConfig | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'baton-console-'));
    const settings = loadConfig({}, { dataDir, port: 0, logLevel: 'silent' });
    const build = await ensureConsoleBuilt();
    baton = await startBaton({ config: settings, services: [...SERVICE_NAMES], quiet: true, mount: (app) => registerConsoleRoutes(app, { dir: build.dir, config: () => config }) });
    await browserStart(join(dataDir, 'tls', 'server.pem'));
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      demo = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
    } finally {
      await fetch.close();
    }
    config = consoleConfigOf(demo);
    await createPolicies();
    // One device through the whole chain, so there is a managed device to act on (and whose
    // compliance the policy's status overview counts).
    const { results } = await runFleet({ demo, caPem: baton.caPem, devices: 1, concurrency: 1, seed: 7301 });
    assert.equal(results[0]?.managed, true, JSON.stringify(results[0]?.error));
  });

  const POLICY = 'Console test: BitLocker required';
  const PROFILE = 'Console test: Defender real-time';

  /** A compliance policy and a configuration profile for all devices, as an admin script would create them. */
  async function createPolicies() {
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
      const create = async (collection: string, body: Record<string, unknown>) => {
        const url = `${baton.url}/graph/v1.0/deviceManagement/${collection}`;
        const { id } = await graphJson(fetch, url, { method: 'POST', headers, body: JSON.stringify(body) });
        const assignments = [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }];
        await graphJson(fetch, `${url}/${id}/assign`, { method: 'POST', headers, body: JSON.stringify({ assignments }) });
      };
      await create('deviceCompliancePolicies', {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: POLICY,
        bitLockerEnabled: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      });
      await create('deviceConfigurations', { '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', displayName: PROFILE, defenderRequireRealTimeMonitoring: true });
    } finally {
      await fetch.close();
    }
  }

  /**
   * The local CA is not in the headless profile's trust store, so Chromium is told to accept
   * the one server key Baton's certificate carries (its SPKI pin) and nothing else: any other
   * certificate error still fails the test.
   */
  async function browserStart(serverCertPath: string) {
    const spki = new X509Certificate(readFileSync(serverCertPath)).publicKey.export({ type: 'spki', format: 'der' });
    const pin = createHash('sha256').update(spki).digest('base64');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, `--ignore-certificate-errors-spki-list=${pin}`] });
    page = await (await browser.newContext()).newPage();
  }

  after(async () => {
    await browser?.close();
    await baton?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves the bundle with its security headers, and index.html for the SPA routes', async () => {
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      const response = await fetch(`${baton.url}/console/managed-devices/anything`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      assert.match(response.headers.get('content-security-policy')!, /script-src 'self'/);
      const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await response.text())?.[1];
      assert.ok(script, 'index.html names its script');
      const asset = await fetch(`${baton.url}${script}`);
      await asset.arrayBuffer();
      assert.match(asset.headers.get('content-type')!, /^text\/javascript/);
      assert.match(asset.headers.get('cache-control')!, /immutable/);
      const missing = await fetch(`${baton.url}/console/assets/missing.js`);
      await missing.arrayBuffer();
      assert.equal(missing.status, 404);
    } finally {
      await fetch.close();
    }
  });

  test('signs the administrator in on identity’s page and shows the demo profile', async () => {
    await page.goto(`${baton.url}/console/`);
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${demo.authority}/oauth2/v2.0/authorize`));
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Identity's own sign-in page, reached through MSAL's authorize request: a code with PKCE.
    const query = new URL((await authorize).url()).searchParams;
    assert.equal(query.get('client_id'), demo.consoleApp?.clientId);
    assert.equal(query.get('response_type'), 'code');
    assert.equal(query.get('code_challenge_method'), 'S256');
    assert.equal(query.get('redirect_uri'), `${baton.url}/console/`);
    await page.getByLabel('Email or username').fill(demo.user.upn);
    await page.getByLabel('Password').fill(demo.user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baton.url}/console/`);
    await page.getByText(demo.user.upn).waitFor();
    await page.getByRole('tab', { name: 'Deployment profiles' }).click();
    await page.getByRole('table', { name: 'Deployment profiles' }).getByText('Baton demo: user-driven').waitFor();
  });

  test('creates a self-deploying profile, assigns it to a group found by name, and removes the assignment', async () => {
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
    try {
      const group = await graphJson(fetch, `${baton.url}/graph/v1.0/groups`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ displayName: 'Console test kiosks', mailEnabled: false, mailNickname: 'consoletestkiosks', securityEnabled: true }),
      });
      const form = page.getByRole('form', { name: 'New deployment profile' });
      await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Console test: kiosks');
      await form.getByRole('radio', { name: 'Self-deploying' }).check();
      // Discovery checks the name template and says why it refuses one.
      await form.getByLabel('Device name template').fill('A-TEMPLATE-FAR-TOO-LONG');
      await form.getByRole('button', { name: 'Create profile' }).click();
      await page.getByRole('alert').filter({ hasText: /15/ }).waitFor();
      await form.getByLabel('Device name template').fill('KIOSK-%RAND:4%');
      await form.getByRole('button', { name: 'Create profile' }).click();
      const profiles = page.getByRole('table', { name: 'Deployment profiles' });
      await profiles.getByRole('row', { name: /Console test: kiosks.*Self-deploying.*KIOSK-%RAND:4%/ }).waitFor();

      const assignments = page.getByRole('table', { name: 'Assignments of Console test: kiosks' });
      await page.getByText('Not assigned.').waitFor();
      const assign = page.getByRole('form', { name: 'Assign Console test: kiosks' });
      await assign.getByRole('radio', { name: 'A group' }).check();
      await assign.getByLabel('Group name starts with').fill('Console test k');
      await assign.getByRole('button', { name: 'Find groups' }).click();
      await assign.getByRole('radio', { name: 'Console test kiosks' }).waitFor();
      await assign.getByRole('button', { name: 'Assign' }).click();
      await assignments.getByText('Group Console test kiosks').waitFor();

      // What discovery now holds, read as a script would.
      const base = `${baton.url}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
      const listed = await graphJson(fetch, `${base}?$filter=${encodeURIComponent("displayName eq 'Console test: kiosks'")}`, { headers });
      const [profile] = listed.value;
      assert.equal(profile.outOfBoxExperienceSetting.deviceUsageType, 'shared');
      const held = await graphJson(fetch, `${base}/${profile.id}/assignments`, { headers });
      assert.deepEqual(held.value.map((a: { target: { groupId?: string } }) => a.target.groupId), [group.id]);

      await assignments.getByRole('button', { name: 'Remove Group Console test kiosks' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByText('Not assigned.').waitFor();
      assert.deepEqual((await graphJson(fetch, `${base}/${profile.id}/assignments`, { headers })).value, []);
    } finally {
      await fetch.close();
    }
  });

  test('imports an Autopilot CSV file and lists the device', async () => {
    const inventory = randomInventory('console-csv', 1);
    const csv = autopilotCsvText([{ serialNumber: inventory.serialNumber, hardwareHash: hardwareHash(inventory) }]);
    await page.getByRole('tab', { name: 'Autopilot devices' }).click();
    await page.getByLabel('Autopilot CSV file').setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    const results = page.getByRole('table', { name: 'Import results' });
    await results.getByText('complete').waitFor();
    await page.getByLabel('Serial number contains').fill(inventory.serialNumber);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('table', { name: 'Autopilot devices' }).getByText(inventory.serialNumber).waitFor();
  });

  test('sends a sync to a managed device after confirmation and shows its state', async () => {
    await page.getByRole('tab', { name: 'Managed devices' }).click();
    await page.getByRole('table', { name: 'Managed devices' }).getByRole('link').first().click();
    await page.getByRole('toolbar', { name: 'Remote actions' }).getByRole('button', { name: 'Sync' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Sync' }).click();
    const row = page.getByRole('table', { name: 'Device action results' }).getByRole('row', { name: /syncDevice/ });
    await row.waitFor();
    assert.match(await row.innerText(), /pending|done/);
    // The timeline comes from the three feeds: the device's provisioning is there.
    await page.getByRole('table', { name: 'Device timeline' }).getByText('enrollment').first().waitFor();
  });

  test('sends a Defender quick scan after confirmation and shows it, and the Defender section reads', async () => {
    // The device has not checked in since: no health report yet, which is not an error.
    const defender = page.getByRole('region', { name: 'Microsoft Defender' });
    await defender.getByText(/Not reported yet|Signature version/).first().waitFor();
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/windowsDefenderScan'));
    await page.getByRole('toolbar', { name: 'Remote actions' }).getByRole('button', { name: 'Quick scan' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Quick scan' }).click();
    const request = await posted;
    assert.match(request.url(), /\/graph\/v1\.0\/deviceManagement\/managedDevices\/[^/]+\/windowsDefenderScan$/);
    assert.deepEqual(request.postDataJSON(), { quickScan: true });
    const row = page.getByRole('table', { name: 'Device action results' }).getByRole('row', { name: /windowsDefenderScan/ });
    await row.waitFor();
    assert.match(await row.innerText(), /Defender scan[\s\S]*(pending|active|done)/);
    assert.equal(await page.getByRole('alert').count(), 0, 'no Graph error on the page');
  });

  test("lists the device's BitLocker recovery key and shows it after a confirmation that the read is audited", async () => {
    // The simulated device has BitLocker on and escrowed its recovery password after its first session.
    const section = page.getByRole('region', { name: 'BitLocker recovery keys' });
    const keys = section.getByRole('table', { name: 'BitLocker recovery keys' });
    await keys.getByRole('row', { name: /Operating system volume/ }).waitFor();
    const read = page.waitForRequest((r) => /\/recoveryKeys\/[^/?]+\?\$select=key$/.test(decodeURIComponent(r.url())));
    await keys.getByRole('button', { name: /^Show recovery key/ }).first().click();
    const dialog = page.getByRole('alertdialog');
    assert.match(await dialog.innerText(), /audited/);
    await dialog.getByRole('button', { name: 'Show recovery key' }).click();
    const { id: keyId, deviceId } = await (await (await read).response())!.json();
    const password = section.getByRole('textbox', { name: /^Recovery password of key/ });
    await password.waitFor();
    assert.match(await password.inputValue(), /^(\d{6}-){7}\d{6}$/);
    assert.equal(await section.getByRole('alert').count(), 0, 'no Graph error in the section');
    // Identity recorded the read: who read it, which key, and that the console did.
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
      const feed = await graphJson(fetch, `${baton.url}/identity/v1/events?deviceId=${deviceId}`, { headers });
      const audit = feed.value.find((e: { type: string; detail: { keyId: string } }) => e.type === 'bitLockerKeyRead' && e.detail.keyId === keyId);
      assert.equal(audit?.userPrincipalName, demo.user.upn);
      assert.equal(audit?.detail.clientName, 'Baton console');
    } finally {
      await fetch.close();
    }
  });

  test("lists compliance policies, opens one with its assignment and status overview, and lists configuration profiles", async () => {
    await page.getByRole('tab', { name: 'Compliance policies' }).click();
    await page.getByRole('table', { name: 'Compliance policies' }).getByRole('link', { name: POLICY }).click();
    await page.getByRole('heading', { level: 1, name: POLICY }).waitFor();
    await page.getByRole('table', { name: `Assignments of ${POLICY}` }).getByText('All devices').waitFor();
    // The simulated device was evaluated against the policy at its first session.
    const overview = page.getByRole('region', { name: 'Device status overview' });
    await overview.getByText('Compliant', { exact: true }).waitFor();
    assert.match(await overview.innerText(), /Compliant\s+\d+[\s\S]*Not compliant\s+\d+/);
    await page.getByRole('tab', { name: 'Configuration profiles' }).click();
    await page.getByRole('table', { name: 'Configuration profiles' }).getByRole('link', { name: PROFILE }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'no Graph error on the page');
  });

  test('creates a compliance policy from the form, assigns it to all devices, and removes the assignment', async () => {
    await page.getByRole('tab', { name: 'Compliance policies' }).click();
    const form = page.getByRole('form', { name: /New compliance policy/ });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Console test: Secure Boot');
    await form.getByRole('checkbox', { name: 'Require BitLocker' }).uncheck();
    // Management checks the version's shape and says why it refuses it.
    await form.getByLabel('Minimum OS version').fill('ten');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('alert').filter({ hasText: /osMinimumVersion/ }).waitFor();
    await form.getByLabel('Minimum OS version').fill('10.0.19045.0');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Console test: Secure Boot' }).waitFor();
    const assignments = page.getByRole('table', { name: 'Assignments of Console test: Secure Boot' });
    await page.getByText('Not assigned.').waitFor();
    await page.getByRole('form', { name: 'Assign Console test: Secure Boot' }).getByRole('button', { name: 'Assign' }).click();
    await assignments.getByText('All devices').waitFor();

    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
      const base = `${baton.url}/graph/v1.0/deviceManagement/deviceCompliancePolicies`;
      // Management lists its policies whole ($filter is refused there, as the service says).
      const listed = await graphJson(fetch, base, { headers });
      const policy = listed.value.find((p: { displayName: string }) => p.displayName === 'Console test: Secure Boot');
      assert.equal(policy.secureBootEnabled, true);
      assert.equal(policy.bitLockerEnabled, false);
      assert.equal(policy.osMinimumVersion, '10.0.19045.0');
      const held = await graphJson(fetch, `${base}/${policy.id}/assignments`, { headers });
      assert.deepEqual(held.value.map((a: { target: Record<string, string> }) => a.target['@odata.type']), ['#microsoft.graph.allDevicesAssignmentTarget']);

      await assignments.getByRole('button', { name: 'Remove All devices' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
      await page.getByText('Not assigned.').waitFor();
      assert.deepEqual((await graphJson(fetch, `${base}/${policy.id}/assignments`, { headers })).value, []);
    } finally {
      await fetch.close();
    }
  });

  test('a deep link loads signed in, and a Graph error shows its code and message', async () => {
    await page.goto(`${baton.url}/console/managed-devices/00000000-0000-4000-8000-000000000000`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // The envelope's code as the title, its message below.
    assert.match(await alert.innerText(), /^\S*NotFound\S*\s+\S.*/is);
  });

  test("signs out through identity's logout endpoint and comes back signed out", async () => {
    const logout = page.waitForRequest((r) => r.url().startsWith(`${demo.authority}/oauth2/v2.0/logout`));
    await page.getByRole('button', { name: 'Sign out' }).click();
    const logoutUrl = (await logout).url();
    const logoutQuery = new URL(logoutUrl).searchParams;
    assert.equal(logoutQuery.get('post_logout_redirect_uri'), `${baton.url}/console/`);
    assert.ok(logoutQuery.get('id_token_hint'), 'the ID token names the sign-in to end');
    // Identity returns the browser to the registered URI, with MSAL's state in the query.
    await page.waitForURL((url) => url.origin === baton.url && url.pathname === '/console/');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  test("an administrator of another tenant signs in through the link `baton tenant create --console-url` prints, and signing out comes back to this server's tenant", async () => {
    const identity = baton.runtimes.identity as IdentityRuntime;
    const password = 'Contoso-console-1';
    const contoso = await identity.bootstrapTenant({
      domain: 'contoso-console.example',
      displayName: 'Contoso',
      branding: { companyName: 'Contoso' },
      admin: { upn: 'admin@contoso-console.example', password, displayName: 'Administrator' },
      adminApp: { secret: 'a-secret-of-enough-length', roles: ADMIN_APP_ROLES },
      mdmApp: { discoveryUrl: `${baton.urls.management}${MANAGEMENT_PATHS.discovery}` },
    });
    const app = await registerConsoleApp(identity, contoso.tenantId, baton.url);
    await page.goto(consoleSignInLink(app.redirectUri, contoso.domain, app.clientId));
    await page.getByText('Sign in with an administrator account of contoso-console.example.').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the link is taken off the address');
    const authorize = page.waitForRequest((r) => r.url().includes('/oauth2/v2.0/authorize'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const authorizeUrl = new URL((await authorize).url());
    assert.equal(authorizeUrl.pathname, `/${contoso.domain}/oauth2/v2.0/authorize`);
    assert.equal(authorizeUrl.searchParams.get('client_id'), app.clientId);
    await page.getByLabel('Email or username').fill('admin@contoso-console.example');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baton.url}/console/`);
    await page.getByText('admin@contoso-console.example').waitFor();
    // Graph is called with a token of the other tenant, which sees none of the demo's profiles.
    const graphCall = page.waitForRequest((r) => r.url().includes('/deviceManagement/windowsAutopilotDeploymentProfiles'));
    await page.getByRole('tab', { name: 'Deployment profiles' }).click();
    const token = (await graphCall).headers()['authorization']!.replace(/^Bearer /, '');
    assert.equal(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).tid, contoso.tenantId);
    await page.getByRole('table', { name: 'Deployment profiles' }).waitFor();
    assert.equal(await page.getByText('Baton demo: user-driven').count(), 0);

    const logout = page.waitForRequest((r) => r.url().includes('/oauth2/v2.0/logout'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    assert.equal(new URL((await logout).url()).pathname, `/${contoso.domain}/oauth2/v2.0/logout`);
    await page.waitForURL((url) => url.origin === baton.url && url.pathname === '/console/');
    await page.getByText('Sign in with an administrator account of your tenant.').waitFor();
    // A typed-in tenant is checked before anything is sent to identity.
    const other = page.getByRole('form', { name: 'Another tenant' });
    await other.getByLabel('Tenant domain or ID').fill('not a tenant');
    await other.getByLabel('Console application (client) ID').fill(app.clientId);
    await other.getByRole('button', { name: 'Use this tenant' }).click();
    await other.getByText(/neither a tenant id nor a domain/).waitFor();
  });

  test('seeding the demo tenant again keeps its one console registration', async () => {
    const fetch = createHttpsFetch({ caPem: baton.caPem });
    try {
      const again = await seedDemo({ dataDir, url: baton.url, urls: baton.urls, caPath: baton.caPath, identity: baton.runtimes.identity as IdentityRuntime, fetch });
      assert.deepEqual(again.consoleApp, demo.consoleApp);
      const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}` };
      const found = await graphJson(fetch, `${baton.url}/graph/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'Baton console'")}`, { headers });
      assert.deepEqual(found.value.map((a: { appId: string; isFallbackPublicClient: boolean }) => [a.appId, a.isFallbackPublicClient]), [[demo.consoleApp!.clientId, true]]);
    } finally {
      await fetch.close();
    }
  });
});
