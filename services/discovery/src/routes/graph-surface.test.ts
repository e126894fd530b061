import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DiscoveryApp } from '../app.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';
const DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const IMPORTED = '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities';
const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const q = (filter: string) => `$filter=${encodeURIComponent(filter)}`;

for (const kind of databaseKinds()) {
  describe(`discovery's Graph surface as admin tools call it, on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity);
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function tenant() {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
        const response = await discovery.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, ...headers },
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        const text = response.body;
        let body: any;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        return { status: response.statusCode, body, headers: response.headers };
      };
      /** Imports devices in one /import call; answers their ZTDIds in order. */
      const importMany = async (rows: Array<{ serial: string; groupTag?: string }>) => {
        const res = await call('POST', `${IMPORTED}/import`, {
          importedWindowsAutopilotDeviceIdentities: rows.map((r) => ({
            serialNumber: r.serial,
            groupTag: r.groupTag ?? null,
            hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: r.serial })),
          })),
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.value.map((v: any) => v.state.deviceRegistrationId as string);
      };
      /** Follows nextLink as a client does, from the path and query of each link. */
      const all = async (url: string) => {
        const pages: any[] = [];
        let next: string | undefined = url;
        while (next) {
          const res = await call('GET', next);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          pages.push(res.body);
          const link: string | undefined = res.body['@odata.nextLink'];
          if (link) {
            const parsed = new URL(link);
            assert.equal(parsed.protocol, 'https:');
            next = `${parsed.pathname}${parsed.search}`;
          } else next = undefined;
        }
        return { pages, items: pages.flatMap((p) => p.value) };
      };
      return { tid, call, importMany, all };
    }

    test('250 devices page through nextLink with no duplicate or gap, in default and $orderby order', async () => {
      const t = await tenant();
      const serials = Array.from({ length: 250 }, (_, i) => `PG-${String(i).padStart(3, '0')}-${randomUUID().slice(0, 4)}`);
      await t.importMany(serials.map((serial, i) => ({ serial, groupTag: i % 2 ? 'Odd' : 'Even' })));

      const first = await t.call('GET', DEVICES);
      assert.equal(first.body.value.length, 100, 'default page size');
      assert.match(first.body['@odata.nextLink'], /^https:\/\/localhost(:\d+)?\/graph\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\?\$skiptoken=/);

      const byDefault = await t.all(`${DEVICES}?$top=40`);
      assert.equal(byDefault.pages.length, 7);
      assert.deepEqual(byDefault.items.map((d: any) => d.serialNumber).sort(), [...serials].sort());

      const ordered = await t.all(`${DEVICES}?$top=33&$orderby=serialNumber desc&$select=id,serialNumber`);
      assert.deepEqual(ordered.items.map((d: any) => d.serialNumber), [...serials].sort().reverse());
      assert.deepEqual(Object.keys(ordered.items[0]).sort(), ['@odata.type', 'id', 'serialNumber']);
      assert.match(ordered.pages[0]['@odata.context'], /\$metadata#deviceManagement\/windowsAutopilotDeviceIdentities\(id,serialNumber\)$/);

      const tagged = await t.all(`${DEVICES}?$top=17&$orderby=groupTag,serialNumber desc&${q("groupTag eq 'odd'")}&$count=true`);
      assert.equal(tagged.pages[0]['@odata.count'], 125);
      assert.equal(new Set(tagged.items.map((d: any) => d.id)).size, 125);
      assert.ok(tagged.items.every((d: any) => d.groupTag === 'Odd'));

      const count = await discovery.app.inject({ method: 'GET', url: `${DEVICES}/$count?${q("startswith(groupTag,'EV')")}`, headers: { authorization: `Bearer ${await identity.adminToken(t.tid)}` } });
      assert.equal(count.statusCode, 200);
      assert.match(String(count.headers['content-type']), /^text\/plain/);
      assert.equal(count.body, '125');

      const skipped = await t.call('GET', `${DEVICES}?$top=10&$skip=245&$orderby=serialNumber`);
      assert.deepEqual(skipped.body.value.map((d: any) => d.serialNumber), [...serials].sort().slice(245));
    });

    test('$filter runs in SQL on the Graph property names tools use; other properties answer 400 naming them', async () => {
      const t = await tenant();
      const [a, b] = await t.importMany([{ serial: `FLT-A-${randomUUID().slice(0, 6)}`, groupTag: 'Sales' }, { serial: `FLT-B-${randomUUID().slice(0, 6)}` }]);
      const ids = async (url: string) => (await t.call('GET', url)).body.value.map((d: any) => d.id).sort();
      assert.deepEqual(await ids(`${DEVICES}?${q("contains(serialNumber,'flt-a')")}`), [a]);
      assert.deepEqual(await ids(`${DEVICES}?${q("groupTag eq 'SALES' or startswith(serialNumber,'FLT-B')")}`), [a, b].sort());
      assert.deepEqual(await ids(`${DEVICES}?${q("not (groupTag eq 'Sales')")}`), [b]);
      assert.deepEqual(await ids(`${DEVICES}?${q(`id eq '${a}'`)}`), [a]);
      assert.deepEqual(await ids(`/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities?${q("model eq 'HP EliteBook 840 G11' and groupTag eq null")}`), [b]);
      const imported = await t.call('GET', `${IMPORTED}?${q("state/deviceImportStatus eq 'complete' and contains(serialNumber,'FLT-B')")}&$count=true`);
      assert.equal(imported.body['@odata.count'], 1);
      assert.equal(imported.body.value[0].state.deviceRegistrationId, b);

      for (const [url, mention] of [
        [`${DEVICES}?${q("skuNumber eq 'x'")}`, /skuNumber/],
        [`${IMPORTED}?${q("hardwareIdentifier eq 'x'")}`, /hardwareIdentifier/],
        [`${DEVICES}?${q("serialNumber eq 'x' and")}`, /position \d+/],
        [`${DEVICES}?${q("length(serialNumber) eq 3")}`, /position 0/],
        [`${DEVICES}?$orderby=resourceName`, /resourceName/],
        [`${DEVICES}?$select=nope`, /nope/],
        [`${DEVICES}?$search="x"`, /\$search/],
        [`${DEVICES}?$skiptoken=not-a-token`, /\$skiptoken/],
        [`${DEVICES}?$top=1&$top=2`, /more than once/],
        [`/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities?$expand=deploymentProfile`, /\$expand/],
      ] as const) {
        const res = await t.call('GET', url);
        assert.equal(res.status, 400, url);
        assert.equal(res.body.error.code, 'BadRequest', url);
        assert.match(res.body.error.message, mention, url);
        assert.ok(res.body.error.innerError['request-id']);
      }
      // A token issued under one order is not accepted under another.
      const page = await t.call('GET', `${DEVICES}?$top=1&$orderby=serialNumber`);
      const token = new URL(page.body['@odata.nextLink']).searchParams.get('$skiptoken')!;
      assert.equal((await t.call('GET', `${DEVICES}?$top=1&$skiptoken=${token}`)).status, 400);
      assert.equal((await t.call('GET', `${DEVICES}?$top=5000`)).status, 200, '$top past the maximum is capped, not refused');
    });

    test('profiles: $orderby on displayName/description, $filter and $orderby on anything else are 400, $count and $select', async () => {
      const t = await tenant();
      for (const name of ['Charlie', 'alpha', 'Bravo']) {
        assert.equal((await t.call('POST', PROFILES, { '@odata.type': AZURE_AD, displayName: name, description: `d-${name}` })).status, 201);
      }
      const names = async (query: string) => (await t.call('GET', `${PROFILES}?${query}`)).body.value.map((p: any) => p.displayName);
      assert.deepEqual(await names('$orderby=displayName'), ['alpha', 'Bravo', 'Charlie']);
      assert.deepEqual(await names('$orderby=description desc'), ['Charlie', 'Bravo', 'alpha']);
      assert.deepEqual(await names(`${q("startswith(displayName,'b')")}`), ['Bravo']);
      const paged = await t.all(`${PROFILES}?$top=1&$orderby=displayName desc&$count=true&$select=displayName`);
      assert.deepEqual(paged.items.map((p: any) => p.displayName), ['Charlie', 'Bravo', 'alpha']);
      assert.equal(paged.pages[0]['@odata.count'], 3);
      assert.ok(paged.items.every((p: any) => p['@odata.type'] === AZURE_AD && p.id === undefined));
      for (const query of [q("deviceType eq 'windowsPc'"), '$orderby=createdDateTime', q("locale eq 'en-US'")]) {
        const res = await t.call('GET', `${PROFILES}?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error.code, 'BadRequest');
      }
      const profileId = (await t.call('GET', PROFILES)).body.value[0].id;
      const assignUrl = `${PROFILES}/${profileId}/assignments`;
      for (let i = 0; i < 3; i++) {
        assert.equal((await t.call('POST', assignUrl, { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: randomUUID() } })).status, 201);
      }
      const assignments = await t.all(`${assignUrl}?$top=2&$count=true`);
      assert.equal(assignments.pages.length, 2);
      assert.equal(assignments.pages[0]['@odata.count'], 3);
      assert.equal(new Set(assignments.items.map((a: any) => a.id)).size, 3);
      const one = assignments.items[1].id;
      assert.deepEqual((await t.call('GET', `${assignUrl}?${q(`id eq '${one}'`)}`)).body.value.map((a: any) => a.id), [one]);
      assert.equal((await t.call('GET', `${assignUrl}?${q("target/groupId eq 'x'")}`)).status, 400);
      const count = await t.call('GET', `${assignUrl}/$count`);
      assert.equal(count.body, 3);
    });

    test('profile PATCH takes legacy or current names, tolerates managementServiceAppId, keeps @odata.type', async () => {
      const t = await tenant();
      const created = await t.call('POST', PROFILES, { '@odata.type': AZURE_AD, displayName: 'Patch me', locale: 'en-US', hardwareHashExtractionEnabled: true });
      const url = `${PROFILES}/${created.body.id}`;
      const legacy = await t.call('PATCH', url, {
        '@odata.type': AZURE_AD,
        language: 'de-DE',
        enableWhiteGlove: true,
        outOfBoxExperienceSettings: { hideEULA: true, userType: 'standard', deviceUsageType: 'shared' },
      });
      assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
      assert.equal(legacy.body.locale, 'de-DE');
      assert.equal(legacy.body.language, 'de-DE');
      assert.equal(legacy.body.preprovisioningAllowed, true);
      assert.equal(legacy.body.hardwareHashExtractionEnabled, true, 'untouched properties stay');
      assert.equal(legacy.body.outOfBoxExperienceSetting.eulaHidden, true);
      assert.equal(legacy.body.outOfBoxExperienceSetting.deviceUsageType, 'shared');

      // IntuneManagement sends back what it read, with or without managementServiceAppId.
      const read = (await t.call('GET', url)).body;
      const { managementServiceAppId: _dropped, ...stripped } = read;
      const roundTrip = await t.call('PATCH', url, { ...stripped, displayName: 'Patched', description: 'again' });
      assert.equal(roundTrip.status, 200, JSON.stringify(roundTrip.body));
      assert.equal(roundTrip.body.displayName, 'Patched');
      assert.equal(roundTrip.body.locale, 'de-DE');
      const withApp = await t.call('PATCH', url, { managementServiceAppId: '0000000a-0000-0000-c000-000000000000', hardwareHashExtractionEnabled: false });
      assert.equal(withApp.status, 200);
      assert.equal(withApp.body.managementServiceAppId, '0000000a-0000-0000-c000-000000000000');
      assert.equal(withApp.body.extractHardwareHash, false);

      const retype = await t.call('PATCH', url, { '@odata.type': '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile' });
      assert.equal(retype.status, 400);
      assert.match(retype.body.error.message, /@odata\.type/);
      assert.equal((await t.call('PATCH', `${PROFILES}/${randomUUID()}`, { displayName: 'x' })).status, 404);
      assert.equal((await t.call('PATCH', url, { displayName: '' })).status, 400);
    });

    test('updateDeviceProperties: any spelling, unquoted-key JSON, 204; a new group tag reaches identity’s placeholder', async () => {
      const t = await tenant();
      const [ztdId] = await t.importMany([{ serial: `UPD-${randomUUID().slice(0, 8)}`, groupTag: 'Old' }]);
      await discovery.runtime.drainOutbox();
      const raw = '{ userPrincipalName: "megan@contoso.test", groupTag: "New", displayName: \'KIOSK-7\', addressableUserName: "Megan" }';
      const updated = await t.call('POST', `${DEVICES}/${ztdId}/UpdateDeviceProperties`, raw, { 'content-type': 'application/json' });
      assert.equal(updated.status, 204, JSON.stringify(updated.body));
      const device = (await t.call('GET', `${DEVICES}/${ztdId}`)).body;
      assert.equal(device.userPrincipalName, 'megan@contoso.test');
      assert.equal(device.groupTag, 'New');
      assert.equal(device.displayName, 'KIOSK-7');
      assert.equal(device.addressableUserName, 'Megan');

      await discovery.runtime.drainOutbox();
      const patches = identity.patches.filter((p) => (p.body.physicalIds as string[]).includes(`[ZTDID]:${ztdId}`));
      assert.deepEqual(
        patches.map((p) => (p.body.physicalIds as string[]).find((id) => id.startsWith('[OrderID]:'))),
        ['[OrderID]:Old', '[OrderID]:New'],
      );
      assert.equal(patches[1]!.deviceId, device.azureActiveDirectoryDeviceId);

      const strict = await t.call('POST', `${DEVICES}/${ztdId}/updateDeviceProperties`, { displayName: 'KIOSK-8' });
      assert.equal(strict.status, 204);
      await discovery.runtime.drainOutbox();
      assert.equal(identity.patches.filter((p) => (p.body.physicalIds as string[]).includes(`[ZTDID]:${ztdId}`)).length, 2, 'no group tag change, no new placeholder');
      assert.equal((await t.call('GET', `${DEVICES}?${q("displayName eq 'kiosk-8'")}`)).body.value[0].id, ztdId);

      for (const bad of ['{ userPrincipalName: }', '{ groupTag: process.exit(1) }', '[1,2', "{ groupTag: 'x' ", '{"groupTag": 5}']) {
        const res = await t.call('POST', `${DEVICES}/${ztdId}/updateDeviceProperties`, bad, { 'content-type': 'application/json' });
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.error.code, 'BadRequest');
      }
      assert.equal((await t.call('POST', `${DEVICES}/${randomUUID()}/updateDeviceProperties`, { groupTag: 'x' })).status, 404);
      const huge = await t.call('POST', `${DEVICES}/${ztdId}/updateDeviceProperties`, `{ displayName: "${'x'.repeat(70_000)}" }`, { 'content-type': 'application/json' });
      assert.equal(huge.status, 413);
    });

    test('assignUserToDevice, unassignUserFromDevice, deleteDevices, windowsAutopilotSettings/sync', async () => {
      const t = await tenant();
      const serial = `ASN-${randomUUID().slice(0, 8)}`;
      const [ztdId] = await t.importMany([{ serial }]);
      assert.equal((await t.call('POST', `${DEVICES}/${ztdId}/assignUserToDevice`, { userPrincipalName: 'adele@contoso.test', addressableUserName: 'Adele' })).status, 204);
      assert.equal((await t.call('GET', `${DEVICES}/${ztdId}`)).body.userPrincipalName, 'adele@contoso.test');
      assert.equal((await t.call('POST', `${DEVICES}/${ztdId}/assignUserToDevice`, {})).status, 400);
      const unassign = await discovery.app.inject({
        method: 'POST',
        url: `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}/UNASSIGNUSERFROMDEVICE`,
        headers: { authorization: `Bearer ${await identity.adminToken(t.tid)}`, 'content-type': 'application/json' },
      });
      assert.equal(unassign.statusCode, 204, unassign.body);
      const after = (await t.call('GET', `${DEVICES}/${ztdId}?$select=userPrincipalName,addressableUserName`)).body;
      assert.deepEqual([after.userPrincipalName, after.addressableUserName], ['', '']);
      assert.match(after['@odata.context'], /windowsAutopilotDeviceIdentities\(userPrincipalName,addressableUserName\)\/\$entity$/);

      const deleted = await t.call('POST', `${DEVICES}/deleteDevices`, { serialNumbers: [serial.toLowerCase(), 'NOPE-1'] });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body.value.map((s: any) => [s.deletionState, s.deviceRegistrationId]), [['accepted', ztdId], ['failed', '']]);
      assert.equal((await t.call('GET', `${DEVICES}/${ztdId}`)).status, 404);

      const before = (await t.call('GET', '/graph/beta/deviceManagement/windowsAutopilotSettings')).body;
      assert.equal(before.syncStatus, 'unknown');
      assert.equal(before.lastManualSyncTriggerDateTime, '0001-01-01T00:00:00Z');
      const sync = await discovery.app.inject({
        method: 'POST',
        url: '/graph/beta/deviceManagement/windowsAutopilotSettings/sync',
        headers: { authorization: `Bearer ${await identity.adminToken(t.tid)}`, 'content-type': 'application/json' },
      });
      assert.equal(sync.statusCode, 204, sync.body);
      const synced = (await t.call('GET', '/graph/beta/deviceManagement/windowsAutopilotSettings')).body;
      assert.equal(synced.syncStatus, 'completed');
      assert.ok(Date.parse(synced.lastManualSyncTriggerDateTime) > Date.now() - 60_000);
      assert.equal(synced.lastSyncDateTime, synced.lastManualSyncTriggerDateTime);
    });

    test('every Accept odata.metadata variant is answered, never 406', async () => {
      const t = await tenant();
      for (const metadata of ['full', 'minimal', 'none']) {
        for (const url of [DEVICES, IMPORTED, PROFILES, '/graph/beta/deviceManagement/windowsAutopilotSettings']) {
          const res = await t.call('GET', url, undefined, { accept: `application/json;odata.metadata=${metadata};odata.streaming=true;IEEE754Compatible=false` });
          assert.equal(res.status, 200, `${metadata} ${url}`);
          assert.match(String(res.headers['content-type']), /^application\/json/);
        }
      }
    });

    test('hostile $filter, $orderby, $select and $skiptoken: 400 or 200, never a 500', async () => {
      const t = await tenant();
      await t.importMany([{ serial: `HST-${randomUUID().slice(0, 8)}` }]);
      const fragment = fc.constantFrom(
        'serialNumber', 'groupTag', 'state/deviceImportStatus', 'physicalIds', 'id', ' eq ', ' ne ', ' gt ', ' and ', ' or ', 'not ', '(', ')', ',', "'", "''",
        "'x'", 'null', 'true', '12', '-1e999', '2024-01-01T00:00:00Z', 'contains(', 'startswith(', 'endswith(', 'any(p:p eq ', '/', '$', '@', '%', '\u0000', '\u202e', '😀',
        'length(', 'substring(', "'; DROP TABLE autopilot_devices; --", '"', '\\', 'in (', ' has ', 'cast(', '{', '}',
      );
      const filterText = fc.oneof(fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join('')), fc.string({ maxLength: 200 }), fc.constant('('.repeat(500) + "serialNumber eq 'x'" + ')'.repeat(500)), fc.constant('x'.repeat(10_000)));
      const option = fc.constantFrom('$filter', '$orderby', '$select', '$skiptoken', '$top', '$skip', '$count', '$expand', '$FILTER');
      const collection = fc.constantFrom(DEVICES, IMPORTED, PROFILES, `${DEVICES}/$count`, '/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities');
      await fc.assert(
        fc.asyncProperty(collection, option, filterText, async (url, name, value) => {
          const res = await t.call('GET', `${url}?${name}=${encodeURIComponent(value)}`);
          assert.ok(res.status === 200 || res.status === 400, `${res.status} for ${url}?${name}=${value.slice(0, 200)}: ${JSON.stringify(res.body).slice(0, 300)}`);
          if (res.status === 400) {
            assert.equal(res.body.error.code, 'BadRequest');
            assert.equal(typeof res.body.error.message, 'string');
          }
        }),
        { numRuns: 300 },
      );
    });
  });
}
