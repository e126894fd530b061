/**
 * Configuration fan-out: a custom profile of `--settings` (100) OMA-URI settings assigned to
 * all `--devices` (10,000) enrolled devices, as the `assign` action plans the tenant: read each
 * page of 1,000 devices and their states, plan, and write one Atomic command row shared by all,
 * a queue row per device and a state row per device (its per-setting states as JSON).
 *
 * Baseline, in the same run on the same SQLite database: the floor, plain batched inserts of
 * exactly the rows the fan-out wrote (same tables, same batch size, one transaction per page),
 * with no reads or planning.
 *
 *   node --import tsx bench/config-fanout.ts [--devices 10000] [--settings 100] [--rounds 3]
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openManagementStore } from '@baton/management';
import { Configuration } from '../services/management/src/configuration/configuration.js';
import { CUSTOM_TYPE, type ConfigurationPolicy } from '../services/management/src/configuration/policy.js';
import type { ConfigurationDatabase } from '../services/management/src/configuration/schema.js';
import { ConfigurationStore } from '../services/management/src/configuration/store.js';
import { TARGET_TYPES } from '../services/management/src/targeting/targets.js';
import { benchEnrollments } from './enrollments.js';
import { arg, benchDataDir } from './support.js';

const deviceCount = arg('devices', 10_000);
const settingCount = arg('settings', 100);
const rounds = arg('rounds', 3);
const PAGE = 1000;
const BATCH = 500;

const { store, database } = await openManagementStore({ dataDir: benchDataDir() });
const db = database.db as unknown as Kysely<ConfigurationDatabase>;
const configurationStore = new ConfigurationStore(db, database.dialect);
const configuration = new Configuration({ store: configurationStore, groups: { groupsOf: async () => new Set() } });

const tenantId = randomUUID();
const now = new Date().toISOString();
const enrollments = benchEnrollments(tenantId, deviceCount, now);
await store.insertEnrollments(enrollments);

async function assignProfile(round: number): Promise<string> {
  const policy: ConfigurationPolicy = {
    id: randomUUID(),
    tenantId,
    odataType: CUSTOM_TYPE,
    displayName: `Bench ${round}`,
    description: null,
    properties: {
      omaSettings: Array.from({ length: settingCount }, (_, i) => ({
        '@odata.type': '#microsoft.graph.omaSettingInteger',
        displayName: `Setting ${i}`,
        description: null,
        omaUri: `./Device/Vendor/MSFT/Policy/Config/Bench${round}/Setting${i}`,
        value: i,
      })),
    },
    version: 1,
    createdAt: now,
    modifiedAt: now,
  };
  await configurationStore.insertPolicy(policy);
  await configurationStore.replaceAssignments(tenantId, policy.id, [{ id: randomUUID(), policyId: policy.id, target: { '@odata.type': TARGET_TYPES.allDevices } }]);
  return policy.id;
}

/** Plain inserts of the rows given, a page of devices per transaction, as the fan-out batches them. */
async function floor(queueRows: Array<Record<string, unknown>>, stateRows: Array<Record<string, unknown>>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < queueRows.length; i += PAGE) {
    await db.transaction().execute(async (tx) => {
      for (let j = i; j < Math.min(i + PAGE, queueRows.length); j += BATCH) {
        await tx.insertInto('command_queue').values(queueRows.slice(j, Math.min(j + BATCH, i + PAGE)) as never).execute();
      }
      for (let j = i; j < Math.min(i + PAGE, stateRows.length); j += BATCH) {
        await tx.insertInto('configuration_states').values(stateRows.slice(j, Math.min(j + BATCH, i + PAGE)) as never).execute();
      }
    });
  }
  return (performance.now() - started) / 1000;
}

console.log(`config fan-out: ${settingCount} settings to ${deviceCount.toLocaleString('en')} devices, SQLite (WAL), ${rounds} rounds`);
const fanOutRates: number[] = [];
const floorRates: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const policyId = await assignProfile(round);
  const started = performance.now();
  const queued = await configuration.fanOut(tenantId);
  const fanOutSeconds = (performance.now() - started) / 1000;
  if (queued !== deviceCount) throw new Error(`expected ${deviceCount} queue rows, the fan-out wrote ${queued}`);

  // The rows it wrote, taken out and inserted again plainly.
  const stateRows = await db.selectFrom('configuration_states').selectAll().where('policy_id', '=', policyId).orderBy('enrollment_id').execute();
  const commandIds = [...new Set(stateRows.map((s) => s.command_id!))];
  const queueRows = await db.selectFrom('command_queue').selectAll().where('command_id', 'in', commandIds).orderBy('enrollment_id').execute();
  await db.deleteFrom('configuration_states').where('policy_id', '=', policyId).execute();
  await db.deleteFrom('command_queue').where('command_id', 'in', commandIds).execute();
  const floorSeconds = await floor(queueRows, stateRows);

  const rows = queueRows.length + stateRows.length;
  fanOutRates.push(queueRows.length / fanOutSeconds);
  floorRates.push(queueRows.length / floorSeconds);
  console.log(
    `  round ${round}: fan-out ${fanOutSeconds.toFixed(2)} s (${(queueRows.length / fanOutSeconds).toFixed(0)} queue rows/s, ${(rows / fanOutSeconds).toFixed(0)} rows/s with states)` +
      `  floor ${floorSeconds.toFixed(2)} s (${(queueRows.length / floorSeconds).toFixed(0)} queue rows/s)  ${(fanOutSeconds / floorSeconds).toFixed(2)}x the floor's time`,
  );
}
const best = (values: number[]) => Math.max(...values).toFixed(0);
console.log(`best: fan-out ${best(fanOutRates)} queue rows/s (each with its state row), floor ${best(floorRates)} queue rows/s`);
await database.close();
