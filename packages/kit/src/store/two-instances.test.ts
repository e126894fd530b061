import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './database.js';
import { counterMigrations, type CounterDb } from './testing/counter-schema.js';

const writer = fileURLToPath(new URL('./testing/counter-writer.ts', import.meta.url));

function runWriter(dataDir: string, transactions: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = fork(writer, [dataDir, String(transactions)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('two processes on one SQLite file take turns: no transaction refused, no update lost', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-two-instances-'));
  try {
    // Migrated once before both start, as a deployment's first instance does.
    await (await openDatabase<CounterDb>({ service: 'shared', dataDir, migrations: counterMigrations })).close();

    const results = await Promise.all([runWriter(dataDir, 400), runWriter(dataDir, 400)]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);

    const check = await openDatabase<CounterDb>({ service: 'shared', dataDir, migrations: counterMigrations });
    const row = await check.db.selectFrom('counter').select('value').executeTakeFirstOrThrow();
    await check.close();
    assert.equal(row.value, 800);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
