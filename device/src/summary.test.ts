import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceRunResult, PhaseName, ProvisioningMode } from './agent.js';
import { errorFromJson } from './errors.js';
import { percentile, summarizeRuns } from './summary.js';

function run(ms: number, error?: DeviceRunResult['error'], mode: ProvisioningMode = 'userDriven'): DeviceRunResult {
  const second: PhaseName = mode === 'userDriven' ? 'authenticate' : 'attest';
  const userHalf: PhaseName[] = mode === 'preProvisioned' ? ['reseal', 'userSignIn', 'accountSetup'] : [];
  const phases = error
    ? [{ name: 'lookup' as PhaseName, ms, ok: error.phase !== 'lookup' }]
    : (['lookup', second, 'join', 'deviceToken', 'enroll', 'firstSync', ...userHalf] as PhaseName[]).map((name) => ({ name, ms, ok: true }));
  return { ok: !error, phase: error?.phase ?? 'firstSync', mode, phases, error, learned: {}, managed: !error, serialNumber: 'X', traceparent: '' };
}

test('nearest-rank percentiles on 1..100', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
});

test('fleet summary counts managed devices, failures by service, and phase latencies', () => {
  const results = Array.from({ length: 100 }, (_, i) => run(100 - i));
  results.push(run(5, { phase: 'lookup', service: 'discovery', code: 'ZtdDeviceNotFound', message: '', status: 404 }));
  results.push(run(5, { phase: 'enroll', service: 'management', code: 'invalidsecurity', message: '', status: 401 }));
  results.push(run(5, { phase: 'enroll', service: 'management', code: 'invalidsecurity', message: '', status: 401 }));
  const s = summarizeRuns(results);
  assert.equal(s.devices, 103);
  assert.equal(s.managed, 100);
  assert.deepEqual(s.failedByService, { discovery: 1, identity: 0, management: 2, device: 0 });
  assert.deepEqual(s.failedByCode, { 'discovery:ZtdDeviceNotFound': 1, 'management:invalidsecurity': 2 });
  const lookup = s.phases.find((p) => p.name === 'lookup')!;
  // The failed lookup is not timed; the two runs that failed later had a successful 5 ms lookup.
  assert.deepEqual(lookup, { name: 'lookup', count: 102, p50: 49, p95: 95, p99: 99, max: 100 });
  const firstSync = s.phases.find((p) => p.name === 'firstSync')!;
  assert.deepEqual(firstSync, { name: 'firstSync', count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  assert.deepEqual(s.phases.map((p) => p.name), ['lookup', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync']);
});

test('a mixed fleet counts its modes and times attestation beside sign-in', () => {
  const s = summarizeRuns([run(10), run(20, undefined, 'selfDeploying'), run(30, undefined, 'selfDeploying')]);
  assert.deepEqual(s.byMode, { userDriven: 1, selfDeploying: 2, preProvisioned: 0 });
  assert.deepEqual(s.phases.map((p) => p.name), ['lookup', 'attest', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync']);
  assert.equal(s.phases.find((p) => p.name === 'attest')!.count, 2);
  assert.equal(s.phases.find((p) => p.name === 'authenticate')!.count, 1);
});

test('pre-provisioned devices are counted apart, their reseal and user phases after the technician ones', () => {
  const s = summarizeRuns([run(10), run(20, undefined, 'preProvisioned')]);
  assert.deepEqual(s.byMode, { userDriven: 1, selfDeploying: 0, preProvisioned: 1 });
  assert.deepEqual(
    s.phases.map((p) => p.name),
    ['lookup', 'attest', 'authenticate', 'join', 'deviceToken', 'enroll', 'firstSync', 'reseal', 'userSignIn', 'accountSetup'],
  );
  assert.equal(s.phases.find((p) => p.name === 'reseal')!.count, 1);
});

test('an empty fleet summarises to zeros', () => {
  const s = summarizeRuns([]);
  assert.equal(s.devices, 0);
  assert.ok(s.phases.every((p) => p.count === 0 && p.max === 0));
});

test("identity's failures are counted under their AADSTS codes: a wrong password and a locked account are not one invalid_grant", () => {
  const answer = (aadsts: number, description: string) => errorFromJson('identity', 400, { error: 'invalid_grant', error_description: description, error_codes: [aadsts] })!;
  const wrongPassword = answer(50126, 'AADSTS50126: Error validating credentials due to invalid username or password.');
  const locked = answer(50053, 'AADSTS50053: The account is locked.');
  assert.deepEqual([wrongPassword.code, wrongPassword.platformCode, locked.platformCode], ['invalid_grant', 'AADSTS50126', 'AADSTS50053']);
  // An OAuth error without the platform's codes (another authority) keeps the OAuth code.
  assert.equal(errorFromJson('identity', 400, { error: 'invalid_grant', error_codes: ['x'] })!.platformCode, undefined);
  const failed = (e: typeof locked) => run(5, { phase: 'authenticate', service: 'identity', code: e.code, message: e.message, status: 400, ...(e.platformCode ? { platformCode: e.platformCode } : {}) });
  const s = summarizeRuns([failed(wrongPassword), failed(wrongPassword), failed(locked), run(5, { phase: 'authenticate', service: 'identity', code: 'invalid_grant', message: '', status: 400 })]);
  assert.deepEqual(s.failedByCode, { 'identity:AADSTS50126': 2, 'identity:AADSTS50053': 1, 'identity:invalid_grant': 1 });
});

test("a device join's refusal is counted under its MS-DVRJ subcode, as diagnose names it", () => {
  const refused = errorFromJson('identity', 400, { code: 'invalid_request', subcode: 'error_invalid_csr', message: 'The CSR is not valid.' })!;
  assert.deepEqual([refused.code, refused.platformCode, refused.message], ['invalid_request', 'error_invalid_csr', 'The CSR is not valid. (error_invalid_csr)']);
  assert.equal(errorFromJson('identity', 400, { code: 'invalid_request', subcode: '' })!.platformCode, undefined);
});
