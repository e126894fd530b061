import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphError } from '@baton/kit';
import { parseCollectionQuery, parseSerialFilter } from './odata.js';

test('serialNumber filters as Autopilot tooling writes them', () => {
  assert.deepEqual(parseSerialFilter("serialNumber eq '5CG1234XYZ'"), { equals: '5CG1234XYZ' });
  assert.deepEqual(parseSerialFilter("contains(serialNumber,'1234')"), { contains: '1234' });
  assert.deepEqual(parseSerialFilter("startswith(serialNumber, 'CZC')"), { startsWith: 'CZC' });
  assert.deepEqual(parseSerialFilter("serialNumber eq 'O''Brien and sons'"), { equals: "O'Brien and sons" });
  assert.deepEqual(parseSerialFilter("(startswith(serialNumber,'A')) and contains(serialNumber,'B')"), { startsWith: 'A', contains: 'B' });
  assert.deepEqual(parseSerialFilter(undefined), {});
});

test('anything else in $filter is refused, not ignored', () => {
  for (const filter of ["model eq 'x'", "serialNumber ne 'x'", "serialNumber eq 'x' or serialNumber eq 'y'", "contains(serialNumber,'x'", "serialNumber eq x"]) {
    assert.throws(() => parseSerialFilter(filter), (e: unknown) => e instanceof GraphError && e.statusCode === 400, filter);
  }
});

test('$top and $skiptoken are bounded integers', () => {
  assert.deepEqual(parseCollectionQuery({ $top: '5', $skiptoken: '10' }).page, { offset: 10, limit: 5 });
  assert.deepEqual(parseCollectionQuery({}).page, { offset: 0, limit: 100 });
  for (const query of [{ $top: '0' }, { $top: '1000' }, { $top: '-1' }, { $skiptoken: 'abc' }, { $top: ['1', '2'] }]) {
    assert.throws(() => parseCollectionQuery(query), (e: unknown) => e instanceof GraphError && e.statusCode === 400, JSON.stringify(query));
  }
});
