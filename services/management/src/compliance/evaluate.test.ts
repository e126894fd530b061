import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { deviceVerdict, evaluateDevice, evaluatePolicy, type PolicyResult } from './evaluate.js';
import { FACT, type DeviceFacts } from './facts.js';
import { defaultSettings, type ComplianceSettings, type ScheduledActionForRule } from './policy.js';

const AT = '2026-11-26T10:00:00.000Z';
const healthy: Record<string, string> = {
  [FACT.osVersion]: '10.0.22631.2861',
  [FACT.encryption]: '1',
  [FACT.secureBoot]: '1',
  [FACT.tpmVersion]: '2.0',
  [FACT.antivirus]: '0',
  [FACT.antivirusSignature]: '0',
  [FACT.antispyware]: '0',
  [FACT.firewall]: '0',
  [FACT.codeIntegrity]: '0',
  [FACT.virtualizationBasedSecurity]: '0',
  [FACT.defenderEnabled]: 'true',
  [FACT.rtpEnabled]: 'true',
};
function facts(overrides: Record<string, string | undefined> = {}): DeviceFacts {
  return { ...healthy, ...overrides };
}
const policy = (settings: Partial<ComplianceSettings>, scheduledActions: ScheduledActionForRule[] = []) => ({
  id: 'p1',
  settings: { ...defaultSettings(), ...settings } as ComplianceSettings,
  scheduledActions,
});
const block = (gracePeriodHours: number): ScheduledActionForRule[] => [
  {
    id: 'r',
    ruleName: 'PasswordRequired',
    scheduledActionConfigurations: [{ id: 'a', actionType: 'block', gracePeriodHours, notificationTemplateId: '', notificationMessageCCList: [] }],
  },
];

describe('compliance evaluation', () => {
  const cases: Array<[string, string, string, string]> = [
    // setting, fact, failing value, what the result shows
    ['bitLockerEnabled', FACT.encryption, '0', 'notEncrypted'],
    ['storageRequireEncryption', FACT.encryption, '0', 'notEncrypted'],
    ['secureBootEnabled', FACT.secureBoot, '2', 'disabled'],
    ['codeIntegrityEnabled', FACT.codeIntegrity, '1', 'disabled'],
    ['memoryIntegrityEnabled', FACT.codeIntegrity, '3', 'temporarilyOff'],
    ['virtualizationBasedSecurityEnabled', FACT.virtualizationBasedSecurity, '2', 'partial'],
    ['tpmRequired', FACT.tpmVersion, 'Not available', 'Not available'],
    ['activeFirewallRequired', FACT.firewall, '1', 'disabled'],
    ['antivirusRequired', FACT.antivirus, '2', 'partial'],
    ['antiSpywareRequired', FACT.antispyware, '1', 'disabled'],
    ['defenderEnabled', FACT.defenderEnabled, 'false', 'false'],
    ['rtpEnabled', FACT.rtpEnabled, 'false', 'false'],
    ['signatureOutOfDate', FACT.antivirusSignature, '1', 'outOfDate'],
  ];
  for (const [setting, fact, failing, shown] of cases) {
    test(`${setting}: compliant on a healthy device, nonCompliant when ${fact} is ${failing}, error when unreported`, () => {
      const p = policy({ [setting]: true });
      assert.equal(evaluatePolicy(p, facts()).state, 'compliant');
      const bad = evaluatePolicy(p, facts({ [fact]: failing }));
      assert.equal(bad.state, 'nonCompliant');
      assert.deepEqual(
        bad.settings.map((s) => [s.settingName, s.state, s.currentValue]),
        [[setting, 'nonCompliant', shown]],
      );
      const missing = evaluatePolicy(p, facts({ [fact]: undefined }));
      assert.equal(missing.state, 'error');
      assert.match(missing.settings[0]!.reason ?? '', new RegExp(fact.replace(/\//g, '\\/')));
    });
  }

  test('a setting left false checks nothing; a policy that configures nothing is compliant', () => {
    const result = evaluatePolicy(policy({}), facts({ [FACT.encryption]: '0' }));
    assert.deepEqual(result, { policyId: 'p1', state: 'compliant', settings: [] });
  });

  test('OS version bounds compare dotted numbers, not strings', () => {
    const p = policy({ osMinimumVersion: '10.0.19045', osMaximumVersion: '10.0.22631.9999' });
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.22631.2861' })).state, 'compliant');
    // "10.0.9" sorts above "10.0.19045" as text; as a version it is far below.
    const old = evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.9.1' }));
    assert.deepEqual(
      old.settings.map((s) => [s.settingName, s.state, s.currentValue, s.expectedValue]),
      [
        ['osMinimumVersion', 'nonCompliant', '10.0.9.1', '>= 10.0.19045'],
        ['osMaximumVersion', 'compliant', '10.0.9.1', '<= 10.0.22631.9999'],
      ],
    );
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.26100.1' })).state, 'nonCompliant');
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.19045' })).state, 'compliant', 'bounds are inclusive');
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: 'Windows 11' })).state, 'error');
  });

  test('valid build ranges: inside any range is compliant', () => {
    const p = policy({
      validOperatingSystemBuildRanges: [
        { description: '22H2', lowestVersion: '10.0.22621.0', highestVersion: '10.0.22621.9999' },
        { description: '24H2', lowestVersion: '10.0.26100.0', highestVersion: '10.0.26100.9999' },
      ],
    });
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.26100.2314' })).state, 'compliant');
    assert.equal(evaluatePolicy(p, facts({ [FACT.osVersion]: '10.0.22631.2861' })).state, 'nonCompliant');
  });

  test('settings Baton cannot read are notApplicable, and do not make a policy compliant or not', () => {
    const only = evaluatePolicy(policy({ passwordRequired: true, passwordMinimumLength: 8 }), facts());
    assert.equal(only.state, 'notApplicable');
    assert.deepEqual(only.settings.map((s) => s.settingName).sort(), ['passwordMinimumLength', 'passwordRequired']);
    const mixed = evaluatePolicy(policy({ passwordRequired: true, bitLockerEnabled: true }), facts({ [FACT.encryption]: '0' }));
    assert.equal(mixed.state, 'nonCompliant');
  });

  test('the device takes the worst policy; notApplicable policies do not count; no policy is compliant', () => {
    const r = (state: PolicyResult['state']) => ({ result: { policyId: state, state, settings: [] }, noncompliantSince: state === 'nonCompliant' ? AT : null, graceHours: 0 });
    const now = new Date(AT);
    assert.equal(deviceVerdict([], now).state, 'compliant');
    assert.equal(deviceVerdict([r('notApplicable')], now).state, 'compliant');
    assert.equal(deviceVerdict([r('compliant'), r('nonCompliant')], now).state, 'noncompliant');
    assert.equal(deviceVerdict([r('nonCompliant'), r('error')], now).state, 'error');
    assert.equal(deviceVerdict([r('nonCompliant')], now).isCompliant, false);
  });

  test('a block action grace period keeps a noncompliant device in grace, then lets it lapse', () => {
    const p = policy({ bitLockerEnabled: true }, block(24));
    const off = facts({ [FACT.encryption]: '0' });
    const first = evaluateDevice([p], off, () => null, new Date(AT));
    assert.equal(first.verdict.state, 'inGracePeriod');
    assert.equal(first.verdict.isCompliant, true);
    assert.equal(first.verdict.graceExpiresAt, '2026-11-27T10:00:00.000Z');
    assert.equal(first.results[0]!.noncompliantSince, AT);
    // Re-evaluated later: the streak start is kept, so grace does not restart.
    const later = evaluateDevice([p], off, () => AT, new Date('2026-11-27T09:59:59.000Z'));
    assert.equal(later.verdict.state, 'inGracePeriod');
    const lapsed = evaluateDevice([p], off, () => AT, new Date('2026-11-27T10:00:00.000Z'));
    assert.deepEqual(lapsed.verdict, { state: 'noncompliant', graceExpiresAt: null, isCompliant: false });
    // Fixed: compliant again, the streak ends.
    const fixed = evaluateDevice([p], facts(), () => AT, new Date('2026-11-28T00:00:00.000Z'));
    assert.equal(fixed.verdict.state, 'compliant');
    assert.equal(fixed.results[0]!.noncompliantSince, null);
  });

  test('no block action or zero hours: noncompliant at once', () => {
    const off = facts({ [FACT.encryption]: '0' });
    assert.equal(evaluateDevice([policy({ bitLockerEnabled: true })], off, () => null, new Date(AT)).verdict.state, 'noncompliant');
    assert.equal(evaluateDevice([policy({ bitLockerEnabled: true }, block(0))], off, () => null, new Date(AT)).verdict.state, 'noncompliant');
  });

  test('hostile fact values never throw, and pass a check only in the encoding that means healthy', () => {
    const healthyEncoding = (fact: string, value: string) => {
      const v = value.trim().toLowerCase();
      if (fact === FACT.tpmVersion) return /^\d+(\.\d+)*$/.test(v);
      if (fact === FACT.defenderEnabled || fact === FACT.rtpEnabled) return v === 'true' || v === '1';
      return v === healthy[fact];
    };
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('0', '1', ' 1 ', 'TRUE', '2.0', '')), fc.constantFrom(...cases), (value, [setting, fact]) => {
        const result = evaluatePolicy(policy({ [setting]: true, osMinimumVersion: '10.0' }), facts({ [fact]: value, [FACT.osVersion]: value }));
        const s = result.settings.find((x) => x.settingName === setting)!;
        assert.equal(s.state === 'compliant', healthyEncoding(fact, value), `${setting} with ${JSON.stringify(value)}`);
        const os = result.settings.find((x) => x.settingName === 'osMinimumVersion')!;
        assert.ok(os.state !== 'compliant' || /^\d+(\.\d+)+$/.test(value.trim()));
      }),
    );
  });
});
