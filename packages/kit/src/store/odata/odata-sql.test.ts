import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql, type Kysely, type Migration } from 'kysely';
import { applyOrderBy, evaluateFilter, evaluateSearch, formatFilter, formatSearch, parseFilter, parseSearch, readODataPath, ODataError, type FilterNode, type FilterLiteral, type OrderByItem, type SearchNode } from '@baton/protocols';
import { openDatabase, dropPostgresSchema } from '../database.js';
import { testBackends, uniqueSchema } from '../../testing/postgres.js';
import { applyODataFilter, applyODataKeyset, applyODataOrderBy, applyODataSearch, odataConstant, odataRenamed, searchTokensColumnValue, type ODataPropertyMap, type ODataSearchMap } from './index.js';

interface Device {
  id: number;
  displayName: string | null;
  serialNumber: string | null;
  groupTag: string | null;
  deviceId: string | null;
  enrollmentCount: number | null;
  isManaged: boolean | null;
  registeredAt: string | null;
  physicalIds: string[] | null;
  state: { deviceImportStatus: string | null };
}

const devices: Device[] = [
  ['Kiosk-01', 'SN-001', 'Sales', '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44', 0, true, '2024-01-01T00:00:00.000Z', ['[ZTDID]:aa11', '[OrderId]:Sales'], 'complete'],
  ['kiosk-02', 'sn-002', 'sales', '0b7d1c8e-2f4a-4e61-8c2d-9a1b3c4d5e6f', 1, false, '2024-01-01T00:00:00.001Z', ['[ZTDID]:bb22'], 'pending'],
  ['50% off', 'SN_100%', null, null, 2, null, '2023-06-15T12:30:00.000Z', [], 'error'],
  ['500 units', 'SN-100', 'Ops', 'A1B2C3D4-0000-4000-8000-000000000001', 5, true, null, null, null],
  ['a_b', 'SN!1', 'Ops_East', null, null, false, '2025-12-31T23:59:59.999Z', ['[OrderId]:Ops_East', '[ZTDID]:cc33'], 'complete'],
  ['axb', 'SN!!2', 'ops', null, -3, true, '1999-01-01T00:00:00.000Z', ['[orderid]:ops'], 'unknown'],
  ["O'Brien's laptop", "it''s", "O'", null, 3, null, '2024-02-29T08:00:00.000Z', ['[ZTDID]:dd44', "[OrderId]:O'Brien"], 'complete'],
  ['!bang!', '%', '_', null, 1, true, '2024-01-01T00:00:00.000Z', ['%', '_', '!'], 'Complete'],
  ['', '', '', null, 0, false, '2024-03-01T10:00:00.000Z', [''], ''],
  [null, null, null, null, null, null, null, null, null],
  ['ZEBRA', 'zz', 'Z', null, 100, true, '2030-05-05T05:05:05.000Z', ['[PurchaseOrderId]:PO-9', '[ZTDID]:ee55', '[OrderId]:Z'], 'pending'],
  ['zebra', 'ZZ', 'z', null, 99, false, '2030-05-05T05:05:05.500Z', ['[ztdid]:EE55'], 'PENDING'],
].map(([displayName, serialNumber, groupTag, deviceId, enrollmentCount, isManaged, registeredAt, physicalIds, status], i) => ({
  id: i + 1,
  displayName,
  serialNumber,
  groupTag,
  deviceId,
  enrollmentCount,
  isManaged,
  registeredAt,
  physicalIds,
  state: { deviceImportStatus: status },
})) as Device[];

function propertyMap(caseInsensitive: boolean): ODataPropertyMap {
  return {
    id: { column: 'id', type: 'number' },
    displayName: { column: 'display_name', type: 'string', caseInsensitive },
    serialNumber: { column: 'serial_number', type: 'string', caseInsensitive },
    groupTag: { column: 'group_tag', type: 'string', caseInsensitive },
    deviceId: { column: 'device_id', type: 'string', caseInsensitive },
    enrollmentCount: { column: 'enrollment_count', type: 'number' },
    isManaged: { column: 'is_managed', type: 'boolean' },
    registeredAt: { column: 'registered_at', type: 'datetime' },
    physicalIds: { jsonArrayColumn: 'physical_ids', caseInsensitive },
    'state/deviceImportStatus': { column: 'import_status', type: 'string', caseInsensitive },
  };
}

/** Graph's complianceState members, in declared order. */
const COMPLIANCE_STATES = ['unknown', 'compliant', 'noncompliant', 'conflict', 'error', 'inGracePeriod', 'configManager'];
/** Rows of `device_states`, the table complianceState is read from; a device without one is 'unknown'. */
const deviceStates: Array<[number, string]> = [
  [1, 'noncompliant'],
  [2, 'compliant'],
  [4, 'noncompliant'],
  [5, 'inGracePeriod'],
];

/** Properties the devices table holds only indirectly: another table, a constant, renamed codes. */
const computedProperties: ODataPropertyMap = {
  ...propertyMap(true),
  complianceState: {
    expression: (column) => sql`COALESCE((SELECT ${sql.ref('s.state')} FROM device_states AS s WHERE ${sql.ref('s.device_id')} = ${column('id')}), ${sql.lit('unknown')})`,
    type: 'string',
    enumMembers: COMPLIANCE_STATES,
  },
  operatingSystem: { expression: odataConstant('Windows'), type: 'string', caseInsensitive: true },
  importStatus: { expression: odataRenamed('import_status', { complete: 'imported', pending: 'waiting', error: 'error' }), type: 'string' },
};

const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('devices')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('display_name', 'text')
      .addColumn('serial_number', 'text')
      .addColumn('group_tag', 'text')
      .addColumn('device_id', 'text')
      .addColumn('enrollment_count', 'integer')
      .addColumn('is_managed', 'integer')
      .addColumn('registered_at', 'text')
      .addColumn('physical_ids', 'text')
      .addColumn('import_status', 'text')
      .addColumn('display_name_words', 'text')
      .execute();
    await db.schema
      .createTable('device_states')
      .addColumn('device_id', 'integer', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .execute();
  },
};

// ---- a generator of filters the SQL translation supports, over the properties above ----

const text = fc.oneof(
  fc.constantFrom('', 'a', 'A', 'kiosk', 'KIOSK-0', 'sales', 'SN', 'sn-00', '%', '_', '!', '50%', 'a_b', '!!', "'", "O'", 'ops_', 'z', 'ZZ', 'complete', 'PENDING', '[ztdid]', '[ZTDID]:', '[OrderId]:', 'ee55', 'Sales'),
  fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'z', 'Z', '%', '_', '!', "'", '-', '0', '1', 'S', 'n'), maxLength: 4 }),
);
const str = (value: string): FilterLiteral => ({ kind: 'literal', type: 'string', value });
const nul: FilterLiteral = { kind: 'literal', type: 'null', value: null };
const op = fc.constantFrom('eq' as const, 'ne' as const, 'gt' as const, 'ge' as const, 'lt' as const, 'le' as const);
const fn = fc.constantFrom('startswith' as const, 'endswith' as const, 'contains' as const);
const stringProperty = fc.constantFrom<string[]>(['displayName'], ['serialNumber'], ['groupTag'], ['state', 'deviceImportStatus'], ['DisplayName']);
const datetimes = [...new Set(devices.map((d) => d.registeredAt).filter((d): d is string => d !== null))];

/** Sometimes writes the literal first, which the translation must flip. */
function comparison(path: string[], operator: fc.Arbitrary<'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'>, literal: fc.Arbitrary<FilterLiteral>): fc.Arbitrary<FilterNode> {
  return fc.tuple(operator, literal, fc.boolean()).map(([o, lit, flip]): FilterNode => {
    const property = { kind: 'property' as const, path };
    return flip ? { kind: 'compare', op: o, left: lit, right: property } : { kind: 'compare', op: o, left: property, right: lit };
  });
}

/** `x in (…)` over one literal type, as the parser gives it. */
function inList(operand: Extract<FilterNode, { kind: 'in' }>['operand'], values: fc.Arbitrary<FilterLiteral>): fc.Arbitrary<FilterNode> {
  return fc.array(values, { minLength: 1, maxLength: 5 }).map((list): FilterNode => ({ kind: 'in', operand, values: list }));
}

/** What `in` is defined to mean: an `or` of `eq`s. */
function orOfEqs(node: Extract<FilterNode, { kind: 'in' }>): FilterNode {
  return node.values
    .map((value): FilterNode => ({ kind: 'compare', op: 'eq', left: node.operand, right: value }))
    .reduce((left, right) => ({ kind: 'or', left, right }));
}

const guidLiteral = fc.constantFrom(...devices.filter((d) => d.deviceId).map((d) => d.deviceId!.toUpperCase()), '00000000-0000-4000-8000-000000000000').map((value): FilterLiteral => ({ kind: 'literal', type: 'guid', value }));
const numberLiteral = fc.oneof(fc.integer({ min: -4, max: 101 }), fc.constantFrom(0.5, 2.5, -3.5, 1e9)).map((value): FilterLiteral => ({ kind: 'literal', type: 'number', value }));
const datetimeLiteral = fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01', '2024-01-01T01:00:00+01:00', '2030-05-05T05:05:05.5Z', '2023-06-15T12:30:00Z').map((value): FilterLiteral => ({ kind: 'literal', type: 'datetime', value }));
const inLeaf: fc.Arbitrary<FilterNode> = fc.oneof(
  stringProperty.chain((path) => inList({ kind: 'property', path }, text.map(str))),
  stringProperty.chain((path) => inList({ kind: 'property', path }, fc.constant(nul))),
  inList({ kind: 'property', path: ['deviceId'] }, guidLiteral),
  inList({ kind: 'property', path: ['enrollmentCount'] }, numberLiteral),
  inList({ kind: 'property', path: ['isManaged'] }, fc.boolean().map((value): FilterLiteral => ({ kind: 'literal', type: 'boolean', value }))),
  inList({ kind: 'property', path: ['registeredAt'] }, datetimeLiteral),
);

const element = { kind: 'variable' as const, name: 'p', path: [] };
const elementPredicate: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(op, text).map(([o, v]): FilterNode => ({ kind: 'compare', op: o, left: element, right: str(v) })),
    fc.tuple(fn, text).map(([f, v]): FilterNode => ({ kind: 'function', name: f, args: [element, str(v)] })),
    inList(element, text.map(str)),
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node')).map(([k, l, r]): FilterNode => ({ kind: k, left: l, right: r })),
    tie('node').map((o): FilterNode => ({ kind: 'not', operand: o })),
  ),
})).node;

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  stringProperty.chain((path) => comparison(path, op, fc.oneof({ weight: 5, arbitrary: text.map(str) }, { weight: 1, arbitrary: fc.constant(nul) }))),
  fc.tuple(fn, stringProperty, text).map(([f, path, v]): FilterNode => ({ kind: 'function', name: f, args: [{ kind: 'property', path }, str(v)] })),
  comparison(['deviceId'], fc.constantFrom('eq' as const, 'ne' as const), fc.constantFrom(...devices.filter((d) => d.deviceId).map((d) => d.deviceId!.toUpperCase()), '00000000-0000-4000-8000-000000000000').map((value): FilterLiteral => ({ kind: 'literal', type: 'guid', value }))),
  comparison(['enrollmentCount'], op, fc.oneof(fc.integer({ min: -4, max: 101 }), fc.constantFrom(0.5, 2.5, -3.5, 1e9)).map((value): FilterLiteral => ({ kind: 'literal', type: 'number', value }))),
  comparison(['enrollmentCount'], op, fc.constant(nul)),
  comparison(['isManaged'], op, fc.oneof(fc.boolean().map((value): FilterLiteral => ({ kind: 'literal', type: 'boolean', value })), fc.constant(nul))),
  comparison(
    ['registeredAt'],
    op,
    fc.oneof(
      fc.constantFrom(...datetimes).map((value): FilterLiteral => ({ kind: 'literal', type: 'datetime', value })),
      fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01', '2024-01-01T01:00:00+01:00', '2030-05-05T05:05:05.5Z', '2030-05-05T05:05:05.4999999Z').map((value): FilterLiteral => ({ kind: 'literal', type: 'datetime', value })),
    ),
  ),
  fc.tuple(fc.constantFrom('any' as const, 'all' as const), elementPredicate).map(([o, predicate]): FilterNode => ({ kind: 'lambda', op: o, collection: { kind: 'property', path: ['physicalIds'] }, variable: 'p', predicate })),
  fc.constant<FilterNode>({ kind: 'lambda', op: 'any', collection: { kind: 'property', path: ['physicalIds'] } }),
  inLeaf,
);

const sqlFilter: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node')).map(([k, l, r]): FilterNode => ({ kind: k, left: l, right: r })),
    tie('node').map((o): FilterNode => ({ kind: 'not', operand: o })),
  ),
})).node;

const orderProperty = fc.constantFrom('displayName', 'serialNumber', 'groupTag', 'enrollmentCount', 'isManaged', 'registeredAt', 'state/deviceImportStatus');
const orderBy = fc.array(fc.record({ path: orderProperty.map((p) => p.split('/')), direction: fc.constantFrom('asc' as const, 'desc' as const) }), { maxLength: 3 });

// ---- $search: displayName word by word, the other string properties as startswith ----

const searchMap = (): ODataSearchMap => ({ tokenized: { displayName: 'display_name_words' }, properties: propertyMap(true) });
const searchText = fc.oneof(
  fc.constantFrom('kio', 'Kiosk-01', 'kiosk01', '01', '0', '%', '_', '!', "'", 'brien', "o'b", 'LAP', 'zeb', 'a_b', 'ab', 'x', 'sn-0', 'SN_', 'ops', '50% OFF'),
  fc.string({ unit: fc.constantFrom('a', 'K', 'b', 'z', '%', '_', '!', "'", '-', '0', '1', 'S', 'n', ' '), minLength: 1, maxLength: 4 }),
).filter((t) => t.trim().length > 0);
const searchTerm = fc
  .tuple(fc.constantFrom('displayName', 'DISPLAYNAME', 'serialNumber', 'groupTag'), searchText)
  .map(([property, t]): SearchNode => ({ kind: 'term', property, text: t }));
const sqlSearch: fc.Arbitrary<SearchNode> = fc.letrec<{ node: SearchNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    searchTerm,
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node')).map(([kind, left, right]): SearchNode => ({ kind, left, right })),
  ),
})).node;

for (const backend of testBackends()) {
  test(`OData filters and ordering in SQL on ${backend.name}`, async (t) => {
    const schema = uniqueSchema('odata');
    const database = await openDatabase<any>({
      service: 'odatatest',
      dataDir: mkdtempSync(join(tmpdir(), 'baton-odata-')),
      databaseUrl: backend.databaseUrl,
      schema,
      migrations: { '0000_devices': migration },
    });
    t.after(async () => {
      await database.close();
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });
    const { db, dialect } = database;
    await db
      .insertInto('devices')
      .values(
        devices.map((d) => ({
          id: d.id,
          display_name: d.displayName,
          serial_number: d.serialNumber,
          group_tag: d.groupTag,
          device_id: d.deviceId,
          enrollment_count: d.enrollmentCount,
          is_managed: d.isManaged === null ? null : d.isManaged ? 1 : 0,
          registered_at: d.registeredAt,
          physical_ids: d.physicalIds === null ? null : JSON.stringify(d.physicalIds),
          import_status: d.state.deviceImportStatus,
          display_name_words: searchTokensColumnValue(d.displayName),
        })),
      )
      .execute();
    await db
      .insertInto('device_states')
      .values(deviceStates.map(([device_id, state]) => ({ device_id, state })))
      .execute();

    const sqlIds = async (node: FilterNode, caseInsensitive = true): Promise<number[]> => {
      const rows = await applyODataFilter(db.selectFrom('devices').select('id'), node, propertyMap(caseInsensitive), dialect).orderBy('id').execute();
      return rows.map((r: { id: number }) => Number(r.id));
    };
    const memoryIds = (node: FilterNode, caseInsensitive = true): number[] =>
      devices.filter((d) => evaluateFilter(node, d as unknown as Record<string, unknown>, { caseInsensitive })).map((d) => d.id);
    const ids = (filter: string) => sqlIds(parseFilter(filter));

    await t.test('the filters real tools send', async () => {
      assert.deepEqual(await ids("contains(serialNumber,'SN-00')"), [1, 2]);
      assert.deepEqual(await ids("serialNumber eq 'sn-001'"), [1]);
      assert.deepEqual(await ids("deviceId eq '6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44'"), [1]);
      assert.deepEqual(await ids('deviceId eq a1b2c3d4-0000-4000-8000-000000000001'), [4]);
      assert.deepEqual(await ids("physicalIds/any(p:startswith(p,'[ZTDID]'))"), [1, 2, 5, 7, 11, 12]);
      assert.deepEqual(await ids("physicalIds/any(p:p eq '[OrderId]:sales')"), [1]);
      assert.deepEqual(await ids("displayName eq 'kiosk-01' and startswith(groupTag,'S')"), [1]);
      assert.deepEqual(await ids("not(groupTag eq 'ops')"), [1, 2, 3, 5, 7, 8, 9, 10, 11, 12]);
      assert.deepEqual(await ids("state/deviceImportStatus eq 'complete'"), [1, 5, 7, 8]);
    });

    await t.test('LIKE wildcards and quotes in the needle match literally', async () => {
      assert.deepEqual(await ids("contains(displayName,'50%')"), [3]);
      assert.deepEqual(await ids("startswith(displayName,'a_')"), [5]);
      assert.deepEqual(await ids("endswith(serialNumber,'!2')"), [6]);
      assert.deepEqual(await ids("contains(displayName,'!')"), [8]);
      assert.deepEqual(await ids("contains(displayName,'''s')"), [7]);
      assert.deepEqual(await ids("serialNumber eq 'it''''s'"), [7]);
      assert.deepEqual(await ids("physicalIds/any(p:p eq '_')"), [8]);
      assert.deepEqual(await ids("physicalIds/any(p:contains(p,'%'))"), [8]);
    });

    await t.test('nulls, booleans, numbers and datetimes', async () => {
      assert.deepEqual(await ids('groupTag eq null'), [3, 10]);
      assert.deepEqual(await ids("groupTag ne 'ops'"), [1, 2, 3, 5, 7, 8, 9, 10, 11, 12]);
      assert.deepEqual(await ids('isManaged eq true'), [1, 4, 6, 8, 11]);
      assert.deepEqual(await ids('enrollmentCount gt 1.5 and enrollmentCount le 5'), [3, 4, 7]);
      assert.deepEqual(await ids('registeredAt ge 2030-05-05T05:05:05.5Z'), [12]);
      assert.deepEqual(await ids('registeredAt lt 2024-01-01T01:00:00.001+01:00'), [1, 3, 6, 8]);
      assert.deepEqual(await ids('physicalIds/any()'), [1, 2, 4, 5, 6, 7, 8, 9, 11, 12].filter((id) => devices[id - 1]!.physicalIds?.length));
      assert.deepEqual(await ids("physicalIds/all(p:startswith(p,'['))"), [1, 2, 3, 4, 5, 6, 7, 10, 11, 12]);
    });

    await t.test('what the translation refuses', async () => {
      const refuses = (filter: string, pattern: RegExp) =>
        assert.throws(
          () => applyODataFilter(db.selectFrom('devices').selectAll(), parseFilter(filter), propertyMap(true), dialect),
          (e: unknown) => e instanceof ODataError && e.code === 'odata.unsupported' && pattern.test(e.message),
        );
      refuses("secret eq 'x'", /'secret'/);
      refuses("enrollmentCount eq '3'", /number/);
      refuses("isManaged eq 1", /boolean/);
      refuses("registeredAt gt '2024'", /datetime/);
      refuses("physicalIds eq 'x'", /any\(\) or all\(\)/);
      refuses("displayName/any(p:p eq 'x')", /not a collection/);
      refuses('displayName eq serialNumber', /literal/);
      refuses("physicalIds/any(p:displayName eq 'x')", /range variable/);
      refuses("contains(enrollmentCount,'1')", /string property/);
    });

    await t.test('properties backed by SQL expressions, enumerations among them', async () => {
      // The subquery names the outer row's id through the table, as a joined query must.
      const computed = async (filter: string, orderby: OrderByItem[] = []): Promise<number[]> => {
        const filtered = applyODataFilter(db.selectFrom('devices').select('devices.id'), parseFilter(filter), computedProperties, dialect, { table: 'devices' });
        const rows = await applyODataOrderBy(filtered, orderby, computedProperties, dialect, { table: 'devices' }).orderBy('devices.id').execute();
        return rows.map((r: { id: number }) => Number(r.id));
      };
      const unknown = devices.map((d) => d.id).filter((id) => !deviceStates.some(([device]) => device === id));
      assert.deepEqual(await computed("complianceState eq 'noncompliant'"), [1, 4]);
      assert.deepEqual(await computed("complianceState eq 'NonCompliant'"), [1, 4], 'members are read ignoring case');
      assert.deepEqual(await computed("complianceState eq microsoft.graph.complianceState'compliant'"), [2]);
      assert.deepEqual(await computed("complianceState eq 'unknown'"), unknown, 'no row reads as the default');
      assert.deepEqual(await computed("complianceState ne 'unknown'"), [1, 2, 4, 5]);
      assert.deepEqual(await computed("'compliant' ne complianceState and not (complianceState eq 'unknown')"), [1, 4, 5]);
      assert.deepEqual(await computed("complianceState eq 'conflict' or complianceState eq null"), []);
      assert.deepEqual(await computed("complianceState eq 'noncompliant' and startswith(serialNumber,'SN-00')"), [1]);

      assert.deepEqual(await computed("operatingSystem eq 'Windows'"), devices.map((d) => d.id));
      assert.deepEqual(await computed("operatingSystem eq 'windows' and startswith(operatingSystem,'WIN')"), devices.map((d) => d.id));
      assert.deepEqual(await computed("operatingSystem eq 'iOS' or operatingSystem ne 'Windows'"), []);

      assert.deepEqual(await computed("importStatus eq 'imported'"), [1, 5, 7], 'stored codes show under their new names');
      assert.deepEqual(await computed("importStatus eq 'complete'"), [], 'and no longer under their old ones');
      assert.deepEqual(await computed("importStatus eq 'error' or importStatus eq 'PENDING'"), [3, 12], 'codes the mapping keeps or lacks show as stored');
      assert.deepEqual(await computed('importStatus eq null'), [4, 10], 'a null stays null');
      assert.deepEqual(await computed("importStatus ne 'waiting'"), [1, 3, 4, 5, 6, 7, 8, 9, 10, 12]);

      const byCompliance = (direction: 'asc' | 'desc'): OrderByItem[] => [{ path: ['complianceState'], direction }];
      assert.deepEqual(await computed("id ne 0", byCompliance('asc')), [...unknown, 2, 1, 4, 5], 'enumerations sort in declared order');
      assert.deepEqual(await computed("id ne 0", byCompliance('desc')), [5, 1, 4, 2, ...unknown]);
      assert.deepEqual(await computed("importStatus ne null", [{ path: ['importStatus'], direction: 'desc' }]), [2, 11, 6, 1, 5, 7, 3, 12, 8, 9]);

      const refuses = (filter: string, pattern: RegExp) =>
        assert.throws(
          () => applyODataFilter(db.selectFrom('devices').selectAll(), parseFilter(filter), computedProperties, dialect, { table: 'devices' }),
          (e: unknown) => e instanceof ODataError && e.code === 'odata.unsupported' && pattern.test(e.message),
          filter,
        );
      refuses("complianceState eq 'bogus'", /'bogus' is not a valid value of 'complianceState'; its values are unknown, compliant, noncompliant/);
      refuses('complianceState eq 2', /enumeration/);
      refuses("complianceState gt 'compliant'", /eq or ne/);
      refuses("'compliant' le complianceState", /eq or ne/);
      refuses("contains(complianceState,'compliant')", /enumeration/);
    });

    await t.test("'in' selects what an or of eq's selects, as SQL IN with bound parameters", async () => {
      assert.deepEqual(await ids("serialNumber in ('sn-001','SN-100','nope')"), [1, 4]);
      assert.deepEqual(await ids("deviceId in ('6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44', '0b7d1c8e-2f4a-4e61-8c2d-9a1b3c4d5e6f')"), [1, 2]);
      assert.deepEqual(await sqlIds(parseFilter('deviceId in (6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44, A1B2C3D4-0000-4000-8000-000000000001)'), false), [1, 4], 'GUIDs ignore case on a case-sensitive column');
      assert.deepEqual(await sqlIds(parseFilter("serialNumber in ('sn-001','SN-100')"), false), [4]);
      assert.deepEqual(await ids("not (groupTag in ('ops','SALES'))"), [3, 5, 7, 8, 9, 10, 11, 12], 'a null groupTag is not in the list');
      assert.deepEqual(await ids('groupTag in (null)'), [3, 10]);
      assert.deepEqual(await ids('enrollmentCount in (0, 2.5, 5, 100)'), [1, 4, 9, 11]);
      assert.deepEqual(await ids('isManaged in (false)'), [2, 5, 9, 12]);
      assert.deepEqual(await ids('registeredAt in (2024-01-01T01:00:00+01:00, 1999-01-01)'), [1, 6, 8]);
      assert.deepEqual(await ids("physicalIds/any(p:p in ('[orderid]:ops', '%'))"), [6, 8]);

      const statement = applyODataFilter(db.selectFrom('devices').select('id'), parseFilter("serialNumber in ('a''); drop table devices; --','b')"), propertyMap(false), dialect).compile();
      assert.match(statement.sql, dialect === 'postgres' ? / IN \(\$1, \$2\)\)$/ : / IN \(\?, \?\)\)$/);
      assert.deepEqual(statement.parameters, ["a'); drop table devices; --", 'b']);
      assert.doesNotMatch(statement.sql, /drop table/);

      await fc.assert(
        fc.asyncProperty(inLeaf, fc.boolean(), async (node, caseInsensitive) => {
          const asOr = orOfEqs(node as Extract<FilterNode, { kind: 'in' }>);
          assert.deepEqual(await sqlIds(node, caseInsensitive), await sqlIds(asOr, caseInsensitive), formatFilter(node));
          assert.deepEqual(await sqlIds(node, caseInsensitive), memoryIds(asOr, caseInsensitive), formatFilter(node));
        }),
        { numRuns: 200 },
      );
    });

    await t.test("'in' on properties backed by SQL expressions, and its refusals, are eq's", async () => {
      const computed = async (node: FilterNode): Promise<number[]> => {
        const rows = await applyODataFilter(db.selectFrom('devices').select('devices.id'), node, computedProperties, dialect, { table: 'devices' }).orderBy('devices.id').execute();
        return rows.map((r: { id: number }) => Number(r.id));
      };
      const unknown = devices.map((d) => d.id).filter((id) => !deviceStates.some(([device]) => device === id));
      assert.deepEqual(await computed(parseFilter("complianceState in ('NonCompliant','inGracePeriod')")), [1, 4, 5]);
      assert.deepEqual(await computed(parseFilter("complianceState in (microsoft.graph.complianceState'unknown')")), unknown);
      assert.deepEqual(await computed(parseFilter("not (complianceState in ('unknown','compliant'))")), [1, 4, 5]);
      assert.deepEqual(await computed(parseFilter("operatingSystem in ('iOS','WINDOWS')")), devices.map((d) => d.id));
      assert.deepEqual(await computed(parseFilter("importStatus in ('imported','PENDING')")), [1, 5, 7, 12]);

      const member = fc.constantFrom(...COMPLIANCE_STATES, 'NONCOMPLIANT', 'Compliant').map(str);
      const computedIn = fc.oneof(
        inList({ kind: 'property', path: ['complianceState'] }, member),
        inList({ kind: 'property', path: ['operatingSystem'] }, fc.constantFrom('windows', 'Windows', 'iOS', '').map(str)),
        inList({ kind: 'property', path: ['importStatus'] }, fc.constantFrom('imported', 'waiting', 'complete', 'error', 'PENDING', 'unknown').map(str)),
        inList({ kind: 'property', path: ['importStatus'] }, fc.constant(nul)),
      );
      await fc.assert(
        fc.asyncProperty(computedIn, async (node) => {
          assert.deepEqual(await computed(node), await computed(orOfEqs(node as Extract<FilterNode, { kind: 'in' }>)), formatFilter(node));
        }),
        { numRuns: 100 },
      );

      const refusal = (node: FilterNode, map: ODataPropertyMap): string => {
        try {
          applyODataFilter(db.selectFrom('devices').selectAll(), node, map, dialect, { table: 'devices' });
        } catch (e) {
          assert.ok(e instanceof ODataError && e.code === 'odata.unsupported', String(e));
          return e.message;
        }
        return assert.fail(`${formatFilter(node)} was accepted`);
      };
      for (const [filter, asEq, map] of [
        ["complianceState in ('noncompliant','bogus')", "complianceState eq 'bogus'", computedProperties],
        ['complianceState in (2)', 'complianceState eq 2', computedProperties],
        ["enrollmentCount in ('3')", "enrollmentCount eq '3'", propertyMap(true)],
        ['isManaged in (1)', 'isManaged eq 1', propertyMap(true)],
        ["registeredAt in ('2024')", "registeredAt eq '2024'", propertyMap(true)],
        ["secret in ('x')", "secret eq 'x'", propertyMap(true)],
        ["physicalIds in ('x')", "physicalIds eq 'x'", propertyMap(true)],
        ["physicalIds/any(p:displayName in ('x'))", "physicalIds/any(p:displayName eq 'x')", propertyMap(true)],
      ] as const) {
        assert.equal(refusal(parseFilter(filter), map), refusal(parseFilter(asEq), map), filter);
      }
    });

    await t.test('random filters select exactly the rows evaluateFilter selects', async () => {
      for (const caseInsensitive of [true, false]) {
        await fc.assert(
          fc.asyncProperty(sqlFilter, async (node) => {
            assert.deepEqual(await sqlIds(node, caseInsensitive), memoryIds(node, caseInsensitive), formatFilter(node));
          }),
          { numRuns: 400 },
        );
      }
    });

    await t.test('random filters survive printing and parsing on the way in', async () => {
      await fc.assert(
        fc.asyncProperty(sqlFilter, async (node) => {
          const reparsed = parseFilter(formatFilter(node), { maxLength: Infinity, maxDepth: 100 });
          assert.deepEqual(await sqlIds(reparsed), memoryIds(node));
        }),
        { numRuns: 100 },
      );
    });

    await t.test('random $orderby gives the order applyOrderBy gives', async () => {
      for (const caseInsensitive of [true, false]) {
        await fc.assert(
          fc.asyncProperty(orderBy, async (items) => {
            const full: OrderByItem[] = [...items, { path: ['id'], direction: 'asc' }];
            const rows = await applyODataOrderBy(db.selectFrom('devices').select('id'), full, propertyMap(caseInsensitive), dialect).execute();
            const expected = applyOrderBy(devices as unknown as Record<string, unknown>[], full, { caseInsensitive }).map((d) => d.id);
            assert.deepEqual(rows.map((r: { id: number }) => Number(r.id)), expected, JSON.stringify(items));
          }),
          { numRuns: 150 },
        );
      }
    });

    await t.test('random $orderby pages with a keyset exactly where the previous page stopped', async () => {
      for (const caseInsensitive of [true, false]) {
        await fc.assert(
          fc.asyncProperty(orderBy, fc.nat({ max: devices.length - 1 }), async (items, cut) => {
            // The id breaks ties, as every keyset order must end with a unique property.
            const full: OrderByItem[] = [...items, { path: ['id'], direction: 'asc' }];
            const ordered = applyOrderBy(devices as unknown as Record<string, unknown>[], full, { caseInsensitive });
            const after = full.map((item) => readODataPath(ordered[cut], item.path));
            const map = propertyMap(caseInsensitive);
            const rows = await applyODataOrderBy(applyODataKeyset(db.selectFrom('devices').select('id'), full, after, map, dialect), full, map, dialect).execute();
            assert.deepEqual(rows.map((r: { id: number }) => Number(r.id)), ordered.slice(cut + 1).map((d) => d.id), `${JSON.stringify(items)} after ${JSON.stringify(after)}`);
          }),
          { numRuns: 150 },
        );
      }
    });

    await t.test('a keyset position that does not fit the order is an ODataError', () => {
      const order: OrderByItem[] = [{ path: ['enrollmentCount'], direction: 'asc' }, { path: ['id'], direction: 'asc' }];
      for (const after of [[1], [1, 2, 3], ['1', 2], [1, 'x'], [Infinity, 1], [{}, 1]]) {
        assert.throws(
          () => applyODataKeyset(db.selectFrom('devices').selectAll(), order, after, propertyMap(true), dialect),
          (e: unknown) => e instanceof ODataError && e.option === '$skiptoken',
          JSON.stringify(after),
        );
      }
      assert.throws(() => applyODataKeyset(db.selectFrom('devices').selectAll(), [{ path: ['isManaged'], direction: 'asc' }], [1], propertyMap(true), dialect), ODataError);
      assert.throws(() => applyODataKeyset(db.selectFrom('devices').selectAll(), [{ path: ['displayName'], direction: 'asc' }], [false], propertyMap(true), dialect), ODataError);
    });

    const searchIds = async (node: SearchNode): Promise<number[]> => {
      const rows = await applyODataSearch(db.selectFrom('devices').select('id'), node, searchMap(), dialect).orderBy('id').execute();
      return rows.map((r: { id: number }) => Number(r.id));
    };
    const searched = (text: string) => searchIds(parseSearch(text));

    await t.test('$search: displayName by its words, other properties as startswith, wildcards taken literally', async () => {
      assert.deepEqual(await searched('"displayName:kio"'), [1, 2]);
      assert.deepEqual(await searched('"displayName:KIOSK 01"'), [1], 'every word must begin a word of the name');
      assert.deepEqual(await searched('"displayName:kiosk01"'), [1], 'words joined by a symbol are also one word');
      assert.deepEqual(await searched('"displayName:%"'), [3]);
      assert.deepEqual(await searched('"displayName:_"'), [5]);
      assert.deepEqual(await searched('"displayName:!"'), [8]);
      assert.deepEqual(await searched('"displayName:ab"'), [5], "a_b's joined word; axb has no word starting with ab");
      assert.deepEqual(await searched('"displayName:x"'), [], 'not inside a word');
      assert.deepEqual(await searched(`"displayName:'"`), [7]);
      assert.deepEqual(await searched('"displayName:brien lap"'), [7]);
      assert.deepEqual(await searched('"serialNumber:sn-0"'), [1, 2]);
      assert.deepEqual(await searched('"serialNumber:SN_"'), [3]);
      assert.deepEqual(await searched('"displayName:zebra" AND "serialNumber:zz" OR "groupTag:ops"'), [4, 5, 6, 11, 12]);
      assert.deepEqual(await searched('"displayName:zebra" AND ("serialNumber:zz" OR "groupTag:ops")'), [11, 12]);
    });

    await t.test('$search: what the translation refuses', () => {
      for (const text of ['"kiosk"', '"enrollmentCount:1"', '"secret:x"', '"physicalIds:x"']) {
        assert.throws(() => applyODataSearch(db.selectFrom('devices').selectAll(), parseSearch(text), searchMap(), dialect), ODataError, text);
      }
    });

    await t.test('random searches select exactly the rows evaluateSearch selects', async () => {
      await fc.assert(
        fc.asyncProperty(sqlSearch, async (node) => {
          const expected = devices.filter((d) => evaluateSearch(node, d as unknown as Record<string, unknown>, { tokenized: ['displayName'] })).map((d) => d.id);
          assert.deepEqual(await searchIds(node), expected, formatSearch(node));
        }),
        { numRuns: 300 },
      );
    });
  });
}
