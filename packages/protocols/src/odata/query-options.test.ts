import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQueryOptions, parseFilter, encodeSkiptoken, decodeSkiptoken, selectFields, applyOrderBy, ODataError } from './index.js';

function rejects(run: () => unknown, code: string, option?: string, position?: number) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ODataError, String(error));
    assert.equal(error.code, code, error.message);
    if (option !== undefined) assert.equal(error.option, option);
    if (position !== undefined) assert.equal(error.position, position, error.message);
    return true;
  });
}

test('every supported option, with names matched ignoring case', () => {
  const q = parseQueryOptions({
    $Filter: "serialNumber eq 'X'",
    $select: 'id, serialNumber,groupTag',
    $TOP: '25',
    $skip: '50',
    $skipToken: 'abc',
    $count: 'TRUE',
    $orderby: 'displayName desc, state/deviceImportStatus,serialNumber ASC',
    $expand: 'deploymentProfile,intendedDeploymentProfile',
    $search: '"displayName:room"',
    'api-version': 'ignored',
  });
  assert.deepEqual(q, {
    filter: parseFilter("serialNumber eq 'X'"),
    select: ['id', 'serialNumber', 'groupTag'],
    top: 25,
    skip: 50,
    skiptoken: 'abc',
    count: true,
    orderby: [
      { path: ['displayName'], direction: 'desc' },
      { path: ['state', 'deviceImportStatus'], direction: 'asc' },
      { path: ['serialNumber'], direction: 'asc' },
    ],
    expand: ['deploymentProfile', 'intendedDeploymentProfile'],
    search: { kind: 'term', property: 'displayName', text: 'room' },
  });
  assert.deepEqual(parseQueryOptions({}), {});
  assert.deepEqual(parseQueryOptions({ $filter: undefined }), {});
});

test('allowed lists restrict options and names, returning the canonical spelling', () => {
  const allowed = { options: ['select', 'top', 'orderby'] as const, select: ['id', 'displayName'], orderby: ['displayName'], maxTop: 100 };
  assert.deepEqual(parseQueryOptions({ $select: 'DISPLAYNAME', $orderby: 'displayname desc', $top: '100' }, { ...allowed, options: [...allowed.options] }), {
    select: ['displayName'],
    orderby: [{ path: ['displayName'], direction: 'desc' }],
    top: 100,
  });
  rejects(() => parseQueryOptions({ $filter: "a eq 'b'" }, { options: ['select'] }), 'odata.unsupported', '$filter');
  rejects(() => parseQueryOptions({ $select: 'id,secret' }, { select: ['id'] }), 'odata.unsupported', '$select', 3);
  rejects(() => parseQueryOptions({ $top: '101' }, { maxTop: 100 }), 'odata.syntax', '$top');
});

test('bad option values', () => {
  rejects(() => parseQueryOptions({ $apply: 'x' }), 'odata.unsupported', '$apply');
  rejects(() => parseQueryOptions({ $format: 'json' }), 'odata.unsupported');
  rejects(() => parseQueryOptions({ $filter: 'a', $FILTER: 'b' }), 'odata.syntax', '$filter');
  for (const top of ['0', '1000', '-1', '1.5', 'ten', '', '99999999999']) rejects(() => parseQueryOptions({ $top: top }), 'odata.syntax', '$top');
  assert.equal(parseQueryOptions({ $top: '999' }).top, 999);
  rejects(() => parseQueryOptions({ $skip: '-3' }), 'odata.syntax', '$skip');
  rejects(() => parseQueryOptions({ $count: 'yes' }), 'odata.syntax', '$count');
  rejects(() => parseQueryOptions({ $select: 'id,,name' }), 'odata.syntax', '$select', 3);
  rejects(() => parseQueryOptions({ $select: 'id, na-me' }), 'odata.syntax', '$select', 4);
  rejects(() => parseQueryOptions({ $expand: 'members($select=id)' }), 'odata.unsupported', '$expand');
  rejects(() => parseQueryOptions({ $expand: '*' }), 'odata.unsupported', '$expand');
  rejects(() => parseQueryOptions({ $orderby: 'displayName sideways' }), 'odata.syntax', '$orderby', 0);
  rejects(() => parseQueryOptions({ $orderby: 'a,  b c' }), 'odata.syntax', '$orderby', 4);
  rejects(() => parseQueryOptions({ $search: 'room' }), 'odata.syntax', '$search');
  rejects(() => parseQueryOptions({ $search: '"a"b"' }), 'odata.syntax', '$search', 3);
  assert.deepEqual(parseQueryOptions({ $search: '"say \\"hi\\""' }).search, { kind: 'term', text: 'say "hi"' });
  rejects(() => parseQueryOptions({ $search: '"a:b"' }, { search: { maxLength: 4 } }), 'odata.tooLong', '$search', 4);
  rejects(() => parseQueryOptions({ $skiptoken: '' }), 'odata.syntax', '$skiptoken');
  rejects(() => parseQueryOptions({ $filter: "a eq 'x' and" }), 'odata.syntax', '$filter', 12);
  rejects(() => parseQueryOptions({ $filter: 'a eq 1' }, { filter: { maxLength: 3 } }), 'odata.tooLong', '$filter', 3);
});

test('skiptokens round-trip and refuse anything else', () => {
  const cursor = { afterId: 'b6f1', n: 3, nested: { k: ['x'] } };
  const token = encodeSkiptoken(cursor);
  assert.match(token, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeSkiptoken(token), cursor);
  for (const bad of ['', '!!!', 'a', Buffer.from('[1,2]').toString('base64url'), Buffer.from('null').toString('base64url'), Buffer.from('{"a":').toString('base64url'), 'x'.repeat(5000)]) {
    assert.throws(() => decodeSkiptoken(bad), ODataError, bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        decodeSkiptoken(s);
      } catch (error) {
        if (!(error instanceof ODataError)) throw error;
      }
    }),
  );
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (c) => assert.deepEqual(decodeSkiptoken(encodeSkiptoken(c)), JSON.parse(JSON.stringify(c)))));
});

test('selectFields keeps the chosen properties and the annotations', () => {
  const entity = { '@odata.type': '#microsoft.graph.device', id: '1', displayName: 'a', deviceId: 'd' };
  assert.deepEqual(selectFields(entity, ['DisplayName', 'deviceid']), { '@odata.type': '#microsoft.graph.device', displayName: 'a', deviceId: 'd' });
  assert.deepEqual(selectFields(entity, undefined), entity);
});

test('applyOrderBy sorts stably, nulls first ascending, strings ignoring case by default', () => {
  const rows = [
    { id: 1, name: 'b', n: 2 },
    { id: 2, name: null, n: 1 },
    { id: 3, name: 'A', n: 2 },
    { id: 4, name: 'a', n: 1 },
    { id: 5, name: 'C', n: 0 },
  ];
  const ids = (r: typeof rows) => r.map((x) => x.id);
  assert.deepEqual(ids(applyOrderBy(rows, [{ path: ['name'], direction: 'asc' }])), [2, 3, 4, 1, 5]);
  assert.deepEqual(ids(applyOrderBy(rows, [{ path: ['name'], direction: 'desc' }])), [5, 1, 3, 4, 2]);
  assert.deepEqual(ids(applyOrderBy(rows, [{ path: ['name'], direction: 'asc' }], { caseInsensitive: false })), [2, 3, 5, 4, 1]);
  assert.deepEqual(ids(applyOrderBy(rows, [{ path: ['n'], direction: 'desc' }, { path: ['id'], direction: 'desc' }])), [3, 1, 4, 2, 5]);
  assert.deepEqual(ids(rows), [1, 2, 3, 4, 5], 'the input is not reordered');
});
