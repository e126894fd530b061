import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_RULE_LENGTH, type RuleComparisonNode, type RuleDialect, type RuleNode, type RuleOperator, type RulePropertyRef, type RuleScalarValue, type RuleValue } from './ast.js';
import { RuleError } from './errors.js';
import { evaluateRule } from './evaluate.js';
import { formatRule } from './format.js';
import { parseRule } from './parser.js';
import { RuleIndex } from './rule-index.js';

const TEXT_OPS: RuleOperator[] = ['eq', 'ne', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith', 'contains', 'notContains', 'in', 'notIn'];
const SAFE_PATTERNS = ['^Da.*', '.*vid', '^[A-Z]{3}-\\d+$', '(foo|bar)?baz', 'a\\\\b', '"quoted"', '`tick`'];

// Quotes, backticks and backslashes next to each other are where escaping goes wrong.
const tricky = fc.string({ unit: fc.constantFrom('"', "'", '`', '\\', 'a', 'Z', ' ', '\n', '(', ')', '-', '[', ']', ',', 'é', '😀', '_', '.'), maxLength: 12 });
const text = fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).filter((n) => !Object.is(n, -0));
const scalar: fc.Arbitrary<RuleScalarValue> = fc.oneof(
  { weight: 3, arbitrary: text.map((value) => ({ type: 'string' as const, value })) },
  { weight: 1, arbitrary: number.map((value) => ({ type: 'number' as const, value })) },
);
const list: fc.Arbitrary<RuleValue> = fc.array(scalar, { minLength: 1, maxLength: 4 }).map((items) => ({ type: 'array', items }));
const dateTime: fc.Arbitrary<RuleValue> = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => ({ type: 'dateTime', value: d.toISOString() }));
const now: fc.Arbitrary<RuleValue> = fc.oneof(
  fc.constant({ type: 'now' as const }),
  fc.record({ sign: fc.constantFrom('plus' as const, 'minus' as const), duration: fc.constantFrom('P1D', 'PT12H', 'P1Y2M3DT4H5M6S', 'P2W', 'PT30M') }).map((offset) => ({ type: 'now' as const, offset })),
);

function textComparison(property: RulePropertyRef, ops: RuleOperator[], extra: Partial<RuleComparisonNode> = {}): fc.Arbitrary<RuleNode> {
  return fc.constantFrom(...ops).chain((operator): fc.Arbitrary<RuleNode> => {
    const value: fc.Arbitrary<RuleValue> =
      operator === 'in' || operator === 'notIn'
        ? list
        : operator === 'match' || operator === 'notMatch'
          ? fc.constantFrom(...SAFE_PATTERNS).map((value) => ({ type: 'string', value }))
          : operator === 'eq' || operator === 'ne'
            ? fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.constant({ type: 'null' as const }) })
            : scalar;
    return value.map((v) => ({ kind: 'comparison', property, operator, value: v, ...extra }));
  });
}

const prop = (subject: 'user' | 'device', name: string): RulePropertyRef => ({ kind: 'property', subject, name });
const boolComparison = (property: RulePropertyRef) =>
  fc.record({
    kind: fc.constant('comparison' as const),
    property: fc.constant(property),
    operator: fc.constantFrom<RuleOperator>('eq', 'ne'),
    value: fc.oneof(fc.boolean().map((value): RuleValue => ({ type: 'boolean', value })), fc.constant<RuleValue>({ type: 'null' })),
  });

function tree(atom: fc.Arbitrary<RuleNode>, depth: number): fc.Arbitrary<RuleNode> {
  return fc.letrec<{ node: RuleNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      atom,
      fc.record({ kind: fc.constant('and' as const), left: tie('node'), right: tie('node') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('node'), right: tie('node') }),
      fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
    ),
  })).node;
}

const STRING_OPS: RuleOperator[] = [...TEXT_OPS, 'match', 'notMatch'];
const userAtom: fc.Arbitrary<RuleNode> = fc.oneof(
  fc.constantFrom('department', 'city', 'extensionAttribute7', 'mailNickName', 'userType').chain((n) => textComparison(prop('user', n), STRING_OPS)),
  boolComparison(prop('user', 'accountEnabled')),
  fc.record({
    kind: fc.constant('comparison' as const),
    property: fc.constant(prop('user', 'employeeHireDate')),
    operator: fc.constantFrom<RuleOperator>('eq', 'ne', 'le', 'ge'),
    value: fc.oneof(dateTime, now),
  }),
  fc.constantFrom('proxyAddresses', 'otherMails').chain((n) => textComparison(prop('user', n), STRING_OPS, { collection: 'eachElement' })),
  fc.record({
    kind: fc.constant('quantifier' as const),
    quantifier: fc.constantFrom('any' as const, 'all' as const),
    property: fc.constant({ kind: 'property' as const, subject: 'user' as const, name: 'proxyAddresses' }),
    predicate: tree(textComparison({ kind: 'element' }, STRING_OPS), 2),
  }),
  fc.record({
    kind: fc.constant('quantifier' as const),
    quantifier: fc.constantFrom('any' as const, 'all' as const),
    property: fc.constant({ kind: 'property' as const, subject: 'user' as const, name: 'assignedPlans' }),
    predicate: tree(
      fc.constantFrom('servicePlanId', 'capabilityStatus', 'service').chain((name) => textComparison({ kind: 'elementProperty', alias: 'assignedPlan', name }, STRING_OPS)),
      2,
    ),
  }),
);

const deviceAtom: fc.Arbitrary<RuleNode> = fc.oneof(
  fc.constantFrom('deviceOSType', 'enrollmentProfileName', 'displayName', 'extensionAttribute1').chain((n) => textComparison(prop('device', n), STRING_OPS)),
  boolComparison(prop('device', 'isRooted')),
  fc.record({
    kind: fc.constant('quantifier' as const),
    quantifier: fc.constantFrom('any' as const, 'all' as const),
    property: fc.constant({ kind: 'property' as const, subject: 'device' as const, name: 'devicePhysicalIds' }),
    predicate: tree(textComparison({ kind: 'element' }, STRING_OPS), 2),
  }),
  textComparison(prop('device', 'systemLabels'), ['contains', 'notContains', 'startsWith'], { collection: 'eachElement' }),
);

const filterAtom: fc.Arbitrary<RuleNode> = fc.oneof(
  fc.constantFrom('displayName', 'model', 'operatingSystemVersion', 'extensionAttribute15').chain((n) => textComparison(prop('device', n), TEXT_OPS)),
  fc.constantFrom('deviceId', 'mdmAppId').chain((n) => textComparison(prop('device', n), ['eq', 'ne', 'in', 'notIn'])),
  fc.constantFrom('trustType', 'deviceOwnership', 'profileType').chain((n) => textComparison(prop('device', n), ['eq', 'ne'])),
  boolComparison(prop('device', 'isCompliant')),
  fc.constantFrom('physicalIds', 'systemLabels').chain((n) => textComparison(prop('device', n), ['contains', 'notContains'], { collection: 'wholeElement' })),
);

const cases: Array<{ name: string; dialect: RuleDialect; rules: fc.Arbitrary<RuleNode> }> = [
  { name: 'dynamic user groups', dialect: 'dynamicGroup', rules: tree(userAtom, 4) },
  { name: 'dynamic device groups', dialect: 'dynamicGroup', rules: tree(deviceAtom, 4) },
  { name: 'device filters', dialect: 'deviceFilter', rules: tree(filterAtom, 4) },
];

for (const { name, dialect, rules } of cases) {
  test(`formatRule output parses back to the same tree: ${name}`, () => {
    fc.assert(
      fc.property(rules, (node) => {
        const printed = formatRule(node);
        fc.pre(printed.length <= MAX_RULE_LENGTH);
        // structuredClone: fc.record may build null-prototype objects, which deepStrictEqual tells apart.
        assert.deepStrictEqual(parseRule(printed, { dialect }), structuredClone(node), printed);
        assert.equal(formatRule(parseRule(printed, { dialect })), printed);
      }),
      { numRuns: 400 },
    );
  });
}

const subjectValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  text,
  fc.array(text, { maxLength: 4 }),
  fc.array(fc.dictionary(fc.constantFrom('servicePlanId', 'capabilityStatus', 'service', 'SERVICE'), fc.oneof(text, fc.anything({ maxDepth: 1 }))), { maxLength: 3 }),
  fc.date(),
  fc.boolean(),
);
const subjectKeys = fc.constantFrom(
  'department', 'city', 'extensionAttribute7', 'MAILNICKNAME', 'userType', 'accountEnabled', 'employeeHireDate', 'proxyAddresses', 'otherMails', 'assignedPlans',
  'deviceOSType', 'enrollmentProfileName', 'displayName', 'extensionAttribute1', 'isRooted', 'devicePhysicalIds', 'systemLabels', 'model', 'deviceId', 'mdmAppId',
  'trustType', 'isCompliant', 'physicalIds', 'operatingSystemVersion', 'extensionAttribute15', 'constructor', '__proto__',
);
const subject = fc.dictionary(subjectKeys, subjectValue, { maxKeys: 12 });

test('evaluateRule never throws for parsed rules, whatever the subject holds', () => {
  for (const { dialect, rules } of cases) {
    fc.assert(
      fc.property(rules, subject, (node, s) => {
        const parsed = parseRule(formatRule(node), { dialect });
        assert.equal(typeof evaluateRule(parsed, s), 'boolean');
        // Negation is exact: the two-valued semantics never leave a subject in neither camp.
        assert.equal(evaluateRule({ kind: 'not', operand: parsed }, s), !evaluateRule(parsed, s));
      }),
      { numRuns: 300 },
    );
  }
});

function onlyRuleErrors(input: string, dialect: RuleDialect): void {
  const started = performance.now();
  try {
    parseRule(input, { dialect });
  } catch (err) {
    if (!(err instanceof RuleError)) assert.fail(`expected RuleError for ${JSON.stringify(input)}, got ${String(err)}`);
    assert.ok(err.position >= 0 && err.position <= input.length, `position ${err.position} outside input`);
    assert.ok(err.length >= 0 && err.position + err.length <= input.length, `span ${err.position}+${err.length} outside input`);
    assert.ok(err.message.length > 0);
  }
  assert.ok(performance.now() - started < 250, `parsing took too long for ${JSON.stringify(input.slice(0, 80))}`);
}

const ruleAlphabet = fc.constantFrom(
  '(', ')', '[', ']', ',', '"', "'", '`', '\\', ' ', '-', '–', '_', '.', 'user.', 'device.', 'city', 'devicePhysicalIds', 'assignedPlan.servicePlanId',
  '-eq', 'eq', '-in', '-any', 'all', '-and', 'or', '-not', 'null', 'true', '12', '2020-01-01T00:00:00Z', 'system.now', '-plus', 'P1D', '"x"', '-match', '"(a+)+"', 'x',
);

test('random text only ever fails with RuleError, with a span inside the input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.constantFrom<RuleDialect>('dynamicGroup', 'deviceFilter'), (s, dialect) => onlyRuleErrors(s, dialect)),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.array(ruleAlphabet, { maxLength: 60 }).map((parts) => parts.join(' ')), fc.constantFrom<RuleDialect>('dynamicGroup', 'deviceFilter'), (s, dialect) =>
      onlyRuleErrors(s, dialect),
    ),
    { numRuns: 2000 },
  );
});

test('mutated valid rules only ever fail with RuleError', () => {
  const valid = fc.oneof(
    ...cases.map(({ dialect, rules }) => rules.map((node) => ({ dialect, rule: formatRule(node) }))),
  );
  fc.assert(
    fc.property(
      valid,
      fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'insert', 'replace'), text: ruleAlphabet }), { minLength: 1, maxLength: 5 }),
      ({ dialect, rule }, edits) => {
        let s = rule;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          if (e.op === 'delete') s = s.slice(0, at) + s.slice(at + 1 + (e.at % 5));
          else if (e.op === 'insert') s = s.slice(0, at) + e.text + s.slice(at);
          else s = s.slice(0, at) + e.text + s.slice(at + e.text.length);
        }
        onlyRuleErrors(s, dialect);
      },
    ),
    { numRuns: 1000 },
  );
});

test('pathological inputs up to the length limit parse or fail quickly', () => {
  const inputs = [
    '('.repeat(MAX_RULE_LENGTH),
    ')'.repeat(MAX_RULE_LENGTH),
    '-not '.repeat(MAX_RULE_LENGTH / 5),
    `${'('.repeat(63)}user.city -eq "a"${')'.repeat(63)}`,
    '"'.repeat(MAX_RULE_LENGTH),
    '`'.repeat(MAX_RULE_LENGTH),
    `user.city -in [${'"a",'.repeat(600)}"b"]`.slice(0, MAX_RULE_LENGTH),
    Array.from({ length: 160 }, () => 'user.city -eq "a"').join(' -and ').slice(0, MAX_RULE_LENGTH),
    Array.from({ length: 160 }, (_, i) => `${i % 3 ? '-or' : '-and'} user.city -eq "${i}"`).join(' ').slice(4, MAX_RULE_LENGTH),
    `user.displayName -match "${'(a|b)?'.repeat(80)}"`,
    `user.displayName -match "${'.*'.repeat(200)}"`,
    'user.'.repeat(600),
    `user.city -eq "${'x'.repeat(MAX_RULE_LENGTH)}`.slice(0, MAX_RULE_LENGTH),
  ];
  for (const input of inputs) {
    assert.ok(input.length <= MAX_RULE_LENGTH);
    for (const dialect of ['dynamicGroup', 'deviceFilter'] as const) onlyRuleErrors(input, dialect);
  }
  // Patterns at the checker's limits, against a value as long as Entra's longest string attribute.
  const value = 'a'.repeat(1024);
  for (const pattern of ['^.*a.*b', '.*b', '^(a|b)?\\w+\\d+x$', '^\\s*\\S*!', '[^x]+q', '(ab|a)?(a+b?)c', '^.*vid']) {
    const started = performance.now();
    assert.equal(evaluateRule(parseRule(`user.displayName -match "${pattern}"`, { dialect: 'dynamicGroup' }), { displayName: value }), false);
    assert.ok(performance.now() - started < 250, `${pattern} took ${performance.now() - started} ms`);
  }
  const longest = Array.from({ length: 160 }, () => 'user.city -eq "a"').join(' -and ').slice(0, 3060);
  const chain = longest.slice(0, longest.lastIndexOf(' -and'));
  const node = parseRule(chain, { dialect: 'dynamicGroup' });
  assert.equal(evaluateRule(node, { city: 'a' }), true);
  assert.deepEqual(parseRule(formatRule(node), { dialect: 'dynamicGroup' }), node);
});

/** The texts a rule compares against, so subjects can be built that hit (or nearly hit) them. */
function literals(node: RuleNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...literals(node.left), ...literals(node.right)];
    case 'not':
      return literals(node.operand);
    case 'quantifier':
      return literals(node.predicate);
    case 'comparison': {
      const v = node.value;
      if (v.type === 'array') return v.items.map((i) => String(i.value));
      return v.type === 'string' || v.type === 'number' ? [String(v.value)] : [];
    }
  }
}

/** A value made from the rules' own literals: exact, re-cased, extended, cut short, or in a collection. */
function nearLiteral(pool: string[]): fc.Arbitrary<unknown> {
  if (pool.length === 0) return subjectValue;
  const one = fc.tuple(fc.constantFrom(...pool), fc.constantFrom('same', 'upper', 'suffix', 'cut'), fc.nat()).map(([t, how, n]) =>
    how === 'upper' ? t.toUpperCase() : how === 'suffix' ? `${t}x${n}` : how === 'cut' ? t.slice(0, n % (t.length + 1)) : t,
  );
  return fc.oneof(one, fc.array(one, { maxLength: 3 }), fc.array(fc.array(one, { maxLength: 2 }), { maxLength: 2 }), subjectValue);
}

test('RuleIndex.candidates never leaves out a rule that holds for the subject', () => {
  for (const { dialect, rules } of cases) {
    const setup = fc.array(rules, { minLength: 1, maxLength: 6 }).chain((nodes) => {
      const parsed = nodes.map((n) => parseRule(formatRule(n), { dialect }));
      const pool = [...new Set(parsed.flatMap(literals))];
      return fc.tuple(fc.constant(parsed), fc.dictionary(subjectKeys, nearLiteral(pool), { maxKeys: 12 }));
    });
    let held = 0;
    fc.assert(
      fc.property(setup, ([parsed, s]) => {
        const candidates = new RuleIndex(parsed.map((node, i) => [i, node] as const)).candidates(s);
        parsed.forEach((node, i) => {
          if (!evaluateRule(node, s)) return;
          held++;
          assert.ok(candidates.has(i), `${formatRule(node)} holds for ${JSON.stringify(s)} but is not a candidate`);
        });
      }),
      { numRuns: 600 },
    );
    // The property is only worth something if rules do hold for the generated subjects.
    assert.ok(held > 100, `${dialect}: only ${held} rules held`);
  }
});
