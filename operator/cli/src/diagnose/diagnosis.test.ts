import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChainEvent } from '@baton/contracts';
import { diagnoseEvents } from '@baton/diagnosis';
import { summarizeFleet } from './summary.js';

let seq = 0;
function event(service: ChainEvent['service'], type: string, phase: string, at: number, extra: Partial<ChainEvent> = {}): ChainEvent {
  return {
    id: String(++seq).padStart(6, '0'),
    occurredDateTime: new Date(Date.UTC(2026, 0, 1) + at).toISOString(),
    service,
    type,
    phase,
    outcome: 'success',
    ztdId: null,
    azureADDeviceId: null,
    serialNumber: null,
    traceId: 't1',
    errorCode: null,
    detail: {},
    ...extra,
  };
}

/** A whole provisioning under one trace, `gap` ms between steps. */
function run(trace: string, serial: string, start = 0, gap = 1000): ChainEvent[] {
  const ids = { traceId: trace };
  return [
    event('discovery', 'lookup', 'discovery', start, { ...ids, serialNumber: serial, ztdId: `z-${serial}` }),
    event('identity', 'signIn', 'authentication', start + gap, ids),
    event('identity', 'join', 'join', start + 2 * gap, { ...ids, ztdId: `z-${serial}`, azureADDeviceId: `d-${serial}` }),
    event('identity', 'deviceToken', 'deviceToken', start + 3 * gap, { ...ids, azureADDeviceId: `d-${serial}` }),
    event('management', 'enrollment', 'enrollment', start + 4 * gap, { ...ids, azureADDeviceId: `d-${serial}` }),
    event('management', 'omadmSession', 'deviceSetup', start + 5 * gap, { ...ids, azureADDeviceId: `d-${serial}` }),
  ];
}

test('a complete provisioning is healthy and within the default budgets', () => {
  const d = diagnoseEvents('S1', run('t1', 'S1'));
  assert.equal(d.outcome, 'healthy');
  assert.equal(d.failure, null);
  assert.deepEqual(d.overBudget, []);
  assert.deepEqual(
    d.phases.map((p) => p.phase),
    ['discovery', 'authentication', 'join', 'deviceToken', 'enrollment', 'deviceSetup'],
  );
});

test('a managed device asking for a token later, under a trace of its own, is still one healthy provisioning', () => {
  const later = event('identity', 'deviceToken', 'deviceToken', 60_000, { traceId: 't2', azureADDeviceId: 'd-S1' });
  const d = diagnoseEvents('S1', [...run('t1', 'S1'), later]);
  assert.equal(d.outcome, 'healthy');
  assert.equal(d.attempts, 1);
  assert.equal(d.traceId, 't1');
  assert.ok(d.timeline.includes(later), 'the later request is on the timeline');
  assert.equal(d.phases.find((p) => p.phase === 'deviceToken')!.ms, 1000, 'but does not stretch the provisioning phase to it');
  assert.deepEqual(d.overBudget, []);
});

test('a retry that looks the device up again is a new attempt', () => {
  const first = run('t1', 'S1').slice(0, 2);
  first[1] = { ...first[1]!, outcome: 'failure', errorCode: 'AADSTS50126' };
  const d = diagnoseEvents('S1', [...first, ...run('t2', 'S1', 10_000)]);
  assert.equal(d.attempts, 2);
  assert.equal(d.outcome, 'recovered');
  assert.equal(d.earlierFailures[0]?.errorCode, 'AADSTS50126');
});

test('the first failure names the service that recorded it, its phase and the meaning of its code', () => {
  const events = run('t1', 'S1').slice(0, 3);
  events[2] = { ...events[2]!, outcome: 'failure', errorCode: 'error_invalid_csr', azureADDeviceId: null };
  const d = diagnoseEvents('S1', events);
  assert.equal(d.outcome, 'failed');
  assert.equal(d.failure?.service, 'identity');
  assert.equal(d.failure?.phase, 'join');
  assert.equal(d.failure?.errorCode, 'error_invalid_csr');
  assert.match(d.failure!.remediation, /TPM|key/);
  assert.equal(d.failure?.inferred, false);
});

test('a handoff no service picked up is blamed on the service that should have answered', () => {
  const d = diagnoseEvents('S1', run('t1', 'S1').slice(0, 4));
  assert.equal(d.failure?.service, 'management');
  assert.equal(d.failure?.phase, 'mdmDiscovery');
  assert.equal(d.failure?.errorCode, 'unreachable');
  assert.equal(d.failure?.inferred, true);
});

test('a later attempt that succeeds makes the device recovered, and the earlier failure stays visible', () => {
  const first = run('t1', 'S1').slice(0, 4);
  const second = run('t2', 'S1', 60_000);
  const d = diagnoseEvents('S1', [...second, ...first]);
  assert.equal(d.outcome, 'recovered');
  assert.equal(d.attempts, 2);
  assert.equal(d.traceId, 't2');
  assert.equal(d.earlierFailures[0]?.service, 'management');
});

test('a phase group over its budget is flagged even when it succeeded', () => {
  const d = diagnoseEvents('S1', run('t1', 'S1', 0, 50_000), { budgetsS: { identity: 120 } });
  assert.equal(d.outcome, 'healthy');
  assert.deepEqual(
    d.overBudget.map((b) => [b.group, b.ms]),
    [['identity', 150_000]],
  );
  assert.deepEqual(diagnoseEvents('S1', run('t1', 'S1', 0, 50_000), { budgetsS: { identity: 151 } }).overBudget, []);
});

test('an import refused for another tenant is the failure when the device never reached this tenant', () => {
  const refused = event('discovery', 'registration', 'discovery', 0, { serialNumber: 'S9', outcome: 'failure', errorCode: 'ZtdDeviceAssignedToOtherTenant', traceId: 'imp' });
  const d = diagnoseEvents('S9', [refused], { registrationId: true });
  assert.equal(d.outcome, 'failed');
  assert.equal(d.failure?.errorCode, 'ZtdDeviceAssignedToOtherTenant');
  assert.equal(diagnoseEvents('S0', [], { registrationId: true }).failure?.errorCode, 'ZtdDeviceNotFound');
  assert.equal(diagnoseEvents('00000000-0000-0000-0000-000000000000', []).outcome, 'unknown');
});

test('a fleet summary counts every device once, even when one import registered them all', () => {
  const importTrace = 'bulk';
  const events: ChainEvent[] = [];
  for (const s of ['A', 'B', 'C']) events.push(event('discovery', 'registration', 'discovery', 0, { serialNumber: s, ztdId: `z-${s}`, traceId: importTrace }));
  events.push(...run('ta', 'A'));
  const b = run('tb', 'B').slice(0, 2);
  b[1] = { ...b[1]!, outcome: 'failure', errorCode: 'AADSTS50126' };
  events.push(...b);
  const summary = summarizeFleet(events);
  assert.equal(summary.devices, 3);
  assert.deepEqual(summary.byOutcome, { healthy: 1, failed: 1, recovered: 0, notStarted: 1, unknown: 0 });
  assert.equal(summary.rows.reduce((n, r) => n + r.devices, 0), 3);
  assert.ok(summary.rows.some((r) => r.service === 'identity' && r.errorCode === 'AADSTS50126' && r.devices === 1));
});
