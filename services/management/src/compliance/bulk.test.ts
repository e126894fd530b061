import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertSql } from './bulk.js';

test('multi-row statements number PostgreSQL parameters across rows and name the upsert columns', () => {
  assert.equal(
    insertSql('postgres', 'device_compliance', ['enrollment_id', 'state'], 2, { conflict: 'enrollment_id', update: ['state'] }),
    'insert into "device_compliance" ("enrollment_id", "state") values ($1, $2), ($3, $4) on conflict ("enrollment_id") do update set "state" = excluded."state"',
  );
  assert.equal(insertSql('sqlite', 'outbox', ['id', 'topic'], 3), 'insert into "outbox" ("id", "topic") values (?, ?), (?, ?), (?, ?)');
  assert.equal(insertSql('sqlite', 'odd"name', ['a'], 1), 'insert into "odd""name" ("a") values (?)');
});
