#!/usr/bin/env node
// Runs every *.test.ts in the workspace with node's test runner through tsx.
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [path-fragment ...]  (only files whose path contains a fragment)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', '.git', '.baton', '.tmp', 'dist', 'coverage']);

function collect(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const fragments = process.argv.slice(2);
const files = collect(root, [])
  .filter((f) => fragments.length === 0 || fragments.some((frag) => f.includes(frag)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// The timeout catches a hang, not a slow machine: an end-to-end file runs its chain on SQLite and
// then on PostgreSQL, and on a busy 2-core machine the longest take well over two minutes.
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
