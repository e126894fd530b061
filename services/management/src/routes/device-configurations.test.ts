import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { GRAPH_RESOURCE, ROLES } from '@baton/contracts';
import type { BatonApp } from '@baton/kit';
import { buildSyncML, parseSyncML, type SyncMLCommand, type SyncMLContainer, type SyncMLItemCommand, type SyncMLMessage } from '@baton/protocols';
import { buildManagementApp } from '../app.js';
import type { ManagementDeps } from '../deps.js';
import { runSession } from '../session/engine.js';
import type { Enrollment } from '../store/store.js';
import type { GroupMembership } from '../targeting/membership.js';
import { TARGET_TYPES } from '../targeting/targets.js';
import { createTestContext, tempDir, testBackends, type TestContext } from '../testing/context.js';
import { package1, syncml } from '../testing/device.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { sampleEnrollment } from '../testing/store.js';

const PROFILES = '/graph/v1.0/deviceManagement/deviceConfigurations';
const BETA_PROFILES = '/graph/beta/deviceManagement/deviceConfigurations';
const DEVICES = '/graph/v1.0/deviceManagement/managedDevices';
const SERVER = 'https://management.test/ManagementServer/MDM.svc';
const RTP = './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring';
const BITLOCKER = './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption';
const ALL_DEVICES = { '@odata.type': TARGET_TYPES.allDevices };

/** How the simulated device answers: a status per LocURI (default 200) and the values it holds. */
interface DeviceModel {
  failing?: Record<string, string>;
  values: Map<string, string>;
}

/** The device's answer to one server message: all-or-nothing Atomics, Gets from `values`. */
function answer(e: Enrollment, sessionId: string, msgId: string, reply: SyncMLMessage, device: DeviceModel): string | undefined {
  const out: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: reply.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
  const id = () => String(out.length + 1);
  const status = (cmdRef: string, cmd: string, data: string) => out.push({ kind: 'Status', cmdId: id(), msgRef: reply.header.msgId, cmdRef, cmd, data });
  let work = false;
  for (const c of reply.commands) {
    if (c.kind === 'Atomic') {
      work = true;
      const children = (c as SyncMLContainer).commands as SyncMLItemCommand[];
      const codes = children.map((child) => device.failing?.[child.items[0]!.target!] ?? '200');
      const failed = codes.some((code) => code !== '200');
      status(c.cmdId, 'Atomic', failed ? '507' : '200');
      children.forEach((child, i) => status(child.cmdId, child.kind, failed && codes[i] === '200' ? '216' : codes[i]!));
      if (!failed) for (const child of children) device.values.set(child.items[0]!.target!.replace('./Device/', './'), child.items[0]!.data!);
    } else if (c.kind === 'Get') {
      work = true;
      const uri = c.items[0]!.target!;
      const value = device.values.get(uri.replace('./Device/', './'));
      status(c.cmdId, 'Get', value === undefined ? '404' : '200');
      if (value !== undefined) out.push({ kind: 'Results', cmdId: id(), msgRef: reply.header.msgId, cmdRef: c.cmdId, items: [{ source: uri, data: value }] });
    }
  }
  return work ? syncml(e.mdmDeviceId, sessionId, msgId, out) : undefined;
}

for (const backend of testBackends()) {
  describe(`deviceConfigurations and their delivery (${backend})`, () => {
    let identity: FakeIdentity;
    let tc: TestContext;
    let app: BatonApp;
    let deps: ManagementDeps;
    let close: () => Promise<void>;
    let admin: string;
    const memberships = new Map<string, Set<string>>();
    const groups: GroupMembership = { groupsOf: async (d) => memberships.get(d.azureAdDeviceId) ?? new Set() };
    const identityDir = tempDir();
    let sessions = 0;

    before(async () => {
      identity = await startFakeIdentity(identityDir.path);
      tc = createTestContext(backend, { url: identity.url, fetch: identity.fetch });
      ({ app, deps, close } = await buildManagementApp(tc.ctx, { service: { groups, configurationDriftCheckMs: 0 } }));
      admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.configurationReadWrite, ROLES.managedDevicesReadWrite] });
    });
    after(async () => {
      await close();
      await identity.close();
      await tc.cleanup();
      identityDir.remove();
    });

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, token = admin) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const create = async (body: Record<string, unknown>, url = PROFILES) => {
      const res = await call('POST', url, { displayName: `Profile ${randomUUID().slice(0, 8)}`, ...body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Record<string, unknown> & { id: string; displayName: string };
    };
    const custom = (settings: Array<[string, number]>) =>
      create({
        '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
        omaSettings: settings.map(([omaUri, value]) => ({ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: omaUri.split('/').pop(), omaUri, value })),
      });
    const assign = async (id: string, targets: Array<Record<string, unknown>>) => {
      const res = await call('POST', `${PROFILES}/${id}/assign`, { assignments: targets.map((target) => ({ target })) });
      assert.equal(res.statusCode, 200, res.body);
    };
    async function enrolled(tenantId = identity.tenantId): Promise<Enrollment> {
      const e = sampleEnrollment({ tenantId, managementState: 'managed' });
      await deps.store.replaceEnrollment(e, []);
      return e;
    }
    /** One session as the OMA-DM route runs it: plan at the start, file answers after each message. */
    async function session(e: Enrollment, device: DeviceModel, maxObjSize?: number): Promise<void> {
      const sessionId = `S${++sessions}`;
      const enrollment = (await deps.store.getEnrollment(e.id))!;
      await deps.configuration.sessionStarting(enrollment);
      let xml = package1(e.mdmDeviceId, sessionId, '1');
      if (maxObjSize !== undefined) {
        const opening = parseSyncML(xml);
        xml = buildSyncML({ ...opening, header: { ...opening.header, meta: { maxObjSize } } });
      }
      for (let msgId = 1; msgId < 10; msgId++) {
        const outcome = await runSession(deps.store, { message: parseSyncML(xml), enrollment, rawBody: xml, serverUrl: SERVER });
        if (outcome.answered > 0 || outcome.complete) await deps.configuration.answered(e.id);
        const next = answer(e, sessionId, String(msgId + 1), outcome.reply, device);
        if (!next) return;
        xml = next;
      }
    }
    const states = async (e: Enrollment) => {
      const res = await call('GET', `${DEVICES}/${e.id}/deviceConfigurationStates`);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { value: Array<{ id: string; state: string; settingStates: Array<{ setting: string; state: string; errorCode: number; errorDescription: string | null; sources: Array<{ id: string }> }> }> }).value;
    };

    test('create, read, update and delete on v1.0 and beta; bad bodies are Graph 400s; other tenants see nothing', async () => {
      const profile = await create({ '@odata.type': '#microsoft.graph.windowsUpdateForBusinessConfiguration', qualityUpdatesDeferralPeriodInDays: 7 }, BETA_PROFILES);
      assert.equal(profile['@odata.type'], '#microsoft.graph.windowsUpdateForBusinessConfiguration');
      assert.equal(profile.version, 1);
      const patched = await call('PATCH', `${PROFILES}/${profile.id}`, { qualityUpdatesDeferralPeriodInDays: 14, description: 'ring 2' });
      assert.equal(patched.statusCode, 204, patched.body);
      const read = (await call('GET', `${PROFILES}/${profile.id}`)).json();
      assert.deepEqual([read.qualityUpdatesDeferralPeriodInDays, read.description, read.version], [14, 'ring 2', 2]);
      assert.ok(((await call('GET', BETA_PROFILES)).json().value as Array<{ id: string }>).some((p) => p.id === profile.id));

      const bad = await call('POST', PROFILES, { '@odata.type': '#microsoft.graph.windows10CustomConfiguration', displayName: 'x', omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingInteger', displayName: 'n', omaUri: './Vendor/MSFT/A', value: 'one' }] });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'BadRequest');
      assert.equal((await call('PATCH', `${PROFILES}/${profile.id}`, { bitLockerEncryptDevice: true })).statusCode, 400);
      assert.equal((await call('POST', `${PROFILES}/${profile.id}/assign`, { assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget' } }] })).statusCode, 400);

      const stranger = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.configurationReadWrite], tid: randomUUID() });
      assert.equal((await call('GET', `${PROFILES}/${profile.id}`, undefined, stranger)).statusCode, 404);
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementConfiguration.Read.All'] });
      assert.equal((await call('GET', `${PROFILES}/${profile.id}`, undefined, reader)).statusCode, 200);
      assert.equal((await call('DELETE', `${PROFILES}/${profile.id}`, undefined, reader)).statusCode, 403);
      assert.equal((await call('DELETE', `${PROFILES}/${profile.id}`)).statusCode, 204);
      assert.equal((await call('GET', `${PROFILES}/${profile.id}`)).statusCode, 404);
    });

    test('an assigned profile goes out as one Atomic; the device applies it and every setting reads succeeded', async () => {
      const e = await enrolled();
      const profile = await create({
        '@odata.type': '#microsoft.graph.windows10EndpointProtectionConfiguration',
        bitLockerEncryptDevice: true,
        firewallProfileDomain: { firewallEnabled: 'allowed' },
      });
      await assign(profile.id, [ALL_DEVICES]);
      const queued = (await deps.store.listQueue(e.id)).filter((q) => q.verb === 'Atomic');
      assert.equal(queued.length, 1, 'the assignment queued the profile at once');
      assert.deepEqual(queued[0]!.children!.map((c) => [c.verb, c.locUri, c.payload?.data]), [
        ['Replace', BITLOCKER, '1'],
        ['Replace', './Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'true'],
      ]);
      const pending = (await call('GET', `${PROFILES}/${profile.id}/deviceStatusOverview`)).json();
      assert.ok(pending.pendingCount >= 1);

      await session(e, { values: new Map() });
      const [state] = (await states(e)).filter((s) => s.id === profile.id);
      assert.equal(state!.state, 'compliant');
      assert.deepEqual(state!.settingStates.map((s) => [s.setting, s.state]), [
        [BITLOCKER, 'compliant'],
        ['./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'compliant'],
      ]);
      const statuses = (await call('GET', `${PROFILES}/${profile.id}/deviceStatuses`)).json().value as Array<{ id: string; status: string }>;
      assert.equal(statuses.find((s) => s.id === `${e.id}_${profile.id}`)!.status, 'compliant');
      await call('DELETE', `${PROFILES}/${profile.id}`);
    });

    test('a failing CSP makes its setting an error with the status code, and rolls back the rest of the profile', async () => {
      const e = await enrolled();
      const profile = await custom([
        [BITLOCKER, 1],
        [RTP, 1],
      ]);
      await assign(profile.id, [ALL_DEVICES]);
      await session(e, { values: new Map(), failing: { [RTP]: '500' } });
      const [state] = (await states(e)).filter((s) => s.id === profile.id);
      assert.equal(state!.state, 'error');
      assert.deepEqual(state!.settingStates.map((s) => [s.setting, s.state, s.errorCode]), [
        [BITLOCKER, 'error', 216],
        [RTP, 'error', 500],
      ]);
      assert.match(state!.settingStates[0]!.errorDescription!, /Rolled back/);
      await call('DELETE', `${PROFILES}/${profile.id}`);
    });

    test('a profile too large for the device reads error 413 once the session ends', async () => {
      const e = await enrolled();
      const big = await create({
        '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
        omaSettings: [{ '@odata.type': '#microsoft.graph.omaSettingString', displayName: 'Big', omaUri: './Vendor/MSFT/Policy/Config/Big/Value', value: 'x'.repeat(4096) }],
      });
      await assign(big.id, [ALL_DEVICES]);
      await session(e, { values: new Map() }, 1024);
      const state = (await states(e)).find((s) => s.id === big.id)!;
      assert.deepEqual(state.settingStates.map((s) => [s.state, s.errorCode]), [['error', 413]]);
      await call('DELETE', `${PROFILES}/${big.id}`);
    });

    test('two profiles setting one URI differently both report conflict and neither value is sent', async () => {
      const e = await enrolled();
      const on = await custom([
        [RTP, 1],
        [BITLOCKER, 1],
      ]);
      const off = await custom([[RTP, 0]]);
      await assign(on.id, [ALL_DEVICES]);
      await assign(off.id, [ALL_DEVICES]);
      const sent = (await deps.store.listQueue(e.id)).flatMap((q) => q.children ?? []).filter((c) => c.locUri === RTP);
      assert.deepEqual(sent, [], 'the Atomic queued before the conflict existed was withdrawn');
      const device = { values: new Map<string, string>() };
      await session(e, device);
      const byId = new Map((await states(e)).map((s) => [s.id, s]));
      const rtpOf = (id: string) => byId.get(id)!.settingStates.find((s) => s.setting === RTP)!;
      assert.equal(rtpOf(on.id).state, 'conflict');
      assert.equal(rtpOf(off.id).state, 'conflict');
      assert.deepEqual(rtpOf(off.id).sources.map((s) => s.id), [off.id, on.id]);
      assert.equal(byId.get(off.id)!.state, 'conflict');
      assert.equal(byId.get(on.id)!.settingStates.find((s) => s.setting === BITLOCKER)!.state, 'compliant');
      assert.equal((await call('GET', `${PROFILES}/${off.id}/deviceStatusOverview`)).json().conflictCount >= 1, true);
      // The device never got a value for the node.
      assert.equal(device.values.has(RTP.replace('./Device/', './')), false);

      // Deleting one side resolves the conflict: the other profile's value goes out and applies.
      assert.equal((await call('DELETE', `${PROFILES}/${off.id}`)).statusCode, 204);
      await session(e, device);
      assert.equal(device.values.get(RTP.replace('./Device/', './')), '1');
      const resolved = (await states(e)).find((s) => s.id === on.id)!;
      assert.equal(resolved.state, 'compliant');
      await call('DELETE', `${PROFILES}/${on.id}`);
    });

    test('exclusion groups win over inclusion; group membership comes from identity', async () => {
      const member = await enrolled();
      const excluded = await enrolled();
      const outsider = await enrolled();
      const group = randomUUID();
      const vip = randomUUID();
      memberships.set(member.azureAdDeviceId, new Set([group]));
      memberships.set(excluded.azureAdDeviceId, new Set([group, vip]));
      const pause = './Device/Vendor/MSFT/Policy/Config/Update/PauseQualityUpdates';
      const profile = await custom([[pause, 1]]);
      await assign(profile.id, [
        { '@odata.type': TARGET_TYPES.group, groupId: group },
        { '@odata.type': TARGET_TYPES.exclusionGroup, groupId: vip },
      ]);
      const has = async (e: Enrollment) => (await deps.store.listQueue(e.id)).some((q) => q.children?.some((c) => c.locUri === pause));
      assert.deepEqual([await has(member), await has(excluded), await has(outsider)], [true, false, false]);
      // A device nothing is assigned to, in a tenant with assignments: its session start writes nothing.
      const queueBefore = await deps.store.listQueue(outsider.id);
      const statesBefore = (await deps.configurationStore.statesOf([outsider.id])).get(outsider.id);
      assert.equal(await deps.configuration.sessionStarting((await deps.store.getEnrollment(outsider.id))!), 0);
      assert.deepEqual(await deps.store.listQueue(outsider.id), queueBefore);
      assert.deepEqual((await deps.configurationStore.statesOf([outsider.id])).get(outsider.id), statesBefore);
      await call('DELETE', `${PROFILES}/${profile.id}`);
    });

    test('drift: a setting changed on the device is read back, found different and sent again', async () => {
      const e = await enrolled();
      const profile = await custom([[BITLOCKER, 1]]);
      await assign(profile.id, [ALL_DEVICES]);
      const device = { values: new Map<string, string>() };
      await session(e, device);
      assert.equal((await states(e)).find((s) => s.id === profile.id)!.state, 'compliant');
      // Someone turns it off locally.
      device.values.set(BITLOCKER.replace('./Device/', './'), '0');
      await session(e, device);
      const drifted = (await states(e)).find((s) => s.id === profile.id)!;
      assert.equal(drifted.state, 'unknown');
      await session(e, device);
      assert.equal(device.values.get(BITLOCKER.replace('./Device/', './')), '1');
      assert.equal((await states(e)).find((s) => s.id === profile.id)!.state, 'compliant');
      await call('DELETE', `${PROFILES}/${profile.id}`);
    });

    test('hostile bodies at every write route get a Graph 4xx envelope, never a 500', async () => {
      const existing = await custom([[BITLOCKER, 1]]);
      const base = `${PROFILES}/${existing.id}`;
      const routes: Array<['POST' | 'PATCH', string]> = [
        ['POST', PROFILES],
        ['POST', BETA_PROFILES],
        ['PATCH', base],
        ['POST', `${base}/assign`],
        ['POST', `${base}/assignments`],
      ];
      const profileLike = fc.record(
        {
          '@odata.type': fc.constantFrom('#microsoft.graph.windows10CustomConfiguration', '#microsoft.graph.windows10EndpointProtectionConfiguration', '#microsoft.graph.windows10GeneralConfiguration', 'x'),
          displayName: fc.oneof(fc.string(), fc.jsonValue()),
          omaSettings: fc.array(fc.dictionary(fc.constantFrom('@odata.type', 'omaUri', 'value', 'displayName', '__proto__'), fc.jsonValue(), { maxKeys: 4 }), { maxLength: 3 }),
          firewallProfileDomain: fc.jsonValue(),
          assignments: fc.array(fc.record({ target: fc.jsonValue() }), { maxLength: 2 }),
          target: fc.jsonValue(),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue(), profileLike), fc.constantFrom(...routes), async (body, [method, url]) => {
          const res = await call(method, url, body);
          assert.ok(res.statusCode < 500, `${method} ${url} answered ${res.statusCode}: ${res.body}`);
          if (res.statusCode >= 400) assert.equal(typeof res.json().error.code, 'string');
        }),
        { numRuns: 150 },
      );
      await call('DELETE', base);
    });

    test('a session in a tenant with nothing assigned writes nothing', async () => {
      const e = await enrolled(randomUUID());
      const before = await deps.store.listQueue(e.id);
      assert.equal(await deps.configuration.sessionStarting((await deps.store.getEnrollment(e.id))!), 0);
      assert.deepEqual(await deps.store.listQueue(e.id), before);
      assert.equal((await deps.configurationStore.statesOf([e.id])).size, 0);
      assert.equal(await deps.configurationStore.getCheck(e.id), undefined);
    });
  });
}
