/**
 * Compliance, two figures:
 * 1. Evaluating a whole tenant of `--devices` (100,000) enrolled devices against an
 *    all-devices BitLocker + secure boot + firewall + OS-range policy, as a policy edit does:
 *    read each page of devices' facts and earlier states, evaluate, write per-policy and
 *    per-device states and the outbox messages to identity. Beside it, in the same run: reading
 *    the same facts alone (the floor of any evaluation that reads from the store), and the
 *    pure evaluator in memory.
 * 2. From the end of a device's OMA-DM session (the agent's check-in resolves) to identity's
 *    device object showing the changed `isCompliant`, over HTTPS with all three services
 *    running: `--samples` check-ins alternating BitLocker off and on. Baseline: the Graph
 *    read of identity's device the wait is measured with.
 *
 *   node --import tsx bench/compliance.ts [--devices 100000] [--fleet 4] [--samples 100] [--poll 2] [--latency 0]
 *   (BATON_BENCH_DATABASE_URL=postgres://… runs part 1 on PostgreSQL)
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Kysely } from 'kysely';
import { dropPostgresSchema, uniqueSchema } from '@baton/kit';
import { adminToken, graphJson, runFleet } from '@baton/cli';
import { openManagementStore } from '@baton/management';
import { Compliance } from '../services/management/src/compliance/compliance.js';
import { evaluateDevice } from '../services/management/src/compliance/evaluate.js';
import { FACT, factsText } from '../services/management/src/compliance/facts.js';
import { defaultSettings, type CompliancePolicy } from '../services/management/src/compliance/policy.js';
import type { ComplianceDatabase } from '../services/management/src/compliance/schema.js';
import { ComplianceStore, type DevicePageKey } from '../services/management/src/compliance/store.js';
import { TARGET_TYPES } from '../services/management/src/targeting/targets.js';
import { benchEnrollments } from './enrollments.js';
import { arg, benchDataDir, startDemoBaton } from './support.js';

const deviceCount = arg('devices', 100_000);
const fleet = arg('fleet', 4);
const samples = arg('samples', 100);
const pollMs = arg('poll', 2);
const latencyPart = arg('latency', 1) !== 0;

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const stats = (values: number[]) => `p50 ${pct(values, 50).toFixed(1)} ms  p99 ${pct(values, 99).toFixed(1)} ms  max ${pct(values, 100).toFixed(1)} ms`;
const seconds = (from: number) => (performance.now() - from) / 1000;

// ---- 1. a tenant-wide evaluation -------------------------------------------------------------

// BATON_BENCH_DATABASE_URL runs part 1 on PostgreSQL, in a schema of its own dropped at the end.
const databaseUrl = process.env.BATON_BENCH_DATABASE_URL;
const schema = databaseUrl ? uniqueSchema('bench_compliance') : undefined;
const { store, database } = await openManagementStore({ dataDir: benchDataDir(), databaseUrl, schema });
const db = database.db as unknown as Kysely<ComplianceDatabase>;
const compliance = new ComplianceStore(db, database.dialect);
const tenantId = randomUUID();
const now = new Date().toISOString();

const loadStarted = performance.now();
const enrollments = benchEnrollments(tenantId, deviceCount, now);
await store.insertEnrollments(enrollments);
// One device in ten has BitLocker off, one in twenty secure boot off, one in fifty an old OS;
// the rest run one of 24 builds. Each device reported at its own time, as check-ins spread.
const builds = Array.from({ length: 24 }, (_, i) => `10.0.22631.${2861 + i * 37}`);
const factRows = enrollments.map((e, i) => {
  const values = {
    [FACT.osVersion]: i % 50 === 0 ? '10.0.19045.3803' : builds[i % builds.length]!,
    [FACT.encryption]: i % 10 === 0 ? '0' : '1',
    [FACT.secureBoot]: i % 20 === 0 ? '2' : '1',
    [FACT.tpmVersion]: '2.0',
    [FACT.firewall]: '0',
    [FACT.antivirus]: '0',
    [FACT.antivirusSignature]: '0',
    [FACT.antispyware]: '0',
    [FACT.codeIntegrity]: '0',
    [FACT.virtualizationBasedSecurity]: '0',
    [FACT.defenderEnabled]: 'true',
    [FACT.rtpEnabled]: 'true',
  };
  const reportedAt = new Date(Date.parse(now) - i * 997).toISOString();
  return {
    enrollment_id: e.id,
    updated_at: reportedAt,
    facts: factsText(values),
    reported_at: JSON.stringify(Object.fromEntries(Object.keys(values).map((k) => [k, reportedAt]))),
  };
});
await db.transaction().execute(async (trx) => {
  for (let i = 0; i < factRows.length; i += 2000) await trx.insertInto('device_facts').values(factRows.slice(i, i + 2000)).execute();
});
const policy: CompliancePolicy = {
  id: randomUUID(),
  tenantId,
  displayName: 'Bench baseline',
  description: null,
  createdAt: now,
  modifiedAt: now,
  version: 1,
  settings: { ...defaultSettings(), bitLockerEnabled: true, secureBootEnabled: true, activeFirewallRequired: true, osMinimumVersion: '10.0.22000' },
  scheduledActions: [{ id: randomUUID(), ruleName: null, scheduledActionConfigurations: [{ id: randomUUID(), actionType: 'block', gracePeriodHours: 0, notificationTemplateId: '', notificationMessageCCList: [] }] }],
};
await compliance.insertPolicy(policy);
await compliance.addAssignment(tenantId, { id: randomUUID(), policyId: policy.id, target: { '@odata.type': TARGET_TYPES.allDevices } });
console.log(`\ncompliance: ${deviceCount.toLocaleString()} devices × 12 facts loaded in ${seconds(loadStarted).toFixed(1)} s (${database.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'})`);

/**
 * Wall and CPU time of `fn` (the machine is shared: CPU time is the steadier figure). CPU is
 * this process's, all threads: on SQLite that is the database's work too, on PostgreSQL the
 * server's own CPU is not in it.
 */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, wall: seconds(wall0), cpu: (cpu.user + cpu.system) / 1e6 };
}

// The evaluator alone, in memory, on the same facts, every device computed (no memo).
const facts = await compliance.factsOf(enrollments.map((e) => e.id));
const at = new Date();
const pure = await timed(async () => {
  let noncompliant = 0;
  for (const e of enrollments) if (!evaluateDevice([policy], facts.get(e.id)!, () => null, at).verdict.isCompliant) noncompliant++;
  return noncompliant;
});

const engine = new Compliance({ store: compliance, groups: { groupsOf: async () => new Set() } });
const first = await timed(() => engine.evaluateTenant(tenantId));
// Baseline: the read alone, the same pages of devices with their facts and the states just written
// (the floor of a re-evaluation).
const readAlone = await timed(async () => {
  let read = 0;
  for (let after: DevicePageKey | null = null; ; ) {
    const page = await compliance.devicePage(tenantId, after, 1000, false);
    read += page.filter((p) => p.factsJson !== undefined).length;
    if (page.length < 1000) return read;
    after = page[page.length - 1]!.key;
  }
});

const second = await timed(() => engine.evaluateTenant(tenantId));
// One device in a hundred changes (BitLocker turned off on compliant ones), then the tenant is evaluated again.
await db.transaction().execute(async (trx) => {
  for (const e of enrollments.filter((_, i) => i % 100 === 1)) {
    await trx.updateTable('device_facts').set({ facts: factsText({ ...facts.get(e.id)!, [FACT.encryption]: '0' }) }).where('enrollment_id', '=', e.id).execute();
  }
});
const third = await timed(() => engine.evaluateTenant(tenantId));
const states = await db.selectFrom('device_compliance').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'noncompliant').executeTakeFirstOrThrow();

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const row = (name: string, r: { wall: number; cpu: number }, note = '') =>
  console.log(`  ${name.padEnd(72)} ${r.wall.toFixed(2).padStart(6)} s wall ${r.cpu.toFixed(2).padStart(6)} s CPU ${(deviceCount / r.wall).toFixed(0).padStart(7)} devices/s  ${note}`);
row('evaluate the tenant, first time (states + 100% outbox reports)', first, `${first.value} reports queued`);
row('evaluate the tenant again, nothing changed (nothing written)', second, `${second.value} reports queued`);
row('evaluate the tenant again, 1% of devices changed', third, `${third.value} reports queued`);
row('baseline: the same paged read of devices, facts and states, nothing evaluated', readAlone, `${readAlone.value} devices read`);
row('baseline: the pure evaluator in memory, every device computed', pure, `${pure.value} noncompliant (store: ${Number(states.n)})`);
console.log(`  load average ${load()} (${cpus().length} cores)`);
await database.close();
if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);

// ---- 2. end of session → identity's isCompliant ---------------------------------------------

if (!latencyPart) process.exit(0);

const { baton, fetch, demo } = await startDemoBaton();
const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
const policies = `${baton.url}/graph/beta/deviceManagement/deviceCompliancePolicies`;
const created = await graphJson(fetch, policies, {
  method: 'POST',
  headers,
  body: JSON.stringify({
    '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
    displayName: 'BitLocker + secure boot + firewall',
    bitLockerEnabled: true,
    secureBootEnabled: true,
    activeFirewallRequired: true,
    scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
  }),
});
await graphJson(fetch, `${policies}/${created.id}/assign`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ assignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] }),
});
const { results } = await runFleet({ demo, caPem: baton.caPem, devices: fleet, concurrency: fleet, seed: 7 });
const devices = results.filter((r) => r.managed && r.managedDevice);
if (devices.length === 0) throw new Error('no device reached management');
const isCompliant = async (deviceId: string): Promise<boolean | null> => {
  const d = await graphJson(fetch, `${baton.urls.identity}/graph/v1.0/devices(deviceId='${deviceId}')`, { headers });
  return d.isCompliant as boolean | null;
};
for (const d of devices) while ((await isCompliant(d.learned.deviceId!)) !== true) await new Promise((r) => setTimeout(r, 10));

const latencies: number[] = [];
const reads: number[] = [];
for (let i = 0; i < samples; i++) {
  const d = devices[i % devices.length]!;
  const bitLocker = Math.floor(i / devices.length) % 2 === 1;
  d.managedDevice!.tree.setSecurity({ bitLocker });
  const checkIn = await d.managedDevice!.checkIn();
  if (!checkIn.ok) throw new Error(`check-in failed: ${JSON.stringify(checkIn.error)}`);
  const sessionEnded = performance.now();
  for (;;) {
    const t0 = performance.now();
    const value = await isCompliant(d.learned.deviceId!);
    reads.push(performance.now() - t0);
    if (value === bitLocker) break;
    if (performance.now() - sessionEnded > 10_000) throw new Error('identity never saw the change');
    await new Promise((r) => setTimeout(r, pollMs));
  }
  latencies.push(performance.now() - sessionEnded);
}
console.log(`\n  end of OMA-DM session → identity isCompliant changed (${samples} check-ins, ${devices.length} devices)  ${stats(latencies)}`);
console.log(`  baseline: GET identity devices(deviceId=…) over HTTPS                                    ${stats(reads)}`);
await fetch.close();
await baton.close();
