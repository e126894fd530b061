// The commands a new user types: `baton up`, then `baton simulate`, then `baton routes`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDataDir } from './support.js';

const bin = new URL('../../operator/cli/bin/baton.js', import.meta.url).pathname;
const run = promisify(execFile);

test('baton up serves HTTPS with a demo tenant; baton simulate takes devices to managed', async (t) => {
  const dataDir = tempDataDir();
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'up', '--port', String(port), '--data', dataDir], {
    env: { ...process.env, BATON_LOG_LEVEL: 'silent', BATON_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton up did not come up:\n${out}`)), 60_000);
    child.stdout.on('data', () => {
      if (out.includes('Baton is up at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`baton up exited with ${code}:\n${out}`)));
  });
  assert.match(out, new RegExp(`Baton is up at https://localhost:${port}`));
  assert.match(out, new RegExp(`Web console\\s+https://localhost:${port}/console/ `), 'up names the web console it serves');
  const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
  for (const key of ['tenantId', 'domain', 'baseUrl', 'caPath', 'user', 'adminApp']) assert.ok(demo[key], `demo.json has ${key}`);
  assert.ok(existsSync(demo.caPath));
  assert.match(out, new RegExp(demo.caPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const sim = await run(process.execPath, [bin, 'simulate', '--devices', '3', '--concurrency', '3', '--data', dataDir, '--seed', '5'], {
    env: { ...process.env, BATON_LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
  assert.match(sim.stdout, /3\/3 devices reached "managed"/);
  for (const phase of ['lookup', 'authenticate', 'join', 'enroll', 'firstSync']) assert.match(sim.stdout, new RegExp(`^${phase}\\s`, 'm'));
  assert.ok(sim.stdout.includes(`npx baton diagnose --summary --data ${dataDir}`), "the run points to the services' own verdict on the same Baton");

  // Self-deploying devices: a shared profile through a dynamic group, TPM attestation, no user.
  const kiosks = await run(process.execPath, [bin, 'simulate', '--devices', '2', '--concurrency', '2', '--data', dataDir, '--seed', '6', '--modes', 'user=0,self=1'], {
    env: { ...process.env, BATON_LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
  assert.match(kiosks.stdout, /2\/2 devices reached "managed"/);
  assert.match(kiosks.stdout, /^attest\s/m);
  assert.doesNotMatch(kiosks.stdout, /^authenticate\s/m);
  assert.match(kiosks.stdout, /modes: 0 user-driven, 2 self-deploying/);

  // Pre-provisioned devices, started half a second apart: technician, reseal, then the user.
  const staged = await run(process.execPath, [bin, 'simulate', '--devices', '2', '--concurrency', '2', '--data', dataDir, '--seed', '8', '--modes', 'userDriven=0,preProvisioned=100', '--ramp-up', '1'], {
    env: { ...process.env, BATON_LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
  assert.match(staged.stdout, /2\/2 devices reached "managed"/);
  for (const [phase, service] of [['attest', 'identity'], ['reseal', 'device'], ['userSignIn', 'identity'], ['accountSetup', 'management']]) {
    assert.match(staged.stdout, new RegExp(`^${phase}\\s+${service}\\s+2\\s`, 'm'));
  }
  assert.match(staged.stdout, /modes: 0 user-driven, 0 self-deploying, 2 pre-provisioned/);
  assert.match(staged.stdout, /pace fast, ramp-up 1s/);

  // A flag it cannot read stops the run before anything is registered, naming the flag.
  for (const [flag, value, message] of [['--pace', 'slow', /--pace takes fast or real/], ['--ramp-up', '-3', /--ramp-up takes seconds/], ['--modes', 'kiosk=1', /--modes takes/]] as const) {
    const refused = await run(process.execPath, [bin, 'simulate', '--devices', '1', '--data', dataDir, flag, value], { env: { ...process.env, BATON_LOG_LEVEL: 'silent' }, timeout: 60_000 }).then(
      () => assert.fail(`${flag} ${value} was accepted`),
      (e: { code: number; stderr: string }) => e,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, message);
  }
});

test('baton routes lists every route with its owning service', async () => {
  const { stdout } = await run(process.execPath, [bin, 'routes'], { env: { ...process.env, BATON_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  const rows = stdout.split('\n').filter((l) => /^(discovery|identity|management)\s/.test(l));
  const owner = (path: string) => rows.find((r) => r.trim().endsWith(path))?.split(/\s+/)[0];
  assert.equal(owner('/ztd/v1/lookup'), 'discovery');
  assert.equal(owner('/:tenant/oauth2/v2.0/token') ?? rows.find((r) => r.includes('/oauth2/v2.0/token'))?.split(/\s+/)[0], 'identity');
  assert.equal(rows.find((r) => r.includes('/EnrollmentServer/Enrollment.svc'))?.split(/\s+/)[0], 'management');
  assert.equal(rows.find((r) => r.includes('/ManagementServer/MDM.svc'))?.split(/\s+/)[0], 'management');
  assert.equal(rows.find((r) => r.includes('windowsAutopilotDeviceIdentities'))?.split(/\s+/)[0], 'discovery');
  assert.equal(rows.find((r) => r.includes('managedDevices'))?.split(/\s+/)[0], 'management');
  assert.match(stdout, /\d+ routes: discovery \d+, identity \d+, management \d+/);
});
