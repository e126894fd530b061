import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RuleDialect, RuleNode } from './ast.js';
import { RuleError, describeRuleError, type RuleErrorCode } from './errors.js';
import { evaluateRule } from './evaluate.js';
import { formatRule } from './format.js';
import { parseRule } from './parser.js';
import { referencedProperties } from './referenced.js';
import { RuleIndex } from './rule-index.js';

const group = (rule: string) => parseRule(rule, { dialect: 'dynamicGroup' });
const filter = (rule: string) => parseRule(rule, { dialect: 'deviceFilter' });
const matches = (rule: string, subject: Record<string, unknown>, dialect: RuleDialect = 'dynamicGroup') =>
  evaluateRule(parseRule(rule, { dialect }), subject);

function fails(rule: string, code: RuleErrorCode, at: { position: number; length?: number }, dialect: RuleDialect = 'dynamicGroup', message?: RegExp) {
  assert.throws(
    () => parseRule(rule, { dialect }),
    (err: unknown) => {
      assert.ok(err instanceof RuleError, `expected RuleError, got ${String(err)}`);
      assert.equal(err.code, code, `${err.code}: ${err.message}`);
      assert.equal(err.position, at.position, describeRuleError(rule, err));
      if (at.length !== undefined) assert.equal(err.length, at.length, describeRuleError(rule, err));
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe("Microsoft's documented examples", () => {
  test('Autopilot group tag: devicePhysicalIds -any (_ -eq "[OrderID]:Sales")', () => {
    const rule = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))';
    assert.deepEqual(group(rule), {
      kind: 'quantifier',
      quantifier: 'any',
      property: { kind: 'property', subject: 'device', name: 'devicePhysicalIds' },
      predicate: { kind: 'comparison', property: { kind: 'element' }, operator: 'eq', value: { type: 'string', value: '[OrderID]:Sales' } },
    });
    assert.equal(matches(rule, { devicePhysicalIds: ['[ZTDId]:abc', '[OrderID]:Sales'] }), true);
    assert.equal(matches(rule, { devicePhysicalIds: ['[orderid]:SALES'] }), true);
    assert.equal(matches(rule, { devicePhysicalIds: ['[OrderID]:Sales2'] }), false);
    assert.equal(matches(rule, {}), false);
  });

  test('all Autopilot devices, with and without parentheses around the element condition', () => {
    const device = { devicePhysicalIDs: ['[ZTDID]:6fa1c1c3', '[HWID]:h:1'] };
    assert.equal(matches('(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))', device), true);
    assert.equal(matches('device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"', device), true);
    assert.equal(matches('(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))', device), true);
    assert.equal(matches('(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))', { devicePhysicalIds: ['[HWID]:h:1'] }), false);
    assert.equal(
      formatRule(group('device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"')),
      'device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")',
    );
  });

  test('(user.department -eq "Sales") -and (user.accountEnabled -eq true)', () => {
    const rule = '(user.department -eq "Sales") -and (user.accountEnabled -eq true)';
    assert.equal(matches(rule, { department: 'sales', accountEnabled: true }), true);
    assert.equal(matches(rule, { department: 'Sales', accountEnabled: false }), false);
    assert.equal(matches(rule, { department: 'Sales', accountEnabled: 'True' }), true);
    assert.equal(formatRule(group(rule)), 'user.department -eq "Sales" -and user.accountEnabled -eq true');
  });

  test('assignedPlans -any with a typed element', () => {
    const rule = 'user.assignedPlans -any (assignedPlan.servicePlanId -eq "efb87545-963c-4e0d-99df-69c6916d9eb0" -and assignedPlan.capabilityStatus -eq "Enabled")';
    const plan = (servicePlanId: string, capabilityStatus: string) => ({ servicePlanId, capabilityStatus, service: 'exchange' });
    assert.equal(matches(rule, { assignedPlans: [plan('x', 'Enabled'), plan('EFB87545-963C-4E0D-99DF-69C6916D9EB0', 'enabled')] }), true);
    assert.equal(matches(rule, { assignedPlans: [plan('efb87545-963c-4e0d-99df-69c6916d9eb0', 'Suspended')] }), false);
    assert.equal(matches(rule, { assignedPlans: [plan('efb87545-963c-4e0d-99df-69c6916d9eb0', 'Suspended'), plan('x', 'Enabled')] }), false);
    assert.equal(matches('user.assignedPlans -any (assignedPlan.service -eq "SCO" -and assignedPlan.capabilityStatus -eq "Enabled")', { assignedPlans: [plan('a', 'Enabled')] }), false);
  });

  test('users with no assigned plan: -all over an empty collection is true', () => {
    const rule = 'user.assignedPlans -all (assignedPlan.servicePlanId -eq null)';
    assert.equal(matches(rule, {}), true);
    assert.equal(matches(rule, { assignedPlans: [] }), true);
    assert.equal(matches(rule, { assignedPlans: [{ servicePlanId: 'x' }] }), false);
  });

  test('device.deviceOSType -eq "Windows" and other device table rows', () => {
    assert.equal(matches('device.deviceOSType -eq "Windows"', { deviceOSType: 'windows' }), true);
    assert.equal(matches('(device.deviceOSType -eq "iPad") -or (device.deviceOSType -eq "iOS")', { deviceOSType: 'IOS' }), true);
    assert.equal(matches('device.deviceOSVersion -startsWith "10.0.1"', { deviceOSVersion: '10.0.19045.1' }), true);
    assert.equal(matches('device.deviceManagementAppId -eq "0000000a-0000-0000-c000-000000000000"', { deviceManagementAppId: '0000000A-0000-0000-C000-000000000000' }), true);
    assert.equal(matches('device.isRooted -eq true', { isRooted: false }), false);
    assert.equal(matches('device.objectId -ne null', { objectId: 'abc' }), true);
    assert.equal(matches('device.objectId -ne null', {}), false);
  });

  test('device.trustType -in ["AzureAd","ServerAd"]', () => {
    const rule = 'device.trustType -in ["AzureAd","ServerAd"]';
    assert.equal(matches(rule, { trustType: 'AzureAD' }), true);
    assert.equal(matches(rule, { trustType: 'Workplace' }), false);
    assert.equal(matches('device.trustType -notIn ["AzureAd","ServerAd"]', { trustType: 'Workplace' }), true);
    // The filter attribute table allows only Equals/NotEquals on trustType.
    fails(rule, 'rule.operator', { position: 17, length: 3 }, 'deviceFilter', /-eq, -ne/);
  });

  test('-in with a long department list, -and -not, proxyAddresses, All users', () => {
    assert.equal(matches('user.department -in ["50001","50002","50003"]', { department: '50002' }), true);
    assert.equal(matches('user.department -in [50001, 50002]', { department: '50002' }), true);
    const notSde = '(user.department -eq "Sales") -and -not (user.jobTitle -startsWith "SDE")';
    assert.equal(matches(notSde, { department: 'Sales', jobTitle: 'PM' }), true);
    assert.equal(matches(notSde, { department: 'Sales', jobTitle: 'sde II' }), false);
    assert.equal(matches('(user.proxyAddresses -any (_ -startsWith "contoso"))', { proxyAddresses: ['smtp:a@x', 'contoso:b'] }), true);
    assert.equal(matches('(user.objectId -ne null) -and (user.userType -eq "Member")', { objectId: '1', userType: 'Guest' }), false);
    assert.equal(matches('user.memberOf -any (group.objectId -in [\'g1\', \'g2\'])', { memberOf: [{ objectId: 'G2' }] }), true);
  });

  test('-match is an unanchored, case-insensitive regular expression', () => {
    for (const name of ['Da', 'Dav', 'David']) assert.equal(matches('user.displayName -match "^Da.*"', { displayName: name }), true);
    assert.equal(matches('user.displayName -match "^Da.*"', { displayName: 'aDa' }), false);
    assert.equal(matches('user.displayName -match ".*vid"', { displayName: 'David' }), true);
    assert.equal(matches('user.displayName -match ".*vid"', { displayName: 'Da' }), false);
    assert.equal(matches('user.city -match "ago"', { city: 'Lagos' }), true);
    assert.equal(matches('user.city -notMatch "ago"', { city: 'Lagos' }), false);
    assert.equal(matches('user.employeeId -match "^\\d{4}$"', { employeeId: '1234' }), true);
  });

  test('extension attributes and custom directory extensions', () => {
    assert.equal(matches('(user.extensionAttribute15 -eq "Marketing")', { extensionAttribute15: 'marketing' }), true);
    const custom = 'user.extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber -eq "123"';
    assert.deepEqual([...referencedProperties(group(custom))], ['user.extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber']);
    assert.equal(matches(custom, { extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber: 123 }), true);
  });

  test('employeeHireDate with system.now and absolute dates', () => {
    const now = new Date('2024-03-10T00:00:00Z');
    const rule = group('user.employeehiredate -ge system.now -plus p1d');
    assert.equal(formatRule(rule), 'user.employeeHireDate -ge system.now -plus P1D');
    assert.equal(evaluateRule(rule, { employeeHireDate: '2024-03-12T00:00:00Z' }, { now }), true);
    assert.equal(evaluateRule(rule, { employeeHireDate: new Date('2024-03-10T12:00:00Z') }, { now }), false);
    assert.equal(matches('user.employeeHireDate -le 2020-06-10T18:13:20Z', { employeeHireDate: '2019-01-01T00:00:00Z' }), true);
    assert.equal(matches('user.employeeHireDate -le "2020-06-10T18:13:20Z"', { employeeHireDate: '2021-01-01T00:00:00Z' }), false);
    assert.equal(evaluateRule(group('user.employeeHireDate -le system.now -minus P1M'), { employeeHireDate: '2024-02-10T00:00:00Z' }, { now }), true);
    assert.equal(matches('user.employeeHireDate -ge system.now', {}), false);
  });

  test('en dashes pasted from the docs are read as operators', () => {
    assert.deepEqual(group('user.mail –ne null'), group('user.mail -ne null'));
    assert.deepEqual(group('user.department –eq "Marketing" –and user.country –eq "US"'), group('user.department -eq "Marketing" -and user.country -eq "US"'));
  });
});

describe('conditional-access device filters', () => {
  test('examples from the filter attribute table', () => {
    const saw = filter('device.extensionAttribute1 -ne "SAW"');
    assert.equal(evaluateRule(saw, { extensionAttribute1: 'saw' }), false);
    assert.equal(evaluateRule(filter('(device.deviceid -eq "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb")'), { deviceId: 'AAAAAAAA-0000-1111-2222-BBBBBBBBBBBB' }), true);
    assert.equal(evaluateRule(filter('(device.isCompliant -eq "True")'), { isCompliant: true }), true);
    assert.equal(formatRule(filter('(device.isCompliant -eq "True")')), 'device.isCompliant -eq true');
    assert.equal(evaluateRule(filter('(device.mdmAppId -in ["00001111-aaaa-2222-bbbb-3333cccc4444"])'), { mdmAppId: '00001111-aaaa-2222-bbbb-3333cccc4444' }), true);
    assert.equal(evaluateRule(filter('(device.model -notContains "Surface")'), { model: 'Surface Laptop 5' }), false);
    assert.equal(evaluateRule(filter('(device.operatingSystemVersion -in ["10.0.18363", "10.0.19041"])'), { operatingSystemVersion: '10.0.19041' }), true);
    assert.equal(evaluateRule(filter('(device.physicalIds -contains "[ZTDId]:value")'), { physicalIds: ['[USER-GID]:x', '[ZTDID]:VALUE'] }), true);
    assert.equal(evaluateRule(filter('(device.systemLabels -contains "M365Managed")'), { systemLabels: ['MultiUser', 'M365Managed'] }), true);
  });

  test('an unregistered device (all null): positive operators never match, negative operators do', () => {
    for (const rule of ['device.trustType -eq "AzureAD"', 'device.model -contains "a"', 'device.physicalIds -contains "[ZTDId]:x"', 'device.isCompliant -eq true', 'device.deviceId -in ["a"]']) {
      assert.equal(evaluateRule(filter(rule), {}), false, rule);
    }
    for (const rule of ['device.trustType -ne "AzureAD"', 'device.model -notContains "a"', 'device.physicalIds -notContains "[ZTDId]:x"', 'device.isCompliant -ne true', 'device.deviceId -notIn ["a"]']) {
      assert.equal(evaluateRule(filter(rule), {}), true, rule);
    }
  });

  test('operators and properties outside the filter tables are refused', () => {
    fails('device.physicalIds -startsWith "[ZTDId]"', 'rule.operator', { position: 19, length: 11 }, 'deviceFilter', /-contains, -notContains/);
    fails('device.physicalIds -any (_ -eq "x")', 'rule.operator', { position: 19, length: 4 }, 'deviceFilter');
    fails('device.displayName -match "^A"', 'rule.operator', { position: 19, length: 6 }, 'deviceFilter');
    fails('device.devicePhysicalIds -contains "x"', 'rule.unknownProperty', { position: 0, length: 24 }, 'deviceFilter', /did you mean device\.physicalIds/);
    fails('user.department -eq "Sales"', 'rule.unknownProperty', { position: 0, length: 15 }, 'deviceFilter', /only use device properties/);
    assert.throws(() => parseRule('device.model -eq "x"', { dialect: 'deviceFilter', subject: 'user' }), RangeError);
  });
});

describe('-contains on collections differs between the dialects', () => {
  // Dynamic groups: "The Contains operator does partial string matches but not item in a collection
  // matches". Device filters: for string collections it "indicates whether a specified string matches
  // one of the whole strings in the collection".
  const device = { systemLabels: ['M365Managed', 'MultiUser'] };

  test('dynamic groups: substring of any element', () => {
    assert.equal(matches('device.systemLabels -contains "365"', device), true);
    assert.equal(matches('device.systemLabels -notContains "365"', device), false);
    assert.deepEqual(group('device.systemLabels -contains "365"'), { ...filter('device.systemLabels -contains "365"'), collection: 'eachElement' });
    assert.equal((filter('device.systemLabels -contains "365"') as { collection?: string }).collection, 'wholeElement');
  });

  test('device filters: equality with a whole element', () => {
    assert.equal(matches('device.systemLabels -contains "365"', device, 'deviceFilter'), false);
    assert.equal(matches('device.systemLabels -notContains "365"', device, 'deviceFilter'), true);
    assert.equal(matches('device.systemLabels -contains "m365managed"', device, 'deviceFilter'), true);
    assert.equal(matches('device.systemLabels -notContains "M365Managed"', device, 'deviceFilter'), false);
  });

  test('direct comparisons on dynamic-group collections apply to each element', () => {
    const user = { proxyAddresses: ['SMTP:a@contoso.com', 'smtp:a@outlook.com'] };
    assert.equal(matches('user.proxyAddresses -startsWith "SMTP:a@"', user), true);
    assert.equal(matches('user.proxyAddresses -notEndsWith "@outlook.com"', user), false);
    assert.equal(matches('user.proxyAddresses -notEndsWith "@fabrikam.com"', user), true);
    assert.equal(matches('user.otherMails -eq null', {}), true);
  });
});

describe('precedence and spelling', () => {
  const a = 'user.city -eq "a"';
  const b = 'user.city -eq "b"';
  const c = 'user.city -eq "c"';
  const leaf = (v: string): RuleNode => ({ kind: 'comparison', property: { kind: 'property', subject: 'user', name: 'city' }, operator: 'eq', value: { type: 'string', value: v } });

  test('-not binds tighter than -and, which binds tighter than -or', () => {
    assert.deepEqual(group(`${a} -or ${b} -and ${c}`), { kind: 'or', left: leaf('a'), right: { kind: 'and', left: leaf('b'), right: leaf('c') } });
    assert.deepEqual(group(`${a} -and ${b} -or ${c}`), { kind: 'or', left: { kind: 'and', left: leaf('a'), right: leaf('b') }, right: leaf('c') });
    assert.deepEqual(group(`-not ${a} -and ${b}`), { kind: 'and', left: { kind: 'not', operand: leaf('a') }, right: leaf('b') });
    assert.deepEqual(group(`-not (${a} -and ${b})`), { kind: 'not', operand: { kind: 'and', left: leaf('a'), right: leaf('b') } });
    assert.deepEqual(group(`(${a} -or ${b}) -and ${c}`), { kind: 'and', left: { kind: 'or', left: leaf('a'), right: leaf('b') }, right: leaf('c') });
    assert.deepEqual(group(`${a} -and ${b} -and ${c}`), { kind: 'and', left: { kind: 'and', left: leaf('a'), right: leaf('b') }, right: leaf('c') });
  });

  test('the printer keeps the tree: right-nested operands and lower precedence get parentheses', () => {
    const tree: RuleNode = { kind: 'and', left: leaf('a'), right: { kind: 'and', left: leaf('b'), right: { kind: 'or', left: leaf('c'), right: leaf('a') } } };
    assert.equal(formatRule(tree), 'user.city -eq "a" -and (user.city -eq "b" -and (user.city -eq "c" -or user.city -eq "a"))');
    assert.deepEqual(group(formatRule(tree)), tree);
  });

  test('operators with or without the dash, in any case', () => {
    const dashed = group('user.city -eq "x" -and -not user.country -ne "y" -or user.state -startsWith "z"');
    assert.deepEqual(group('user.city eq "x" and not user.country ne "y" or user.state startsWith "z"'), dashed);
    assert.deepEqual(group('user.city -EQ "x" -AND -NOT user.country -Ne "y" -Or user.state -STARTSWITH "z"'), dashed);
    assert.deepEqual(group('user.CITY -eq "x" and NOT user.Country ne "y" OR user.state startswith "z"'), dashed);
    for (const op of ['notStartsWith', 'endsWith', 'notEndsWith', 'contains', 'notContains', 'match', 'notMatch']) {
      assert.deepEqual(group(`user.city ${op.toLowerCase()} "x"`), group(`user.city -${op} "x"`));
    }
    assert.deepEqual(group('user.city in ["a"] or user.city notin ["b"]'), group('user.city -in ["a"] -or user.city -notIn ["b"]'));
    fails('user.operatingSystem -eq "Windows"', 'rule.unknownProperty', { position: 0, length: 20 }, 'dynamicGroup');
    fails('device.operatingSystem -eq "Windows"', 'rule.unknownProperty', { position: 0, length: 22 }, 'dynamicGroup', /did you mean device\.deviceOSType/);
    assert.deepEqual(group('device.devicePhysicalIds any (_ eq "x")'), group('device.devicePhysicalIds -any (_ -eq "x")'));
  });
});

describe('strings', () => {
  const value = (rule: string) => {
    const n = group(rule);
    assert.ok(n.kind === 'comparison' && n.value.type === 'string');
    return n.value.value;
  };

  test('escapes: backtick (documented), \\" (JSON habit), doubled single quotes, literal backslashes', () => {
    assert.equal(value('user.department -eq "`"Sales`""'), '"Sales"');
    assert.equal(value('user.department -eq "a\\"b"'), 'a"b');
    assert.equal(value('user.department -eq "a``b"'), 'a`b');
    assert.equal(value("user.department -eq 'O''Brien'"), "O'Brien");
    assert.equal(value('user.department -eq "C:\\temp\\d+"'), 'C:\\temp\\d+');
    assert.equal(value('user.department -eq "ends with `\\"'), 'ends with \\');
    assert.equal(value('user.department -eq "null"'), 'null');
  });

  test('the printer escapes what the lexer would misread', () => {
    for (const s of ['"', '`', '\\', 'a\\"b', '\\\\', "it's", '`"`']) {
      const node = group(`user.department -eq ${formatRule({ kind: 'comparison', property: { kind: 'property', subject: 'user', name: 'department' }, operator: 'eq', value: { type: 'string', value: s } }).slice('user.department -eq '.length)}`);
      assert.ok(node.kind === 'comparison' && node.value.type === 'string');
      assert.equal(node.value.value, s);
    }
  });
});

describe('errors name what was expected and where', () => {
  test('typical mistakes', () => {
    // Missing -and between two conditions (Entra's "Query compilation error").
    fails('(user.department -eq "Sales") (user.city -eq "X")', 'rule.syntax', { position: 30, length: 1 }, 'dynamicGroup', /-and, -or/);
    fails('user.department -eq "Sales" user.city -eq "X"', 'rule.syntax', { position: 28, length: 9 }, 'dynamicGroup', /-and, -or/);
    fails('user.departmnt -eq "Sales"', 'rule.unknownProperty', { position: 0, length: 14 }, 'dynamicGroup', /did you mean user\.department/);
    fails('user.department -equals "Sales"', 'rule.operator', { position: 16, length: 7 }, 'dynamicGroup', /-eq/);
    fails('user.department equals "Sales"', 'rule.operator', { position: 16, length: 6 }, 'dynamicGroup', /-eq/);
    fails('user.department -eq Sales', 'rule.syntax', { position: 20, length: 5 }, 'dynamicGroup', /double quotes/);
    fails('user.department -eq "Sales', 'rule.syntax', { position: 20, length: 6 }, 'dynamicGroup', /never closed/);
    fails('(user.department -eq "Sales"', 'rule.syntax', { position: 28, length: 0 }, 'dynamicGroup', /'\)'/);
    fails('user.department -eq "Sales")', 'rule.syntax', { position: 27, length: 1 }, 'dynamicGroup', /without a matching/);
    fails('user.department -eq "Sales" -and', 'rule.syntax', { position: 32, length: 0 }, 'dynamicGroup', /Expected a condition/);
    fails('', 'rule.syntax', { position: 0, length: 0 }, 'dynamicGroup', /empty/);
    fails('user.department "Sales"', 'rule.syntax', { position: 16, length: 7 }, 'dynamicGroup', /operator/);
    fails('department -eq "Sales"', 'rule.unknownProperty', { position: 0, length: 10 });
    fails('user.department -eq "a" -and device.deviceOSType -eq "Windows"', 'rule.unknownProperty', { position: 29, length: 19 }, 'dynamicGroup', /mix/);
    assert.throws(
      () => parseRule('device.deviceOSType -eq "Windows"', { dialect: 'dynamicGroup', subject: 'user' }),
      (err: unknown) => err instanceof RuleError && err.code === 'rule.unknownProperty' && err.position === 0 && /about users/.test(err.message),
    );
    assert.doesNotThrow(() => parseRule('device.deviceOSType -eq "Windows"', { dialect: 'dynamicGroup', subject: 'device' }));
  });

  test('type and operator mismatches', () => {
    fails('user.accountEnabled -eq "yes"', 'rule.type', { position: 24, length: 5 }, 'dynamicGroup', /true or false/);
    fails('user.accountEnabled -startsWith "t"', 'rule.operator', { position: 20, length: 11 });
    fails('user.department -eq true', 'rule.type', { position: 20, length: 4 }, 'dynamicGroup', /double quotes/);
    fails('user.department -contains null', 'rule.type', { position: 26, length: 4 }, 'dynamicGroup', /-eq or -ne/);
    fails('user.department -in "Sales"', 'rule.type', { position: 20, length: 7 }, 'dynamicGroup', /list/);
    fails('user.department -eq ["a", "b"]', 'rule.type', { position: 20, length: 10 }, 'dynamicGroup', /-in/);
    fails('user.department -in []', 'rule.syntax', { position: 20, length: 2 });
    fails('user.department -in ["a" "b"]', 'rule.syntax', { position: 25, length: 3 }, 'dynamicGroup', /','/);
    fails('user.department -le "x"', 'rule.operator', { position: 16, length: 3 }, 'dynamicGroup', /dates/);
    fails('user.employeeHireDate -ge "yesterday"', 'rule.type', { position: 26, length: 11 }, 'dynamicGroup', /ISO 8601/);
    fails('user.employeeHireDate -ge system.now -plus tomorrow', 'rule.syntax', { position: 43, length: 8 }, 'dynamicGroup', /duration/);
    fails('user.assignedPlans -eq "x"', 'rule.operator', { position: 19, length: 3 }, 'dynamicGroup', /-any or -all/);
    fails('user.department -any (_ -eq "x")', 'rule.operator', { position: 16, length: 4 }, 'dynamicGroup', /multi-valued/);
    fails('_ -eq "x"', 'rule.syntax', { position: 0, length: 1 }, 'dynamicGroup', /-any/);
    fails('user.proxyAddresses -any (user.city -eq "x")', 'rule.syntax', { position: 26, length: 9 }, 'dynamicGroup', /only _/);
    fails('user.assignedPlans -any (assignedPlan.servicePlan -eq "x")', 'rule.unknownProperty', { position: 25, length: 24 }, 'dynamicGroup', /servicePlanId/);
    fails('user.assignedPlans -any (_ -eq "x")', 'rule.syntax', { position: 25, length: 1 }, 'dynamicGroup', /assignedPlan\./);
    fails('user.proxyAddresses -any (_ -any (_ -eq "x"))', 'rule.syntax', { position: 28, length: 4 }, 'dynamicGroup', /nested/);
    fails('user.city -eq 12ab', 'rule.syntax', { position: 14, length: 4 });
    fails('user.city -eq "a" & user.city -eq "b"', 'rule.syntax', { position: 18, length: 1 }, 'dynamicGroup', /'&'/);
  });

  test('the 3,072-character limit', () => {
    const prefix = 'user.department -eq "';
    const exact = `${prefix}${'x'.repeat(3072 - prefix.length - 1)}"`;
    assert.equal(exact.length, 3072);
    assert.doesNotThrow(() => group(exact));
    const over = `${prefix}${'x'.repeat(3072 - prefix.length)}"`;
    fails(over, 'rule.tooLong', { position: 3072, length: 1 }, 'dynamicGroup', /3072/);
    fails('x'.repeat(100_000), 'rule.tooLong', { position: 3072, length: 100_000 - 3072 });
  });

  test('nesting is bounded', () => {
    const deep = (n: number) => `${'('.repeat(n)}user.city -eq "a"${')'.repeat(n)}`;
    assert.doesNotThrow(() => group(deep(60)));
    fails(deep(65), 'rule.syntax', { position: 64, length: 1 }, 'dynamicGroup', /64 levels/);
    fails(`${'-not '.repeat(65)}user.city -eq "a"`, 'rule.syntax', { position: 320, length: 4 });
  });

  test('describeRuleError underlines the offending text', () => {
    try {
      group('user.departmnt -eq "Sales"');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof RuleError);
      assert.equal(describeRuleError('user.departmnt -eq "Sales"', err).split('\n')[2], `  ${'^'.repeat(14)}`);
    }
  });
});

describe('-match patterns are checked before they can run', () => {
  test('catastrophic shapes, backreferences, invalid and over-long patterns are refused', () => {
    for (const pattern of ['a.*a.*b', '.*?ago.*', '\\w+\\s*\\d+', '^[^a]*[^b]*[^c]*', `${'a+'.repeat(17)}`, '(a+)+$', '(a*)*', '(a|aa)+', '(\\w+\\s?)*$', '((ab)+c?)+', '(x+){2,}', '(a)\\1', '(?<n>a)\\k<n>', '[', 'a{', '(']) {
      const rule = `user.displayName -match "${pattern}"`;
      if (pattern === 'a{') {
        assert.doesNotThrow(() => group(rule), 'a lone brace is a literal in JavaScript patterns');
        continue;
      }
      fails(rule, 'rule.regex', { position: 24, length: pattern.length + 2 }, 'dynamicGroup');
    }
    fails(`user.displayName -match "${'a'.repeat(513)}"`, 'rule.regex', { position: 24 }, 'dynamicGroup', /512/);
  });

  test('ordinary patterns are accepted', () => {
    for (const pattern of ['^Da.*', '.*vid', 'ago', '^.*foo.*$', '^[A-Z]{3}-\\d+$', '(foo|bar)?baz', '(ab)+', '^(?:EU|US)-\\d{4}$', '[(+*]+']) {
      assert.doesNotThrow(() => group(`user.displayName -match "${pattern}"`), pattern);
    }
  });
});

describe('referencedProperties', () => {
  test('collects subject properties, collections for -any/-all, canonical spelling', () => {
    const rule = group(
      '(user.Department -eq "Sales" -or user.city -in ["a"]) -and -not (user.assignedPlans -any (assignedPlan.servicePlanId -eq "x")) -and user.department -ne null',
    );
    assert.deepEqual([...referencedProperties(rule)].sort(), ['user.assignedPlans', 'user.city', 'user.department']);
    assert.deepEqual([...referencedProperties(group('(device.devicePhysicalIDs -any (_ -contains "[ZTDID]"))'))], ['device.devicePhysicalIds']);
    assert.deepEqual([...referencedProperties(filter('device.physicalIds -contains "x" -and device.extensionAttribute3 -eq "y"'))], ['device.physicalIds', 'device.extensionAttribute3']);
  });
});

describe('RuleIndex', () => {
  const rules: Record<string, string> = {
    sales: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))',
    kiosk: '(device.devicePhysicalIDs -any (_ -eq "[orderid]:KIOSK"))',
    win10: 'device.deviceOSType -eq "Windows" -and device.deviceOSVersion -startsWith "10.0.1"',
    win11: 'device.deviceOSType -eq "Windows" -and device.deviceOSVersion -startsWith "10.0.2"',
    lab: 'device.displayName -startsWith "LAB-" -or device.displayName -in ["spare-1", "spare-2"]',
    labTagged: '-not (device.displayName -notStartsWith "LAB-") -and (device.devicePhysicalIds -any (_ -startsWith "[OrderID]:"))',
    autopilot: '(device.devicePhysicalIds -any (_ -contains "[ZTDId]"))',
    notSales: '-not (device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))',
  };
  const index = new RuleIndex(Object.entries(rules).map(([name, rule]) => [name, group(rule)] as const));
  const candidates = (subject: Record<string, unknown>) => [...index.candidates(subject)].sort();

  test('a device is a candidate only for the rules whose literals its values match, ignoring case', () => {
    const device = { devicePhysicalIds: ['[ZTDID]:abc', '[OrderId]:SALES'], deviceOSType: 'windows', deviceOSVersion: '10.0.22631.1', displayName: 'PC-1' };
    assert.deepEqual(candidates(device), ['autopilot', 'notSales', 'sales', 'win11']);
    assert.deepEqual(candidates({ ...device, displayName: 'lab-7' }), ['autopilot', 'lab', 'labTagged', 'notSales', 'sales', 'win11']);
    assert.deepEqual(candidates({ displayName: 'Spare-2' }), ['autopilot', 'lab', 'notSales']);
  });

  test('rules that a missing value satisfies, or that need -contains, are always candidates', () => {
    assert.deepEqual(candidates({}), ['autopilot', 'notSales']);
  });
});
