import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, evaluateFilter, formatFilter, ODataError, type FilterNode } from './index.js';

const prop = (...path: string[]) => ({ kind: 'property' as const, path });
const str = (value: string) => ({ kind: 'literal' as const, type: 'string' as const, value });
const eq = (name: string, value: string): FilterNode => ({ kind: 'compare', op: 'eq', left: prop(name), right: str(value) });

function rejects(input: string, code: string, position: number, message?: RegExp, options?: Parameters<typeof parseFilter>[1]) {
  assert.throws(
    () => parseFilter(input, options),
    (error: unknown) => {
      assert.ok(error instanceof ODataError, `expected ODataError for ${input}, got ${String(error)}`);
      assert.equal(error.code, code, `${input}: ${error.message}`);
      assert.equal(error.position, position, `${input}: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

test('precedence: not binds tighter than and, and tighter than or', () => {
  assert.deepEqual(parseFilter("a eq '1' or b eq '2' and c eq '3'"), { kind: 'or', left: eq('a', '1'), right: { kind: 'and', left: eq('b', '2'), right: eq('c', '3') } });
  assert.deepEqual(parseFilter("a eq '1' and b eq '2' or c eq '3'"), { kind: 'or', left: { kind: 'and', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') });
  assert.deepEqual(parseFilter("not a eq '1' and b eq '2'"), { kind: 'and', left: { kind: 'not', operand: eq('a', '1') }, right: eq('b', '2') });
  assert.deepEqual(parseFilter("(a eq '1' or b eq '2') and c eq '3'"), { kind: 'and', left: { kind: 'or', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') });
  assert.deepEqual(parseFilter("a eq '1' or b eq '2' or c eq '3'"), { kind: 'or', left: { kind: 'or', left: eq('a', '1'), right: eq('b', '2') }, right: eq('c', '3') });
});

test('keywords and function names are case-insensitive', () => {
  assert.deepEqual(parseFilter("a EQ '1' AND NOT b Eq '2'"), parseFilter("a eq '1' and not b eq '2'"));
  assert.deepEqual(parseFilter("startsWith(a,'x') Or endsWith(a,'y')"), parseFilter("startswith(a,'x') or endswith(a,'y')"));
  assert.deepEqual(parseFilter('a eq TRUE'), parseFilter('a eq true'));
});

test('the filters real tools send', () => {
  assert.deepEqual(parseFilter("contains(serialNumber,'X')"), { kind: 'function', name: 'contains', args: [prop('serialNumber'), str('X')] });
  assert.deepEqual(parseFilter("serialNumber eq 'X'"), eq('serialNumber', 'X'));
  assert.deepEqual(parseFilter("azureActiveDirectoryDeviceId eq '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44'"), eq('azureActiveDirectoryDeviceId', '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44'));
  assert.deepEqual(parseFilter("physicalIds/any(p:startswith(p,'[ZTDID]'))"), {
    kind: 'lambda',
    op: 'any',
    collection: prop('physicalIds'),
    variable: 'p',
    predicate: { kind: 'function', name: 'startswith', args: [{ kind: 'variable', name: 'p', path: [] }, str('[ZTDID]')] },
  });
  assert.deepEqual(parseFilter("deviceId eq '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44'"), eq('deviceId', '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44'));
  assert.deepEqual(parseFilter("displayName eq 'x' and startswith(groupTag,'S')"), {
    kind: 'and',
    left: eq('displayName', 'x'),
    right: { kind: 'function', name: 'startswith', args: [prop('groupTag'), str('S')] },
  });
  assert.deepEqual(parseFilter("not(trustType eq 'AzureAd')"), { kind: 'not', operand: eq('trustType', 'AzureAd') });
  assert.deepEqual(parseFilter("operatingSystem eq 'Windows'"), eq('operatingSystem', 'Windows'));
});

test('literals', () => {
  const right = (input: string) => (parseFilter(`x eq ${input}`) as Extract<FilterNode, { kind: 'compare' }>).right;
  assert.deepEqual(right("'it''s'"), str("it's"));
  assert.deepEqual(right("''"), str(''));
  assert.deepEqual(right('42'), { kind: 'literal', type: 'number', value: 42 });
  assert.deepEqual(right('-1.5e3'), { kind: 'literal', type: 'number', value: -1500 });
  assert.deepEqual(right('false'), { kind: 'literal', type: 'boolean', value: false });
  assert.deepEqual(right('null'), { kind: 'literal', type: 'null', value: null });
  assert.deepEqual(right('6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44'), { kind: 'literal', type: 'guid', value: '6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44' });
  assert.deepEqual(right('deadbeef-8d1e-4a51-9a3e-0c2f8d7b1e44'), { kind: 'literal', type: 'guid', value: 'deadbeef-8d1e-4a51-9a3e-0c2f8d7b1e44' });
  assert.deepEqual(right('2024-01-01T00:00:00Z'), { kind: 'literal', type: 'datetime', value: '2024-01-01T00:00:00Z' });
  assert.deepEqual(right('2016-12-31T23:58:44.2908994-08:00'), { kind: 'literal', type: 'datetime', value: '2016-12-31T23:58:44.2908994-08:00' });
  assert.deepEqual(right('2024-02-29'), { kind: 'literal', type: 'datetime', value: '2024-02-29' });
  assert.deepEqual(right("microsoft.graph.deviceType'windows'"), { kind: 'literal', type: 'enum', value: 'windows', enumType: 'microsoft.graph.deviceType' });
});

test('paths, lambdas and range variables', () => {
  assert.deepEqual(parseFilter("state/deviceImportStatus eq 'pending'"), { kind: 'compare', op: 'eq', left: prop('state', 'deviceImportStatus'), right: str('pending') });
  assert.deepEqual(parseFilter("tags/all(t:t ne 'x')"), {
    kind: 'lambda',
    op: 'all',
    collection: prop('tags'),
    variable: 't',
    predicate: { kind: 'compare', op: 'ne', left: { kind: 'variable', name: 't', path: [] }, right: str('x') },
  });
  assert.deepEqual(parseFilter('physicalIds/any()'), { kind: 'lambda', op: 'any', collection: prop('physicalIds') });
  const nested = parseFilter("owners/any(o:o/roles/any(r:r eq 'admin') and o/name eq p)");
  assert.equal(formatFilter(nested), "owners/any(o:o/roles/any(r:r eq 'admin') and o/name eq p)");
  // Outside the lambda `p` is an ordinary property again.
  assert.deepEqual((parseFilter("ids/any(p:p eq 'a') and p eq 'b'") as Extract<FilterNode, { kind: 'and' | 'or' }>).right, eq('p', 'b'));
});

test('syntax errors name what was expected and where', () => {
  rejects('', 'odata.syntax', 0, /empty/);
  rejects("a eq 'x' and", 'odata.syntax', 12, /expected a property or a literal but found end of input/);
  rejects("a eq 'x", 'odata.syntax', 5, /closing '/);
  rejects("(a eq 'x'", 'odata.syntax', 9, /expected '\)'/);
  rejects("a eq 'x')", 'odata.syntax', 8, /expected 'and', 'or' or end of input/);
  rejects("a 'x'", 'odata.syntax', 2, /comparison operator/);
  rejects("startswith(a 'x')", 'odata.syntax', 13, /expected ','/);
  rejects("a eq #", 'odata.syntax', 5, /Unexpected character '#'/);
  rejects('a eq 2024-13-01', 'odata.syntax', 5, /DateTimeOffset/);
  rejects("ids/any(p p eq 'x')", 'odata.syntax', 10, /':'/);
  rejects('ids/all()', 'odata.syntax', 8, /range variable/);
  rejects("and eq 'x'", 'odata.syntax', 0, /property name/);
  rejects('a eq 1e999', 'odata.syntax', 5, /out of range/);
});

test('constructs outside the subset are refused as unsupported', () => {
  rejects("tolower(a) eq 'x'", 'odata.unsupported', 0, /tolower/);
  rejects("a has microsoft.graph.flags'x'", 'odata.unsupported', 2, /'has'/);
  rejects("a add 1 eq 2", 'odata.unsupported', 2);
  rejects("ids/count() eq 1", 'odata.unsupported', 4);
  rejects("$it eq 'x'", 'odata.unsupported', 0);
  rejects("microsoft.graph.user/a eq 'x'", 'odata.unsupported', 0);
  rejects("a eq length(b)", 'odata.unsupported', 5);
});

test("'in' reads a list of literals of one type", () => {
  assert.deepEqual(parseFilter("a in ('x','y')"), { kind: 'in', operand: prop('a'), values: [str('x'), str('y')] });
  assert.deepEqual(parseFilter("a IN ( 'x' )"), { kind: 'in', operand: prop('a'), values: [str('x')] });
  assert.deepEqual(parseFilter('state/n in (1, 2.5)'), { kind: 'in', operand: prop('state', 'n'), values: [{ kind: 'literal', type: 'number', value: 1 }, { kind: 'literal', type: 'number', value: 2.5 }] });
  assert.deepEqual(parseFilter("not (a in ('x')) and b eq 'y'"), { kind: 'and', left: { kind: 'not', operand: { kind: 'in', operand: prop('a'), values: [str('x')] } }, right: eq('b', 'y') });
  assert.deepEqual(parseFilter("ids/any(p:p in ('a','b'))"), {
    kind: 'lambda',
    op: 'any',
    collection: prop('ids'),
    variable: 'p',
    predicate: { kind: 'in', operand: { kind: 'variable', name: 'p', path: [] }, values: [str('a'), str('b')] },
  });
  const guids = '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44,6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E45';
  assert.equal(formatFilter(parseFilter(`id in (${guids})`)), `id in (${guids})`);
  assert.equal(formatFilter(parseFilter("x in (microsoft.graph.complianceState'unknown',microsoft.graph.complianceState'compliant')")), "x in (microsoft.graph.complianceState'unknown',microsoft.graph.complianceState'compliant')");
  assert.equal(formatFilter(parseFilter("a in ('it''s')")), "a in ('it''s')");
});

test("'in' lists that are empty, nested, not literals, mixed or too long are refused", () => {
  rejects('a in ()', 'odata.syntax', 6, /expected a literal in the 'in' list but found '\)'/);
  rejects("a in (('x'))", 'odata.syntax', 6, /found '\('/);
  rejects("a in ('x',)", 'odata.syntax', 10, /literal/);
  rejects("a in ('x' 'y')", 'odata.syntax', 10, /',' or '\)'/);
  rejects("a in ('x'", 'odata.syntax', 9, /',' or '\)'/);
  rejects("a in 'x'", 'odata.syntax', 5, /'\('/);
  rejects('a in b', 'odata.unsupported', 5, /collection/);
  rejects("a in ('x', b)", 'odata.unsupported', 11, /not a literal/);
  rejects("a in ('x', startswith(a,'y'))", 'odata.unsupported', 11, /not a literal/);
  rejects("a in ('x', 1)", 'odata.unsupported', 11, /a number literal, the first a string literal/);
  rejects("a in ('x', null)", 'odata.unsupported', 11, /one type/);
  rejects("a in (microsoft.graph.a'x', microsoft.graph.b'y')", 'odata.unsupported', 28, /microsoft\.graph\.b/);
  rejects("'x' in ('x')", 'odata.unsupported', 4, /property/);
  const list = (n: number) => Array.from({ length: n }, (_, i) => `'v${i}'`).join(',');
  assert.equal((parseFilter(`a in (${list(15)})`) as Extract<FilterNode, { kind: 'in' }>).values.length, 15);
  rejects(`a in (${list(16)})`, 'odata.tooLong', 6 + list(15).length + 1, /Too many values in the 'in' list at position 5: more than 15\. Max allowed: 15\./);
  assert.equal((parseFilter(`a in (${list(100)})`, { maxInValues: Infinity }) as Extract<FilterNode, { kind: 'in' }>).values.length, 100);
  rejects(`a in (${list(3)})`, 'odata.tooLong', 16, /Max allowed: 2/, { maxInValues: 2 });
});

test('length and depth limits', () => {
  rejects(`a eq '${'x'.repeat(3000)}'`, 'odata.tooLong', 2048);
  assert.doesNotThrow(() => parseFilter(`a eq '${'x'.repeat(3000)}'`, { maxLength: 4000 }));
  rejects(`${'('.repeat(40)}a eq 1${')'.repeat(40)}`, 'odata.depth', 32);
  assert.doesNotThrow(() => parseFilter(`${'('.repeat(40)}a eq 1${')'.repeat(40)}`, { maxDepth: 40 }));
  rejects(`${'not '.repeat(5)}a eq 1`, 'odata.depth', 12, undefined, { maxDepth: 3 });
  // A caller's generous limits still stop short of exhausting the stack.
  const deep = `${'('.repeat(50_000)}a eq 1${')'.repeat(50_000)}`;
  assert.throws(() => parseFilter(deep, { maxLength: Infinity, maxDepth: Infinity }), (e: unknown) => e instanceof ODataError && e.code === 'odata.depth');
});

test('long chains evaluate and print without deep recursion', () => {
  const terms = Array.from({ length: 20_000 }, (_, i) => `n eq ${i}`).join(' or ');
  const node = parseFilter(terms, { maxLength: Infinity });
  assert.equal(evaluateFilter(node, { n: 19_999 }), true);
  assert.equal(evaluateFilter(node, { n: -1 }), false);
  assert.equal(formatFilter(node), terms);
});

test('evaluation follows Graph semantics', () => {
  const device = {
    displayName: 'Kiosk-01',
    groupTag: null,
    serialNumber: 'SN_100%',
    trustType: 'AzureAd',
    accountEnabled: true,
    count: 3,
    registeredDateTime: '2024-03-01T10:00:00.000Z',
    deviceId: '6f9a9c2b-8d1e-4a51-9a3e-0c2f8d7b1e44',
    physicalIds: ['[ZTDID]:abc', '[OrderId]:Sales'],
    state: { deviceImportStatus: 'complete' },
  };
  const ok = (filter: string, expected: boolean, options?: { caseInsensitive?: boolean }) =>
    assert.equal(evaluateFilter(parseFilter(filter), device, options), expected, filter);
  ok("displayName eq 'kiosk-01'", true);
  ok("displayName eq 'kiosk-01'", false, { caseInsensitive: false });
  ok("DisplayName eq 'Kiosk-01'", true);
  ok("contains(serialNumber,'_100%')", true);
  ok("startswith(displayName,'KIO') and endswith(displayName,'01')", true);
  ok('groupTag eq null', true);
  ok("groupTag ne 'x'", true);
  ok("groupTag eq 'x'", false);
  ok("groupTag lt 'x'", false);
  ok("not(groupTag gt 'x')", true);
  ok("startswith(groupTag,'')", false);
  ok('missing eq null', true);
  ok('accountEnabled eq true and count ge 3 and count lt 4', true);
  ok('count eq 3.0', true);
  ok("count eq '3'", false);
  ok('registeredDateTime gt 2024-03-01T09:59:59Z and registeredDateTime lt 2024-03-01T11:00:01+01:00', true);
  ok('registeredDateTime lt 2024-03-01T11:00:00+01:00', false);
  ok('deviceId eq 6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44', true);
  ok('deviceId eq 6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44', true, { caseInsensitive: false });
  ok("physicalIds/any(p:startswith(p,'[ZTDID]'))", true);
  ok("physicalIds/any(p:p eq '[orderid]:sales')", true);
  ok("physicalIds/all(p:startswith(p,'['))", true);
  ok("physicalIds/all(p:startswith(p,'[Z'))", false);
  ok('physicalIds/any()', true);
  ok("missing/any(p:p eq 'x')", false);
  ok("missing/all(p:p eq 'x')", true);
  ok("state/deviceImportStatus eq 'Complete'", true);
  ok("trustType eq microsoft.graph.trustType'azuread'", true);
  ok("not(trustType eq 'AzureAd')", false);
  ok("displayName in ('x','KIOSK-01')", true);
  ok("displayName in ('x','KIOSK-01')", false, { caseInsensitive: false });
  ok("displayName in ('x','Kiosk-01')", true, { caseInsensitive: false });
  ok("not (displayName in ('x','kiosk-01'))", false);
  ok("not (groupTag in ('x'))", true);
  ok("groupTag in ('x')", false);
  ok('groupTag in (null)', true);
  ok('count in (1, 3.0)', true);
  ok("count in ('3')", false);
  ok('deviceId in (00000000-0000-0000-0000-000000000000, 6F9A9C2B-8D1E-4A51-9A3E-0C2F8D7B1E44)', true, { caseInsensitive: false });
  ok('registeredDateTime in (2024-03-01T11:00:00+01:00)', true);
  ok("physicalIds/any(p:p in ('[orderid]:sales','y'))", true);
  ok("trustType in (microsoft.graph.trustType'workplace', microsoft.graph.trustType'azuread')", true);
  ok("state/deviceImportStatus in ('pending','COMPLETE')", true);
});
