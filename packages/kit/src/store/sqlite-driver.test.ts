import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSqliteDriver, sqliteDriverName } from './sqlite-driver.js';

test('Node 20 gets better-sqlite3 12, Node 22 and later the Node-API build', () => {
  assert.equal(sqliteDriverName('20.19.0'), 'better-sqlite3');
  assert.equal(sqliteDriverName('22.12.0'), 'better-sqlite3-napi');
  assert.equal(sqliteDriverName('24.21.0'), 'better-sqlite3-napi');
});

test('the driver for this Node.js loads and runs SQL', () => {
  const SQLite = loadSqliteDriver();
  const db = new SQLite(':memory:');
  assert.deepEqual(db.prepare('select 40 + 2 as answer').get(), { answer: 42 });
  db.close();
});
