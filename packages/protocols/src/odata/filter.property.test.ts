import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mutated } from '../testing/arbitraries.js';
import { parseFilter, formatFilter, ODataError, FILTER_COMPARISON_OPERATORS, FILTER_STRING_FUNCTIONS, type FilterNode, type FilterLiteral, type FilterOperand } from './index.js';

// Names never collide with keywords or with range variables, so the parser reads them back as properties.
const propertyName = fc.constantFrom('displayName', 'serialNumber', 'groupTag', 'state', 'deviceImportStatus', 'n', 'accountEnabled', 'x_1');
const variableName = fc.constantFrom('p', 'q', 'd');
const guid = fc.uuid().chain((u) => fc.boolean().map((upper) => (upper ? u.toUpperCase() : u)));
const datetime = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().slice(0, 10),
      d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      d.toISOString().replace(/Z$/, '+05:30'),
      d.toISOString().replace(/\.\d{3}Z$/, '.2908994-08:00'),
    ),
  );

// One arbitrary per literal type, so an `in` list can draw all its values from one of them.
const literalsByType: fc.Arbitrary<FilterLiteral>[] = [
  fc.string({ unit: 'binary', maxLength: 12 }).map((value) => ({ kind: 'literal' as const, type: 'string' as const, value })),
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => ({ kind: 'literal' as const, type: 'number' as const, value: Object.is(n, -0) ? 0 : n })),
  fc.boolean().map((value) => ({ kind: 'literal' as const, type: 'boolean' as const, value })),
  fc.constant({ kind: 'literal' as const, type: 'null' as const, value: null }),
  guid.map((value) => ({ kind: 'literal' as const, type: 'guid' as const, value })),
  datetime.map((value) => ({ kind: 'literal' as const, type: 'datetime' as const, value })),
  fc.string({ maxLength: 6 }).map((value) => ({ kind: 'literal' as const, type: 'enum' as const, value, enumType: 'microsoft.graph.deviceType' })),
];
const literal: fc.Arbitrary<FilterLiteral> = fc.oneof(...literalsByType);
const inValues: fc.Arbitrary<FilterLiteral[]> = fc.oneof(...literalsByType.map((arb) => fc.array(arb, { minLength: 1, maxLength: 15 })));

function operand(scope: string[]): fc.Arbitrary<FilterOperand> {
  const path = fc.array(propertyName, { minLength: 1, maxLength: 3 });
  const refs: fc.Arbitrary<FilterOperand>[] = [literal, path.map((p) => ({ kind: 'property' as const, path: p }))];
  if (scope.length > 0) {
    refs.push(fc.tuple(fc.constantFrom(...scope), fc.array(propertyName, { maxLength: 2 })).map(([name, p]) => ({ kind: 'variable' as const, name, path: p })));
  }
  return fc.oneof(...refs);
}

function filterNode(scope: string[], depth: number): fc.Arbitrary<FilterNode> {
  const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom(...FILTER_COMPARISON_OPERATORS), left: operand(scope), right: operand(scope) }),
    fc.record({ kind: fc.constant('function' as const), name: fc.constantFrom(...FILTER_STRING_FUNCTIONS), args: fc.tuple(operand(scope), operand(scope)) }),
    fc.array(propertyName, { minLength: 1, maxLength: 2 }).map((path): FilterNode => ({ kind: 'lambda', op: 'any', collection: { kind: 'property', path } })),
    fc.tuple(operand(scope).filter((o) => o.kind !== 'literal'), inValues).map(([o, values]): FilterNode => ({ kind: 'in', operand: o as Exclude<FilterOperand, FilterLiteral>, values })),
  );
  if (depth <= 0) return leaf;
  const sub = () => filterNode(scope, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: sub(), right: sub() }) },
    { weight: 1, arbitrary: sub().map((o): FilterNode => ({ kind: 'not', operand: o })) },
    {
      weight: 1,
      arbitrary: fc.tuple(variableName, fc.constantFrom('any' as const, 'all' as const), fc.array(propertyName, { minLength: 1, maxLength: 2 })).chain(([variable, op, path]) =>
        filterNode([...scope.filter((s) => s !== variable), variable], depth - 1).map((predicate): FilterNode => ({ kind: 'lambda', op, collection: { kind: 'property', path }, variable, predicate })),
      ),
    },
  );
}

// fc.record may build null-prototype objects; the parser builds plain ones.
const anyFilter = filterNode([], 4).map((node) => JSON.parse(JSON.stringify(node)) as FilterNode);

function onlyODataErrors(input: string, options?: Parameters<typeof parseFilter>[1]): void {
  try {
    parseFilter(input, options);
  } catch (error) {
    if (!(error instanceof ODataError)) throw error;
    assert.ok(error.position >= 0 && error.position <= Math.max(input.length, options?.maxLength ?? 2048), `position ${error.position} outside input`);
  }
}

test('printing a random AST and parsing it back gives the same AST', () => {
  fc.assert(
    fc.property(anyFilter, (node) => {
      const text = formatFilter(node);
      assert.deepEqual(parseFilter(text, { maxLength: Infinity, maxDepth: 100 }), node, text);
    }),
    { numRuns: 2000 },
  );
});

test('random strings only ever fail with ODataError', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => onlyODataErrors(s)), { numRuns: 3000 });
  const alphabet = fc.constantFrom(..." ()',:/-.eqandornotany0123456789abcdefTZ+$@\"".split(''));
  fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 60 }), (s) => onlyODataErrors(s)), { numRuns: 3000 });
});

test('mutated valid filters only ever fail with ODataError', () => {
  fc.assert(
    fc.property(
      anyFilter.chain((node) => mutated(formatFilter(node))),
      (s) => onlyODataErrors(s, { maxLength: Infinity }),
    ),
    { numRuns: 2000 },
  );
});

test("hostile 'in' lists only ever fail with ODataError", () => {
  const item = fc.oneof(
    fc.constantFrom("'x'", "''''", "'it''s'", "'''", "'", '1', '-0.5e3', 'null', 'true', 'x', 'a/b', '()', '(', ')', ',', "startswith(a,'b')", "microsoft.graph.t'v'", "microsoft.graph.u'v'", '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44', '2024-01-01T00:00:00Z', ' '),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const list = fc.tuple(fc.array(item, { maxLength: 40 }), fc.constantFrom(',', ' , ', ',,', ' ', ''), fc.constantFrom('(', '((', ''), fc.constantFrom(')', '))', ''));
  fc.assert(
    fc.property(propertyName, fc.constantFrom('in', 'IN', 'not in', 'in in'), list, fc.nat({ max: 20 }), (name, op, [items, sep, open, close], maxInValues) => {
      onlyODataErrors(`${name} ${op} ${open}${items.join(sep)}${close}`);
      onlyODataErrors(`not (${name} ${op} ${open}${items.join(sep)}${close}) or ${name} eq 1`, { maxInValues });
    }),
    { numRuns: 3000 },
  );
});

test('very long and deeply nested inputs fail fast with ODataError', () => {
  const started = performance.now();
  for (const input of [
    '('.repeat(100_000),
    `${'('.repeat(100_000)}a eq 1${')'.repeat(100_000)}`,
    `${'not '.repeat(100_000)}a eq 1`,
    `a eq '${"''".repeat(200_000)}`,
    `${'a/'.repeat(100_000)}b eq 1`,
    `${"a eq 'x' or ".repeat(50_000)}`,
    'x'.repeat(1_000_000),
    `a eq ${'9'.repeat(100_000)}`,
    `a in (${"'x',".repeat(200_000)}'x')`,
    `a in (${'1,'.repeat(200_000)}'x')`,
    `a in ${'('.repeat(100_000)}'x'${')'.repeat(100_000)}`,
    `${'not ('.repeat(100_000)}a in ('x')${')'.repeat(100_000)}`,
    `${"a in ('x') or ".repeat(50_000)}a in ('y')`,
    `a in ('${"''".repeat(200_000)}')`,
  ]) {
    onlyODataErrors(input);
    onlyODataErrors(input, { maxLength: Infinity, maxDepth: Infinity, maxInValues: Infinity });
  }
  assert.ok(performance.now() - started < 10_000, 'hostile inputs take linear time');
});
