// The ownership table is enforced here: a service that imports another service, or a
// shared package that imports a service, fails the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const ruleSet = require('../.dependency-cruiser.cjs');
const root = new URL('..', import.meta.url).pathname;

async function violations(baseDir: string, roots: string[]) {
  const result = await cruise(roots, { ruleSet, validate: true, baseDir, ...ruleSet.options });
  const output = result.output as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  return output.summary.violations;
}

test('no service, package or device crosses a boundary', async () => {
  const found = await violations(root, ['services', 'packages', 'device', 'operator']);
  assert.deepEqual(
    found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
    [],
  );
});

test('the rules catch a service importing another by its workspace package name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-boundary-'));
  try {
    mkdirSync(join(dir, 'services/identity/src'), { recursive: true });
    mkdirSync(join(dir, 'services/discovery/src'), { recursive: true });
    mkdirSync(join(dir, 'node_modules/@baton'), { recursive: true });
    writeFileSync(join(dir, 'services/identity/package.json'), JSON.stringify({ name: '@baton/identity', type: 'module', exports: { '.': './src/index.ts' } }));
    writeFileSync(join(dir, 'services/identity/src/index.ts'), 'export const issuer = 1;\n');
    symlinkSync(join(dir, 'services/identity'), join(dir, 'node_modules/@baton/identity'));
    writeFileSync(join(dir, 'services/discovery/src/app.ts'), "import { issuer } from '@baton/identity';\nexport const x = issuer;\n");
    const found = await violations(dir, ['services']);
    assert.deepEqual(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`), ['service-imports-service: services/discovery/src/app.ts -> services/identity/src/index.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the rules catch management importing identity', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-boundary-'));
  try {
    mkdirSync(join(dir, 'services/identity/src'), { recursive: true });
    mkdirSync(join(dir, 'services/management/src'), { recursive: true });
    mkdirSync(join(dir, 'packages/kit/src'), { recursive: true });
    writeFileSync(join(dir, 'services/identity/src/tokens.ts'), 'export const issuer = 1;\n');
    writeFileSync(join(dir, 'services/management/src/app.ts'), "import { issuer } from '../../identity/src/tokens.js';\nexport const x = issuer;\n");
    writeFileSync(join(dir, 'packages/kit/src/index.ts'), "import { x } from '../../../services/management/src/app.js';\nexport const y = x;\n");
    const found = await violations(dir, ['services', 'packages']);
    const names = found.map((v) => v.rule.name).sort();
    assert.deepEqual(names, ['package-imports-service', 'service-imports-service']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the rules catch the console importing the kit, and its bundle importing a node built-in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-boundary-'));
  try {
    mkdirSync(join(dir, 'operator/console/src'), { recursive: true });
    mkdirSync(join(dir, 'packages/kit/src'), { recursive: true });
    writeFileSync(join(dir, 'packages/kit/src/index.ts'), 'export const store = 1;\n');
    writeFileSync(join(dir, 'operator/console/src/App.tsx'), "import { readFileSync } from 'node:fs';\nimport { store } from '../../../packages/kit/src/index.js';\nexport const x = [readFileSync, store];\n");
    const found = await violations(dir, ['operator']);
    assert.deepEqual(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort(), [
      'browser-code-imports-node: operator/console/src/App.tsx -> fs',
      'console-imports-service-or-store: operator/console/src/App.tsx -> packages/kit/src/index.ts',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
