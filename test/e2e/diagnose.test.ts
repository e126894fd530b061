// Every fault of the catalogue, injected into a simulated device against a running Baton
// (three services on three origins) the way reality produces it; `baton diagnose` must
// name the owning service, the phase and the error code from what the services recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ADMIN_APP_ROLES, MANAGEMENT_PATHS, type ServiceName } from '@baton/contracts';
import { createHttpsFetch, testBackends, type Fetch } from '@baton/kit';
import { FAULTS, availableFaults, hardwareHash, randomInventory, runDevice, type DeviceInventory, type FaultName } from '@baton/device';
import { adminToken, graphJson, readDiagnosis, readFleetSummary, seedDemo, type DemoInfo, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

interface Tenant {
  authority: string;
  adminApp: { clientId: string; clientSecret: string };
  tenantId: string;
}

async function register(fetch: Fetch, discoveryUrl: string, tenant: Pick<DemoInfo, 'authority' | 'adminApp'>, inventory: DeviceInventory) {
  const token = await adminToken(tenant, fetch);
  return graphJson(fetch, `${discoveryUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ serialNumber: inventory.serialNumber, hardwareIdentifier: hardwareHash(inventory), groupTag: '' }),
  });
}

for (const backend of testBackends()) {
  test(`baton diagnose names the owner, phase and code of every fault in the catalogue (${backend.name})`, { timeout: 300_000 }, async (t) => {
    const baton = await startGroups(backend, [['discovery'], ['identity'], ['management']]);
    t.after(() => baton.stop());
    const [discovery, identity, management] = baton.instances as [RunningBaton, RunningBaton, RunningBaton];
    const fetch = createHttpsFetch({ caPem: identity.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({ dataDir: baton.dataDir, url: discovery.url, urls: discovery.urls, caPath: identity.caPath, identity: identity.runtimes.identity as IdentityRuntime, fetch });

    // A second tenant with no deployment profile: it registers devices first, or keeps them profile-less.
    const otherSecret = randomBytes(24).toString('base64url');
    const other = await (identity.runtimes.identity as IdentityRuntime).bootstrapTenant({
      domain: 'fabrikam.baton.local',
      displayName: 'Fabrikam',
      branding: { companyName: 'Fabrikam' },
      admin: { upn: 'admin@fabrikam.baton.local', password: 'Fabrikam-password-1', displayName: 'Admin' },
      adminApp: { secret: otherSecret, roles: ADMIN_APP_ROLES },
      mdmApp: {
        discoveryUrl: `${management.url}${MANAGEMENT_PATHS.discovery}`,
        termsOfUseUrl: `${management.url}/EnrollmentServer/TermsOfUse`,
        complianceUrl: `${management.url}/EnrollmentServer/Compliance`,
      },
    });
    const fabrikam: Tenant = { tenantId: other.tenantId, authority: `${identity.url}/${other.tenantId}`, adminApp: { clientId: other.adminClientId, clientSecret: otherSecret } };

    const asDemo = { data: baton.dataDir, managementUrl: management.url };
    const asFabrikam = {
      url: discovery.url,
      identityUrl: identity.url,
      managementUrl: management.url,
      tenant: fabrikam.tenantId,
      clientId: fabrikam.adminApp.clientId,
      clientSecret: fabrikam.adminApp.clientSecret,
      ca: identity.caPath,
    };

    let n = 0;
    async function provision(name: FaultName | null) {
      const inventory = randomInventory(4242, n++);
      const setup = name ? FAULTS[name].setup() : { registration: 'own' as const, password: 'right' as const };
      if (setup.registration === 'own') assert.equal((await register(fetch, discovery.url, demo, inventory)).state.deviceImportStatus, 'complete');
      if (setup.registration === 'noProfile') await register(fetch, discovery.url, fabrikam, inventory);
      if (setup.registration === 'otherTenant') {
        await register(fetch, discovery.url, fabrikam, inventory);
        const refused = await register(fetch, discovery.url, demo, inventory);
        assert.equal(refused.state.deviceErrorCode, 808);
      }
      const user = setup.password === 'wrong' ? { ...demo.user, password: `${demo.user.password}-typo` } : demo.user;
      const result = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: identity.caPem, inventory, user, ...('behaviour' in setup && setup.behaviour ? { behaviour: setup.behaviour } : {}) });
      return { inventory, result };
    }

    await t.test('a healthy device is diagnosed healthy, with every phase of the timeline', async () => {
      const { inventory, result } = await provision(null);
      assert.equal(result.ok, true, JSON.stringify(result.error));
      const { diagnosis } = await readDiagnosis(inventory.serialNumber, asDemo);
      assert.equal(diagnosis.outcome, 'healthy', JSON.stringify(diagnosis.failure));
      assert.equal(diagnosis.failure, null);
      assert.deepEqual(
        diagnosis.phases.map((p) => p.phase),
        ['discovery', 'authentication', 'join', 'deviceToken', 'mdmDiscovery', 'enrollment', 'deviceSetup'],
      );
      // One trace id for the whole provisioning, recorded by each service.
      assert.deepEqual(new Set(diagnosis.timeline.filter((e) => e.type !== 'registration').map((e) => e.traceId)), new Set([diagnosis.traceId]));
      assert.deepEqual(new Set(diagnosis.timeline.map((e) => e.service)), new Set<ServiceName>(['discovery', 'identity', 'management']));
      // The same device found by its Entra device id.
      const byDeviceId = await readDiagnosis(result.learned.deviceId!, asDemo);
      assert.equal(byDeviceId.diagnosis.traceId, diagnosis.traceId);
      // Over budget even though it succeeded.
      const tight = await readDiagnosis(inventory.serialNumber, { ...asDemo, budget: 'identity=0' });
      assert.equal(tight.diagnosis.outcome, 'healthy');
      assert.deepEqual(tight.diagnosis.overBudget.map((b) => b.group), ['identity']);
    });

    const device = availableFaults().filter((f) => f.name !== 'serviceDown');
    for (const fault of device) {
      await t.test(`${fault.name}: ${fault.service} / ${fault.phase} / ${fault.errorCode}`, async () => {
        const { inventory } = await provision(fault.name);
        const { diagnosis } = await readDiagnosis(inventory.serialNumber, fault.setup().registration === 'noProfile' ? asFabrikam : asDemo);
        assert.equal(diagnosis.outcome, 'failed', JSON.stringify(diagnosis.timeline));
        assert.equal(diagnosis.failure?.service, fault.service);
        assert.equal(diagnosis.failure?.phase, fault.phase);
        assert.equal(diagnosis.failure?.errorCode, fault.errorCode);
        // Read from what the services recorded, not guessed from silence.
        assert.equal(diagnosis.failure?.inferred, false);
      });
    }

    await t.test('serviceDown: management is down at the handoff, then comes back and the next attempt succeeds', async () => {
      const inventory = randomInventory(4242, n++);
      await register(fetch, discovery.url, demo, inventory);
      await baton.down(2);
      const failed = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: identity.caPem, inventory, user: demo.user });
      assert.equal(failed.ok, false);
      const during = await readDiagnosis(inventory.serialNumber, asDemo);
      assert.equal(during.diagnosis.failure?.service, FAULTS.serviceDown.service);
      assert.equal(during.diagnosis.failure?.phase, FAULTS.serviceDown.phase);
      assert.equal(during.diagnosis.failure?.errorCode, FAULTS.serviceDown.errorCode);
      assert.ok(during.unavailable.has('management'), 'the feed of a service that is down cannot be read');

      await baton.up(2);
      const retried = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: identity.caPem, inventory, user: demo.user });
      assert.equal(retried.ok, true, JSON.stringify(retried.error));
      const after = await readDiagnosis(inventory.serialNumber, asDemo);
      assert.equal(after.diagnosis.outcome, 'recovered');
      assert.equal(after.diagnosis.attempts, 2);
      assert.equal(after.diagnosis.earlierFailures[0]?.service, 'management');
      assert.equal(after.diagnosis.earlierFailures[0]?.errorCode, 'unreachable');
    });

    await t.test('the fleet summary counts each of these devices exactly once', async () => {
      const { diagnosis: summary } = await readFleetSummary(asDemo);
      const serials = new Set(summary.diagnoses.map((d) => d.device.serialNumber));
      assert.equal(serials.size, summary.devices, 'no device appears twice');
      assert.equal(summary.rows.reduce((sum, r) => sum + r.devices, 0), summary.devices);
      // Every demo-tenant device provisioned above (the profile-less one lives in the other tenant).
      assert.equal(summary.devices, n - 1);
      assert.ok(summary.rows.some((r) => r.outcome === 'recovered' && r.errorCode === 'unreachable'));
      assert.ok(summary.rows.some((r) => r.outcome === 'healthy' && r.devices === 1));
    });
  });
}
