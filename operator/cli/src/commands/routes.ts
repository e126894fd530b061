/** `baton routes`: the endpoint ownership table, read from the live route registrations. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@baton/contracts';
import { createApp, ensureLocalTls, loadConfig, type OwnedRoute } from '@baton/kit';
import { composeServices } from '../host/start.js';

export async function collectRoutes(): Promise<OwnedRoute[]> {
  // Services open their stores when composed; a throwaway data directory keeps this
  // command free of side effects on a real installation.
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-routes-'));
  try {
    const config = loadConfig({}, { dataDir, port: 0, logLevel: 'silent' });
    const tls = await ensureLocalTls(dataDir);
    const app = createApp();
    const composed = await composeServices({ config, services: [...SERVICE_NAMES], app, url: 'https://localhost', caPem: tls.caPem, quiet: true });
    await app.ready();
    for (const runtime of Object.values(composed.runtimes)) await runtime.stop();
    await app.close();
    await composed.fetch.close();
    return composed.routes.sorted();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function routes(options: { json?: boolean }): Promise<void> {
  const table = await collectRoutes();
  if (options.json) {
    process.stdout.write(JSON.stringify(table, null, 2) + '\n');
    return;
  }
  const width = Math.max(...table.map((r) => r.url.length));
  process.stdout.write(`${'OWNER'.padEnd(11)} ${'METHOD'.padEnd(7)} PATH\n`);
  for (const r of table) process.stdout.write(`${r.owner.padEnd(11)} ${r.method.padEnd(7)} ${r.url.padEnd(width)}\n`);
  const counts = SERVICE_NAMES.map((s) => `${s} ${table.filter((r) => r.owner === s).length}`).join(', ');
  process.stdout.write(`\n${table.length} routes: ${counts}\n`);
}
