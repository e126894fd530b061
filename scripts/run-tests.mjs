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
function run(list) {
  const timeout = process.env.BATON_TEST_FILE_TIMEOUT_MS ?? '300000';
  const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeout}`, ...list];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], env: process.env });
  let output = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    output += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: signal ? 1 : (code ?? 1), output })));
}

/**
 * Files whose only failure is that the file as a whole ran out of time. On Node 20 a test
 * process has been seen, rarely, to stall before reporting any result (a file of synchronous
 * crypto tests that passes in a second every other time); such files are run once more, and a
 * stall that repeats fails the run as before. When any test failed, nothing is retried.
 */
function stalledFiles(output) {
  const stalled = [];
  const re = /^not ok \d+ - (.+\.test\.ts)\n {2}---\n(?: {2}.*\n)*? {2}failureType: 'testTimeoutFailure'/gm;
  for (const match of output.matchAll(re)) stalled.push(relative(root, match[1]));
  const failedFiles = output.match(/^not ok \d+ - /gm)?.length ?? 0;
  return stalled.length === failedFiles ? stalled : [];
}

/**
 * Every failed test with the first lines of its diagnostic, repeated after the run: in a long
 * run the TAP stream puts a failure hundreds of lines above the totals, where a log's tail
 * (all that some CI views keep) no longer shows it.
 */
function failureDigest(output) {
  const lines = output.split('\n');
  const digest = [];
  for (let i = 0; i < lines.length; i++) {
    const match = /^(\s*)not ok \d+ - (.*)$/.exec(lines[i]);
    if (!match) continue;
    digest.push(`# not ok: ${match[2]}`);
    const end = `${match[1]}  ...`;
    for (let j = i + 1, kept = 0; j < lines.length && lines[j] !== end && kept < 12; j++) {
      if (/^\s*(duration_ms|type|---)/.test(lines[j])) continue;
      digest.push(`#   ${lines[j].trim()}`);
      kept++;
    }
  }
  return digest;
}

function exitWith(result) {
  if (result.code !== 0) {
    const digest = failureDigest(result.output);
    if (digest.length > 0) console.log(['', '# failed tests, repeated from above:', ...digest].join('\n'));
  }
  process.exit(result.code);
}

const first = await run(files);
const retry = first.code === 0 ? [] : stalledFiles(first.output);
if (retry.length === 0) exitWith(first);
console.log(`\n# ${retry.length} file(s) stalled until the timeout without another failure; running again once: ${retry.join(', ')}`);
exitWith(await run(retry));
