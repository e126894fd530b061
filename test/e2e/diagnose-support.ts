/** A running Baton on three origins with the demo tenant and a second, profile-less tenant, and a way to provision one device with a fault. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { ADMIN_APP_ROLES, MANAGEMENT_PATHS } from '@baton/contracts';
import { createHttpsFetch, type BatonConfig, type Fetch, type StoreBackend } from '@baton/kit';
import { FAULTS, FAULT_USERS, hardwareHash, randomInventory, runDevice, type DeviceInventory, type DeviceRunResult, type EspArrangement, type FaultName } from '@baton/device';
import {
  adminToken,
  arrangeFaultUsers,
  awaitProfile,
  ensureModeProfile,
  graphJson,
  modeTag,
  seedDemo,
  whileResealed,
  type DemoInfo,
  type DiagnoseOptions,
  type FaultUsers,
  type RunningBaton,
} from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups, type StartedBaton } from './support.js';

type Admin = Pick<DemoInfo, 'authority' | 'adminApp'>;

export async function register(fetch: Fetch, discoveryUrl: string, tenant: Admin, inventory: DeviceInventory, groupTag = '') {
  const token = await adminToken(tenant, fetch);
  return graphJson(fetch, `${discoveryUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ serialNumber: inventory.serialNumber, hardwareIdentifier: hardwareHash(inventory), groupTag }),
  });
}

/** A self-deploying (shared) profile for all of the tenant's devices. */
async function assignSharedProfile(fetch: Fetch, discoveryUrl: string, tenant: Admin): Promise<void> {
  const headers = { authorization: `Bearer ${await adminToken(tenant, fetch)}`, 'content-type': 'application/json' };
  const base = `${discoveryUrl}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
  const profile = await graphJson(fetch, base, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
      displayName: 'Kiosks (self-deploying)',
      outOfBoxExperienceSetting: { deviceUsageType: 'shared', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, escapeLinkHidden: true },
    }),
  });
  await graphJson(fetch, `${base}/${profile.id}/assignments`, { method: 'POST', headers, body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }) });
}

/** Gives the tenant a required MSI for all devices and an ESP for all devices that blocks on it. */
export async function arrangeEsp(fetch: Fetch, managementUrl: string, tenant: Admin, arrangement: EspArrangement): Promise<void> {
  const headers = { authorization: `Bearer ${await adminToken(tenant, fetch)}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown) => graphJson(fetch, `${managementUrl}/graph/beta/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const allDevices = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
  const app = await post('deviceAppManagement/mobileApps', {
    '@odata.type': '#microsoft.graph.windowsMobileMSI',
    displayName: arrangement.blockingApp.displayName,
    productCode: arrangement.blockingApp.productCode,
    productVersion: '1.0.0',
    commandLine: '/quiet',
  });
  await post(`deviceAppManagement/mobileApps/${app.id}/assign`, { mobileAppAssignments: [{ intent: 'required', target: allDevices }] });
  const esp = await post('deviceManagement/deviceEnrollmentConfigurations', {
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    displayName: `Block on ${arrangement.blockingApp.displayName}`,
    showInstallationProgress: true,
    installProgressTimeoutInMinutes: arrangement.timeoutMinutes,
    selectedMobileAppIds: [app.id],
  });
  await post(`deviceManagement/deviceEnrollmentConfigurations/${esp.id}/assign`, { enrollmentConfigurationAssignments: [{ target: allDevices }] });
}

export interface DiagnoseBaton {
  baton: StartedBaton;
  discovery: RunningBaton;
  identity: RunningBaton;
  management: RunningBaton;
  fetch: Fetch;
  demo: DemoInfo;
  /** diagnose options reading as the demo tenant (through the data directory). */
  asDemo: DiagnoseOptions;
  /** diagnose options reading as the second tenant's admin application. */
  asFabrikam: DiagnoseOptions;
  /** A third tenant whose all-devices profile is self-deploying, for faults of that mode. */
  asLitware: DiagnoseOptions;
  /**
   * Registers (or not, per the fault) and runs one device with the fault injected; a fault of a
   * pre-provisioned device runs in the demo tenant under the pre-provisioning profile `baton simulate --modes` makes.
   */
  provision(name: FaultName | null): Promise<{ inventory: DeviceInventory; result: DeviceRunResult }>;
  /** A device inventory nobody has used yet. */
  nextInventory(): DeviceInventory;
}

export async function startDiagnoseBaton(t: TestContext, backend: StoreBackend, seed: number, config: Partial<BatonConfig> = {}): Promise<DiagnoseBaton> {
  const baton = await startGroups(backend, [['discovery'], ['identity'], ['management']], config);
  t.after(() => baton.stop());
  const [discovery, identity, management] = baton.instances as [RunningBaton, RunningBaton, RunningBaton];
  const fetch = createHttpsFetch({ caPem: identity.caPem });
  t.after(() => fetch.close());
  const runtime = identity.runtimes.identity as IdentityRuntime;
  const demo = await seedDemo({ dataDir: baton.dataDir, url: discovery.url, urls: discovery.urls, caPath: identity.caPath, identity: runtime, fetch });

  const secret = randomBytes(24).toString('base64url');
  const other = await runtime.bootstrapTenant({
    domain: 'fabrikam.baton.local',
    displayName: 'Fabrikam',
    branding: { companyName: 'Fabrikam' },
    admin: { upn: 'admin@fabrikam.baton.local', password: 'Fabrikam-password-1', displayName: 'Admin' },
    adminApp: { secret, roles: ADMIN_APP_ROLES },
    mdmApp: {
      discoveryUrl: `${management.url}${MANAGEMENT_PATHS.discovery}`,
      termsOfUseUrl: `${management.url}/EnrollmentServer/TermsOfUse`,
      complianceUrl: `${management.url}/EnrollmentServer/Compliance`,
    },
  });
  const fabrikam: Admin = { authority: `${identity.url}/${other.tenantId}`, adminApp: { clientId: other.adminClientId, clientSecret: secret } };

  const litwareTenant = await runtime.bootstrapTenant({
    domain: 'litware.baton.local',
    displayName: 'Litware',
    branding: { companyName: 'Litware' },
    admin: { upn: 'admin@litware.baton.local', password: 'Litware-password-1', displayName: 'Admin' },
    adminApp: { secret, roles: ADMIN_APP_ROLES },
    mdmApp: { discoveryUrl: `${management.url}${MANAGEMENT_PATHS.discovery}` },
  });
  const litware: Admin = { authority: `${identity.url}/${litwareTenant.tenantId}`, adminApp: { clientId: litwareTenant.adminClientId, clientSecret: secret } };
  await assignSharedProfile(fetch, discovery.url, litware);

  let n = 0;
  const nextInventory = () => randomInventory(seed, n++);
  // The users faults need are arranged once, as an administrator would, on first use.
  let faultUsers: Promise<FaultUsers> | undefined;
  const usersForFaults = () =>
    (faultUsers ??= arrangeFaultUsers(
      { demo, identityUrl: identity.url, managementUrl: management.url, fetch },
      FAULT_USERS,
    ));
  // Arranged once, when the first fault that needs it is provisioned; it then applies to every later device of the tenant.
  let espArranged: Promise<void> | undefined;
  // The demo tenant's pre-provisioning group and profile, made on first use as `baton simulate --modes` makes them.
  let preProvisioningProfile: Promise<string> | undefined;
  const admin = { demo, identityUrl: identity.url, fetch };
  return {
    baton,
    discovery,
    identity,
    management,
    fetch,
    demo,
    asDemo: { data: baton.dataDir, managementUrl: management.url },
    asLitware: {
      url: discovery.url,
      identityUrl: identity.url,
      managementUrl: management.url,
      tenant: litwareTenant.tenantId,
      clientId: litwareTenant.adminClientId,
      clientSecret: secret,
      ca: identity.caPath,
    },
    asFabrikam: {
      url: discovery.url,
      identityUrl: identity.url,
      managementUrl: management.url,
      tenant: other.tenantId,
      clientId: other.adminClientId,
      clientSecret: secret,
      ca: identity.caPath,
    },
    nextInventory,
    async provision(name) {
      const inventory = nextInventory();
      const setup = name ? FAULTS[name].setup() : { registration: 'own' as const, password: 'right' as const, behaviour: undefined, tenant: undefined };
      const home = 'mode' in setup && setup.mode === 'selfDeploying' ? litware : demo;
      if (setup.tenant) await (espArranged ??= arrangeEsp(fetch, management.url, demo, setup.tenant));
      const preProvisioned = 'mode' in setup && setup.mode === 'preProvisioned';
      if (setup.registration === 'own' && preProvisioned) {
        const profileId = await (preProvisioningProfile ??= ensureModeProfile(demo, fetch, 'preProvisioned'));
        const imported = await register(fetch, discovery.url, demo, inventory, modeTag('preProvisioned'));
        assert.equal(imported.state.deviceImportStatus, 'complete');
        await awaitProfile(demo, fetch, [imported.state.deviceRegistrationId], profileId);
      } else if (setup.registration === 'own') assert.equal((await register(fetch, discovery.url, home, inventory)).state.deviceImportStatus, 'complete');
      if (setup.registration === 'noProfile') await register(fetch, discovery.url, fabrikam, inventory);
      if (setup.registration === 'otherTenant') {
        await register(fetch, discovery.url, fabrikam, inventory);
        assert.equal((await register(fetch, discovery.url, demo, inventory)).state.deviceErrorCode, 808);
      }
      let user = demo.user;
      if ('user' in setup && setup.user) {
        const users = await usersForFaults();
        await users.beforeSignIn(setup.user);
        user = users.credentials(setup.user);
      }
      if (setup.password === 'wrong') user = { ...user, password: `${user.password}-typo` };
      const resealed = whileResealed('whileResealed' in setup ? setup.whileResealed : undefined, admin);
      const result = await runDevice({
        discoveryUrl: demo.discoveryUrl,
        caPem: identity.caPem,
        inventory,
        user,
        ...(preProvisioned ? { preProvision: true } : {}),
        ...(resealed ? { whileResealed: resealed } : {}),
        ...(setup.behaviour ? { behaviour: setup.behaviour } : {}),
      });
      return { inventory, result };
    },
  };
}
