#!/usr/bin/env node
// npm run bench [-- name ...]: runs bench/<name>.ts (all when no name is given).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(`${root}bench`).filter((f) => f.endsWith('.ts') && f !== 'support.ts').map((f) => f.slice(0, -3));
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of names.length ? names : all) {
  if (!all.includes(name)) {
    console.error(`no benchmark "${name}"; have: ${all.join(', ')}`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { cwd: root, stdio: 'inherit', env: { ...process.env, BATON_LOG_LEVEL: 'silent' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
