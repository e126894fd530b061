import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openManagementStore } from '@baton/management';

const dir = mkdtempSync(join(tmpdir(), 'reads-'));
const { store, database } = await openManagementStore({ dataDir: dir });
const tenantId = randomUUID();
const pem = '-----BEGIN CERTIFICATE-----\n' + randomBytes(1100).toString('base64') + '\n-----END CERTIFICATE-----\n';
const rows = Array.from({ length: 100000 }, (_, i) => ({
  id: randomUUID(), tenantId, azureAdDeviceId: randomUUID(), userId: null, upn: null, mdmDeviceId: randomBytes(16).toString('hex'),
  hwDevId: null, deviceName: `B-${i}`, osVersion: '10.0', enrollmentType: 'Full', certThumbprint: randomBytes(20).toString('hex').toUpperCase(),
  certPem: i < 2000 ? pem : '', enrolledAt: new Date().toISOString(), lastSyncAt: null, managementState: 'managed', inventory: {},
}));
for (let i = 0; i < rows.length; i += 5000) await store.insertEnrollments(rows.slice(i, i + 5000) as any);
await database.close();
const db = new Database(join(dir, 'management.sqlite'));
db.pragma('journal_mode = WAL'); db.pragma('mmap_size = 1073741824'); db.pragma('cache_size = -32768');
const polling = rows.slice(0, 2000);
function time(name: string, sqlText: string, arg: (r: (typeof rows)[0]) => unknown) {
  const st = db.prepare(sqlText);
  for (const r of polling) st.all(arg(r));
  const n = 20000; const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) st.all(arg(polling[i % polling.length]!));
  console.log(name.padEnd(50), (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(1), 'µs');
}
time('select * by thumbprint', 'select * from enrollments where cert_thumbprint = ?', (r) => r.certThumbprint);
time('select * by id', 'select * from enrollments where id = ?', (r) => r.id);
time('select id by thumbprint', 'select id from enrollments where cert_thumbprint = ?', (r) => r.certThumbprint);
time('select inventory by id', 'select inventory from enrollments where id = ?', (r) => r.id);
time('session lookup', 'select last_msg_id, ended_at from sessions where enrollment_id = ? and session_id = ? order by started_at desc limit 1', (r) => [r.id, '1A']);
console.log(db.prepare('explain query plan select * from enrollments where cert_thumbprint = ?').all('x'));
