/**
 * Identity's dynamic membership engine over a directory of N devices and 200 dynamic
 * groups (group-tag rules over devicePhysicalIds, OS rules over deviceOSType and
 * deviceOSVersion, name rules over displayName), on SQLite:
 * - incremental: one device attribute write plus its membership update, in one
 *   transaction, per changed device, with WAL checkpoints on identity's worker thread as
 *   the service runs them; beside the same write with no groups to update, beside
 *   evaluating all 200 parsed rules for one device in memory, and beside the same kind of
 *   changes with SQLite's default checkpoints on the writing thread;
 * - full recompute: one group's rule changed, membership recomputed over every device;
 *   beside reading every device through the store without evaluating anything.
 *
 *   node --import tsx bench/membership.ts [--devices 100000] [--changes 2000]
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, startWalCheckpointer } from '@baton/kit';
import { evaluateRule } from '@baton/protocols';
import { MembershipEngine } from '../services/identity/src/domain/membership/engine.js';
import { deviceSubject } from '../services/identity/src/domain/membership/subject.js';
import { DirectoryFeed } from '../services/identity/src/domain/notifications/feed.js';
import { KyselyIdentityStore } from '../services/identity/src/store/kysely-store.js';
import { identityMigrations } from '../services/identity/src/store/migrations.js';
import type { IdentityDatabase } from '../services/identity/src/store/schema.js';
import type { DeviceRecord, GroupRecord, IdentityStore } from '../services/identity/src/store/store.js';
import { arg, benchDataDir } from './support.js';

const deviceCount = arg('devices', 100_000);
const changeCount = arg('changes', 2000);
const TAGS = 120;
const OS_VERSIONS = 40;
const NAMES = 40;

const database = await openDatabase<IdentityDatabase>({ service: 'identity', dataDir: benchDataDir(), migrations: identityMigrations });
const db = database.db;
// As identity's service runs it: checkpoints on a worker thread, not in a commit.
let checkpointer = await startWalCheckpointer(database);
const store = new KyselyIdentityStore(db, database.dialect);
let evaluations = 0;
const engine = new MembershipEngine({ onEvaluate: () => evaluations++ });
const feed = new DirectoryFeed(engine, () => new Date());
const tenantId = randomUUID();
const at = new Date().toISOString();
await store.insertTenant({
  id: tenantId,
  domain: 'bench.baton.test',
  displayName: 'bench',
  branding: { companyName: 'bench' },
  signingKey: '-',
  deviceCaCertPem: '-',
  deviceCaKey: '-',
  createdAt: at,
  modifiedAt: at,
});

const tagOf = (i: number) => i % TAGS;
const osOf = (i: number) => i % OS_VERSIONS;
const nameOf = (i: number) => i % NAMES;
function device(i: number): DeviceRecord {
  return {
    id: randomUUID(),
    deviceId: randomUUID(),
    tenantId,
    displayName: `PC-${nameOf(i)}-${i}`,
    physicalIds: [`[ZTDID]:${randomUUID()}`, `[OrderID]:Tag${tagOf(i)}`],
    ztdId: null,
    trustType: 'AzureAd',
    accountEnabled: true,
    operatingSystem: 'Windows',
    operatingSystemVersion: `10.0.${osOf(i)}.1`,
    isCompliant: null,
    isManaged: null,
    certThumbprint: null,
    certPem: null,
    transportKey: null,
    registeredOwnerUserId: null,
    approximateLastSignIn: null,
    registeredAt: at,
    createdAt: at,
    modifiedAt: at,
  };
}
function group(rule: string): GroupRecord {
  return {
    id: randomUUID(),
    tenantId,
    displayName: rule.slice(0, 40),
    description: null,
    mailNickname: 'g',
    mailEnabled: false,
    securityEnabled: true,
    groupTypes: ['DynamicMembership'],
    membershipRule: rule,
    membershipRuleProcessingState: 'On',
    ruleSubject: 'device',
    membershipUpdatedAt: at,
    createdAt: at,
    modifiedAt: at,
  };
}

const tagGroups = Array.from({ length: TAGS }, (_, t) => group(`(device.devicePhysicalIds -any (_ -eq "[OrderID]:Tag${t}"))`));
const osGroups = Array.from({ length: OS_VERSIONS }, (_, o) => group(`device.deviceOSType -eq "Windows" -and device.deviceOSVersion -startsWith "10.0.${o}."`));
const nameGroups = Array.from({ length: NAMES }, (_, n) => group(`device.displayName -startsWith "PC-${n}-"`));
const groups = [...tagGroups, ...osGroups, ...nameGroups];

// Devices and their initial memberships in bulk, through the store's own batched writes;
// membership by construction (each device is in one group of each kind).
const devices: DeviceRecord[] = [];
const insertStarted = performance.now();
for (let start = 0; start < deviceCount; start += 1000) {
  const batch = Array.from({ length: Math.min(1000, deviceCount - start) }, (_, k) => device(start + k));
  await store.transaction(async (tx) => {
    for (const d of batch) await tx.insertDevice(d);
  });
  devices.push(...batch);
}
const insertMs = performance.now() - insertStarted;
await store.transaction(async (tx) => {
  for (const g of groups) {
    await tx.insertGroup(g);
    await tx.setGroupRuleProperties(tenantId, g.id, engine.rules.get(g.membershipRule!).properties);
  }
  const members = devices.flatMap((d, i) =>
    [tagGroups[tagOf(i)]!, osGroups[osOf(i)]!, nameGroups[nameOf(i)]!].map((g) => ({ groupId: g.id, memberId: d.id, memberType: 'device' as const, tenantId, source: 'dynamic' as const })),
  );
  await tx.insertGroupMembers(members);
});

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: pct(50), p99: pct(99), p999: pct(99.9), max: sorted[sorted.length - 1]! };
}
const line = (name: string, value: string) => console.log(`  ${name.padEnd(58)} ${value}`);
const ms = (v: number) => `${v.toFixed(3)} ms`;

// Baseline: all 200 parsed rules for one device, in memory.
const parsed = groups.map((g) => engine.rules.get(g.membershipRule!).ast);
const evalSamples: number[] = [];
for (let k = 0; k < changeCount; k++) {
  const subject = deviceSubject(devices[(k * 7919) % devices.length]!);
  const t0 = performance.now();
  for (const ast of parsed) evaluateRule(ast, subject);
  evalSamples.push(performance.now() - t0);
}

// Baseline: the same attribute write in a transaction, with no membership work.
const floorSamples: number[] = [];
for (let k = 0; k < changeCount; k++) {
  const d = devices[(k * 104729) % devices.length]!;
  const t0 = performance.now();
  await store.transaction(async (tx) => {
    await tx.updateDevice(tenantId, d.id, { operatingSystemVersion: d.operatingSystemVersion, modifiedAt: new Date().toISOString() });
  });
  floorSamples.push(performance.now() - t0);
}

// Incremental: alternately move a device to another group tag and rename it to another name prefix.
async function write(tx: IdentityStore, before: DeviceRecord, after: DeviceRecord) {
  await tx.updateDevice(tenantId, before.id, { physicalIds: after.physicalIds, displayName: after.displayName, modifiedAt: after.modifiedAt });
  return feed.deviceWritten(tx, tenantId, before, after);
}
async function changeDevices(round: number, count = changeCount) {
  const samples: number[] = [];
  let membershipChanges = 0;
  for (let k = 0; k < count; k++) {
    const index = (k * 15485863 + round * 7) % devices.length;
    const before = devices[index]!;
    const after: DeviceRecord =
      k % 2 === 0
        ? { ...before, physicalIds: [before.physicalIds[0]!, `[OrderID]:Tag${(k * 31 + round) % TAGS}`], modifiedAt: new Date().toISOString() }
        : { ...before, displayName: `PC-${(k * 17 + round) % NAMES}-${index}`, modifiedAt: new Date().toISOString() };
    const t0 = performance.now();
    const changes = await store.transaction((tx) => write(tx, before, after));
    samples.push(performance.now() - t0);
    membershipChanges += changes.length;
    devices[index] = after;
  }
  return { samples, membershipChanges };
}
// Unmeasured warm-up: whichever round ran first paid for the JIT and cold index pages.
await changeDevices(2, changeCount / 4);
evaluations = 0;
const { samples: changeSamples, membershipChanges } = await changeDevices(0);
const evaluationsPerChange = evaluations / changeCount;

// Baseline: the same kind of changes with SQLite's default, a checkpoint every 1,000 WAL
// pages inside the commit that crosses it.
await checkpointer.stop();
await sql`PRAGMA wal_autocheckpoint = 1000`.execute(db);
const { samples: inlineSamples } = await changeDevices(1);
checkpointer = await startWalCheckpointer(database);

// Full recompute of one group whose rule changed, beside reading every device once.
const readStarted = performance.now();
for (let afterId: string | undefined; ; ) {
  const page = await store.listDevices(tenantId, { afterId, limit: 1000 });
  if (page.length < 1000) break;
  afterId = page[page.length - 1]!.id;
}
const readMs = performance.now() - readStarted;
const target = { ...tagGroups[0]!, membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Tag1"))' };
evaluations = 0;
const recomputeStarted = performance.now();
const recomputeChanges = await store.transaction(async (tx) => {
  await tx.updateGroup(tenantId, target.id, { membershipRule: target.membershipRule });
  return engine.recomputeGroup(tx, target);
});
const recomputeMs = performance.now() - recomputeStarted;

const inc = percentiles(changeSamples);
const inline = percentiles(inlineSamples);
const floor = percentiles(floorSamples);
const mem = percentiles(evalSamples);
console.log(`\nDynamic membership: ${deviceCount} devices, ${groups.length} dynamic groups (SQLite), ${changeCount} changed devices`);
line('insert floor (bulk, per device, through the store)', ms(insertMs / deviceCount));
line('device write alone, per transaction (floor)', `p50 ${ms(floor.p50)}  p99 ${ms(floor.p99)}`);
line('all 200 rules in memory for one device (baseline)', `p50 ${ms(mem.p50)}  p99 ${ms(mem.p99)}`);
line('device write + incremental membership, per change', `p50 ${ms(inc.p50)}  p99 ${ms(inc.p99)}  p99.9 ${ms(inc.p999)}  max ${ms(inc.max)}`);
line('  rules evaluated per change (of 200)', evaluationsPerChange.toFixed(1));
line('  membership changes written', String(membershipChanges));
line('same, checkpoints inside commits (SQLite default, baseline)', `p50 ${ms(inline.p50)}  p99 ${ms(inline.p99)}  p99.9 ${ms(inline.p999)}  max ${ms(inline.max)}`);
line('read every device through the store (floor)', ms(readMs));
line('full recompute of one group after a rule change', `${ms(recomputeMs)}  (${evaluations} evaluations, ${recomputeChanges.length} membership changes)`);
await checkpointer.stop();
await database.close();
