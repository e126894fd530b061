import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { writeAutopilotCsv, type CsvEncoding, type CsvWriteRow } from '@baton/protocols';
import type { DiscoveryApp } from '../app.js';
import { importDevices } from '../domain/registration.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, withoutPadding, type TestDatabase } from '../testing/harness.js';

const URL = '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv';
const HEADER = 'Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User';

interface CsvAnswer {
  encoding: string;
  variant: string;
  warnings: string[];
  summary: { rows: number; imported: number; failed: number; alreadyRegistered: number };
  value: Array<{ row: number; serialNumber: string; state: { deviceImportStatus: string; deviceRegistrationId: string; deviceErrorCode: number; deviceErrorName: string } }>;
}

function device(groupTag = ''): CsvWriteRow {
  const inventory = sampleInventory();
  return { serialNumber: inventory.smbiosSerial!, hardwareHash: withoutPadding(hashOf(inventory)), groupTag };
}

for (const kind of databaseKinds()) {
  describe(`CSV import on ${kind}`, () => {
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
      const upload = async (payload: Uint8Array | string, contentType = 'text/csv') => {
        const res = await discovery.app.inject({
          method: 'POST',
          url: URL,
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
          payload: typeof payload === 'string' ? payload : Buffer.from(payload),
        });
        return { status: res.statusCode, body: res.json() as CsvAnswer & { error?: { code: string } } };
      };
      const devices = async () => {
        const res = await discovery.app.inject({
          method: 'GET',
          url: '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=999',
          headers: { authorization: `Bearer ${token}` },
        });
        return res.json().value as Array<{ id: string; serialNumber: string; groupTag: string }>;
      };
      return { tid, token, upload, devices };
    }

    for (const encoding of ['utf-16le', 'utf-8', 'utf-8-bom', 'windows-1252'] as CsvEncoding[]) {
      test(`a ${encoding} file imports every row`, async () => {
        const t = await tenant();
        const rows = [device('Zürich'), device('Zürich'), device()];
        const { status, body } = await t.upload(writeAutopilotCsv(rows, encoding), encoding === 'utf-8' ? 'text/csv' : 'application/octet-stream');
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.encoding, encoding);
        assert.equal(body.variant, 'standard');
        assert.deepEqual(body.summary, { rows: 3, imported: 3, failed: 0, alreadyRegistered: 0 });
        assert.deepEqual(body.value.map((r) => [r.row, r.serialNumber, r.state.deviceImportStatus]), rows.map((r, i) => [i + 2, r.serialNumber, 'complete']));
        const registered = await t.devices();
        assert.deepEqual(registered.map((d) => d.id).sort(), body.value.map((r) => r.state.deviceRegistrationId).sort());
        assert.deepEqual(registered.map((d) => d.groupTag).sort(), ['', 'Zürich', 'Zürich']);
      });
    }

    test('broken rows are each reported with their code and the good rows import', async () => {
      const t = await tenant();
      const good = [device(), device()];
      const noSerial = sampleInventory({ smbiosSerial: '' });
      const lines = [
        HEADER,
        `${good[0]!.serialNumber},,${good[0]!.hardwareHash},,`,
        'JUSTASERIAL',
        `BADB64,,not*base64,,`,
        `NOTAHASH,,${Buffer.from('not a hardware hash at all').toString('base64')},,`,
        `,,${hashOf(noSerial)},,`,
        `${good[1]!.serialNumber},,"${good[1]!.hardwareHash}",,`,
        `${good[0]!.serialNumber},,${good[0]!.hardwareHash},,`,
        '',
      ];
      const { status, body } = await t.upload(lines.join('\r\n'));
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(
        body.value.map((r) => [r.row, r.state.deviceErrorCode]),
        [[2, 0], [3, 801], [4, 802], [5, 802], [6, 803], [7, 0], [8, 806]],
      );
      assert.equal(body.value[6]!.state.deviceRegistrationId, body.value[0]!.state.deviceRegistrationId, 'a repeated row points at the first');
      assert.equal(body.value[1]!.state.deviceErrorName, 'InvalidZtdRequestBody');
      assert.deepEqual(body.summary, { rows: 7, imported: 2, failed: 4, alreadyRegistered: 1 });
      assert.equal((await t.devices()).length, 2);
    });

    test('importing the same file again changes nothing and reports every row as already registered', async () => {
      const t = await tenant();
      const file = writeAutopilotCsv([device(), device(), device()], 'utf-16le');
      const first = await t.upload(file, 'application/octet-stream');
      const second = await t.upload(file, 'application/octet-stream');
      assert.deepEqual(first.body.summary, { rows: 3, imported: 3, failed: 0, alreadyRegistered: 0 });
      assert.deepEqual(second.body.summary, { rows: 3, imported: 0, failed: 0, alreadyRegistered: 3 });
      assert.deepEqual(second.body.value.map((r) => r.state.deviceErrorCode), [806, 806, 806]);
      assert.deepEqual(second.body.value.map((r) => r.state.deviceRegistrationId), first.body.value.map((r) => r.state.deviceRegistrationId));
      assert.equal((await t.devices()).length, 3);
    });

    test("another tenant's device is refused with 808 and its registration stays hidden", async () => {
      const owner = await tenant();
      const other = await tenant();
      const rows = [device()];
      assert.equal((await owner.upload(writeAutopilotCsv(rows, 'utf-8'))).body.summary.imported, 1);
      const { body } = await other.upload(writeAutopilotCsv(rows, 'utf-8'));
      assert.deepEqual(body.value.map((r) => [r.state.deviceErrorCode, r.state.deviceErrorName, r.state.deviceRegistrationId]), [[808, 'ZtdDeviceAssignedToOtherTenant', '']]);
      assert.deepEqual(body.summary, { rows: 1, imported: 0, failed: 1, alreadyRegistered: 0 });
      assert.equal((await other.devices()).length, 0);
    });

    test('corporate identifier rows are refused as unsupported and nothing is imported', async () => {
      const t = await tenant();
      const { status, body } = await t.upload('Microsoft Corporation,Surface Laptop 5,0F1234567890\r\nLenovo,20XW,PF3ABCDE\r\n');
      assert.equal(status, 200);
      assert.equal(body.variant, 'corporateIdentifier');
      assert.deepEqual(body.value.map((r) => [r.row, r.serialNumber, r.state.deviceErrorCode, r.state.deviceErrorName]), [
        [1, '0F1234567890', 9001, 'BatonCorporateIdentifierUnsupported'],
        [2, 'PF3ABCDE', 9001, 'BatonCorporateIdentifierUnsupported'],
      ]);
      assert.match((body.value[0] as { message?: string }).message ?? '', /device preparation/);
      assert.equal(body.summary.failed, 2);
      assert.equal((await t.devices()).length, 0);
    });

    test('partner files import; a header in other capitals imports with a warning', async () => {
      const t = await tenant();
      const partner = await t.upload(writeAutopilotCsv([{ ...device(), manufacturer: 'HP', model: 'EliteBook' }], 'utf-8', { variant: 'partner' }));
      assert.equal(partner.body.variant, 'partner');
      assert.equal(partner.body.summary.imported, 1);
      const row = device();
      const lower = await t.upload(`${HEADER.toUpperCase()}\n${row.serialNumber},,${row.hardwareHash},,\n`);
      assert.equal(lower.body.summary.imported, 1);
      assert.match(lower.body.warnings.join(' '), /case-sensitively/);
    });

    test('more than one batch imports with the rows in file order', async () => {
      const t = await tenant();
      const rows = Array.from({ length: 1100 }, () => device());
      rows.splice(700, 0, rows[3]!);
      const { body } = await t.upload(writeAutopilotCsv(rows, 'utf-8'));
      assert.deepEqual(body.summary, { rows: 1101, imported: 1100, failed: 0, alreadyRegistered: 1 });
      assert.deepEqual(body.value.map((r) => r.row), rows.map((_, i) => i + 2));
      assert.equal(body.value[700]!.state.deviceErrorCode, 806);
      assert.match(body.warnings.join(' '), /at most 500/);
      assert.equal((await t.devices()).length, 999);
    });

    test('two tenants importing the same devices at once: each device is registered exactly once', async () => {
      const deps = discovery.runtime.pluginOptions.deps;
      const inputs = Array.from({ length: 60 }, () => {
        const d = device();
        return { serialNumber: d.serialNumber, hardwareIdentifier: d.hardwareHash };
      });
      const [a, b] = await Promise.all([
        importDevices(deps, randomUUID(), inputs, { batchSize: 20 }),
        importDevices(deps, randomUUID(), [...inputs].reverse(), { batchSize: 20 }),
      ]);
      const completes = [...a!, ...b!].filter((i) => i.state.deviceImportStatus === 'complete');
      assert.equal(completes.length, 60);
      assert.ok([...a!, ...b!].every((i) => i.state.deviceImportStatus === 'complete' || i.state.deviceErrorCode === 808));
    });

    test('requests that are not a CSV file get a Graph envelope', async () => {
      const t = await tenant();
      const json = await discovery.app.inject({
        method: 'POST',
        url: URL,
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        payload: { importedWindowsAutopilotDeviceIdentities: [] },
      });
      assert.equal(json.statusCode, 415);
      assert.equal(json.json().error.code, 'UnsupportedMediaType');
      const empty = await t.upload('');
      assert.equal(empty.status, 400);
      const header = await t.upload('Serial,Hash\nA,B\n');
      assert.equal(header.status, 400);
      assert.match(header.body.error!.code, /invalidRequest/);
      const anonymous = await discovery.app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'text/csv' }, payload: `${HEADER}\n` });
      assert.equal(anonymous.statusCode, 401);
      const huge = await t.upload(new Uint8Array(64 * 1024 * 1024 + 1).fill(0x41), 'application/octet-stream');
      assert.equal(huge.status, 413);
    });
  });
}

describe('CSV import: hostile bodies', () => {
  let identity: FakeIdentity;
  let database: TestDatabase;
  let discovery: DiscoveryApp;
  let token: string;
  const validRow = device();

  before(async () => {
    identity = await startFakeIdentity();
    database = testDatabase('sqlite');
    discovery = await startDiscovery(database, identity);
    token = await identity.adminToken(randomUUID());
  });
  after(async () => {
    await discovery?.close();
    await database?.dispose();
    await identity?.close();
  });

  const token_ = fc.constantFrom(HEADER, ',', ',,', '"', '\r\n', '\n', '\r', ' ', 'SN1', validRow.hardwareHash!, validRow.serialNumber, '=', '\uFEFF', '\u0000', 'Manufacturer,Model,Serial', '🙂');
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc.array(token_, { maxLength: 40 }).map((t) => new TextEncoder().encode(t.join(''))),
    fc.tuple(fc.array(token_, { maxLength: 40 }), fc.constantFrom<CsvEncoding>('utf-16le', 'utf-16be', 'utf-8-bom', 'windows-1252')).map(([t, enc]) =>
      writeAutopilotCsv([{ serialNumber: t.join('') }], enc),
    ),
  );

  test('never a 500: every answer is a result or a 4xx Graph envelope', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('text/csv', 'application/octet-stream', 'text/csv; charset=utf-16'), async (bytes, contentType) => {
        const res = await discovery.app.inject({
          method: 'POST',
          url: URL,
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
          payload: Buffer.from(bytes),
        });
        assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) {
          const error = res.json().error;
          assert.equal(typeof error.code, 'string');
          assert.equal(typeof error.innerError['request-id'], 'string');
        } else {
          assert.equal(res.statusCode, 200);
          const answer = res.json() as CsvAnswer;
          assert.equal(answer.value.length, answer.summary.rows);
        }
      }),
      { numRuns: 300 },
    );
  });
});
