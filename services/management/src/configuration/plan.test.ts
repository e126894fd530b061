import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyOutcome, applyReads, planDevice, policyStatus, type AssignedPolicy, type PolicyState } from './plan.js';
import type { DesiredSetting } from './setting.js';

const RTP = './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring';
const BITLOCKER = './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption';
const setting = (omaUri: string, value: string, format: DesiredSetting['format'] = 'int'): DesiredSetting => ({ omaUri, settingName: omaUri.split('/').pop()!, format, value });
const policy = (id: string, settings: DesiredSetting[], version = 1): AssignedPolicy => ({ id, version, settings });

test('a new profile sends all its settings as pending', () => {
  const plan = planDevice([policy('a', [setting(BITLOCKER, '1'), setting(RTP, '1')])], []);
  const [a] = plan.policies;
  assert.deepEqual(a!.send.map((s) => s.omaUri), [BITLOCKER, RTP]);
  assert.deepEqual(a!.settings.map((s) => s.state), ['pending', 'pending']);
  assert.equal(a!.changed, true);
  assert.equal(policyStatus(a!.settings), 'unknown');
});

test('two profiles setting one node differently conflict: neither sends it, both report conflict; the rest still goes', () => {
  // The two spellings of a device-scoped node are one node.
  const plan = planDevice([policy('a', [setting(RTP, '1'), setting(BITLOCKER, '1')]), policy('b', [setting('./Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', '0')])], []);
  const [a, b] = plan.policies;
  assert.deepEqual(a!.send.map((s) => s.omaUri), [BITLOCKER]);
  assert.deepEqual(b!.send, []);
  assert.deepEqual(a!.settings.map((s) => [s.state, s.conflictsWith]), [
    ['conflict', ['b']],
    ['pending', undefined],
  ]);
  assert.deepEqual(b!.settings.map((s) => [s.state, s.conflictsWith]), [['conflict', ['a']]]);
  assert.equal(policyStatus(b!.settings), 'conflict');
});

test('two profiles setting one node to the same value do not conflict', () => {
  const plan = planDevice([policy('a', [setting(RTP, '1')]), policy('b', [setting(RTP, '1')])], []);
  assert.deepEqual(plan.policies.map((p) => p.settings[0]!.state), ['pending', 'pending']);
});

test('an applied profile plans nothing until its value changes; a removed assignment drops the state', () => {
  const applied: PolicyState = { policyId: 'a', policyVersion: 1, commandId: null, updatedAt: '', settings: [{ ...setting(BITLOCKER, '1'), state: 'succeeded', errorCode: null }] };
  const same = planDevice([policy('a', [setting(BITLOCKER, '1')])], [applied]);
  assert.equal(same.policies[0]!.changed, false);
  assert.deepEqual(same.policies[0]!.send, []);
  const edited = planDevice([policy('a', [setting(BITLOCKER, '0')], 2)], [applied]);
  assert.deepEqual(edited.policies[0]!.send.map((s) => s.value), ['0']);
  assert.deepEqual(planDevice([], [applied]).removed, ['a']);
});

test('settings still waiting on an earlier Atomic go again with a new one', () => {
  const waiting: PolicyState = { policyId: 'a', policyVersion: 1, commandId: 'c1', updatedAt: '', settings: [{ ...setting(BITLOCKER, '1'), state: 'pending', errorCode: null }] };
  assert.deepEqual(planDevice([policy('a', [setting(BITLOCKER, '1')])], [waiting]).policies[0]!.send, []);
  const grown = planDevice([policy('a', [setting(BITLOCKER, '1'), setting(RTP, '1')], 2)], [waiting]);
  assert.deepEqual(grown.policies[0]!.send.map((s) => s.omaUri).sort(), [BITLOCKER, RTP].sort());
});

test('an Atomic that failed: the failing child is an error with its CSP status, the rolled-back ones with 216', () => {
  const pending = [setting(BITLOCKER, '1'), setting(RTP, '1')].map((s) => ({ ...s, state: 'pending' as const, errorCode: null }));
  const failed = applyOutcome(pending, { statusCode: '507', acknowledged: false, children: [{ locUri: BITLOCKER, statusCode: '216' }, { locUri: RTP, statusCode: '500' }] });
  assert.deepEqual(failed.map((s) => [s.state, s.errorCode]), [
    ['error', 216],
    ['error', 500],
  ]);
  const ok = applyOutcome(pending, { statusCode: '200', acknowledged: true, children: [{ locUri: BITLOCKER, statusCode: '200' }, { locUri: RTP, statusCode: null }] });
  assert.deepEqual(ok.map((s) => [s.state, s.currentValue]), [
    ['succeeded', '1'],
    ['succeeded', '1'],
  ]);
});

test('a drift read that finds another value (or nothing) makes the setting pending again', () => {
  const applied = [setting(BITLOCKER, '1'), setting('./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'true', 'bool')].map((s) => ({ ...s, state: 'succeeded' as const, errorCode: null }));
  const reads = new Map<string, string | null>([
    ['./Vendor/MSFT/BitLocker/RequireDeviceEncryption', '0'],
    ['./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', 'True'],
  ]);
  const filed = applyReads(applied, reads);
  assert.equal(filed.drifted, 1);
  assert.deepEqual(filed.settings.map((s) => [s.state, s.currentValue]), [
    ['pending', '0'],
    ['succeeded', 'True'],
  ]);
  assert.equal(applyReads(applied, new Map([['./Vendor/MSFT/BitLocker/RequireDeviceEncryption', null]])).settings[0]!.state, 'pending');
});

test('property: a node is sent by at most one value, and conflicting nodes by none', () => {
  const uri = fc.constantFrom(RTP, BITLOCKER, './Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', './Vendor/MSFT/X/Y');
  const profile = fc.array(fc.record({ uri, value: fc.constantFrom('0', '1') }), { maxLength: 4 });
  fc.assert(
    fc.property(fc.array(profile, { maxLength: 4 }), (profiles) => {
      const assigned = profiles.map((settings, i) => policy(`p${i}`, [...new Map(settings.map((s) => [s.uri.replace('./Device/', './'), setting(s.uri, s.value)])).values()]));
      const plan = planDevice(assigned, []);
      const sent = new Map<string, Set<string>>();
      for (const p of plan.policies) for (const s of p.send) sent.set(s.omaUri.replace('./Device/', './'), (sent.get(s.omaUri.replace('./Device/', './')) ?? new Set()).add(s.value));
      for (const values of sent.values()) assert.equal(values.size, 1);
      for (const p of plan.policies) for (const s of p.settings) if (s.state === 'conflict') assert.equal(sent.has(s.omaUri.replace('./Device/', './')), false);
    }),
  );
});
