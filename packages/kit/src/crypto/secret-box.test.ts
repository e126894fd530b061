import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretBox, loadSecretKey } from './secret-box.js';

test('sealed secrets open with the same key and purpose only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-key-'));
  const key = loadSecretKey(dir);
  assert.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);
  assert.deepEqual(loadSecretKey(dir), key, 'the key persists in the data directory');
  const box = createSecretBox(key, 'identity');
  const sealed = box.seal('client-secret-value');
  assert.doesNotMatch(sealed, /client-secret-value/);
  assert.equal(box.openText(sealed), 'client-secret-value');
  assert.notEqual(box.seal('same'), box.seal('same'), 'a fresh IV each time');
  assert.throws(() => createSecretBox(key, 'management').open(sealed));
  const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
  assert.throws(() => box.open(tampered));
  assert.throws(() => box.open('not sealed'));
  assert.ok(readFileSync(join(dir, 'secret.key'), 'utf8').length > 40);
});

test('a configured key replaces the file and digests are stable per key', () => {
  const a = createSecretBox(loadSecretKey('/nonexistent-not-used', 'operator-key'));
  const b = createSecretBox(loadSecretKey('/nonexistent-not-used', 'operator-key'));
  assert.equal(a.digest('hash'), b.digest('hash'));
  assert.notEqual(a.digest('hash'), createSecretBox(loadSecretKey('/x', 'other')).digest('hash'));
});
