/** `baton simulate`: N devices through discovery → identity → management. */
import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { loadConfig } from '@baton/kit';
import { readDemo, type DemoInfo } from '../host/demo.js';
import { runFleet } from '../simulate/fleet.js';
import { parseModes, USER_DRIVEN_ONLY } from '../simulate/modes.js';
import { parseFaultRate, parsePace, parseRampUp } from '../simulate/options.js';
import { deviceOutcomes, formatOutcomes, formatReport } from '../simulate/report.js';

export interface SimulateOptions {
  devices: string;
  concurrency: string;
  seed?: string;
  data?: string;
  url?: string;
  ca?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  user?: string;
  password?: string;
  groupTag?: string;
  faults?: string;
  modes?: string;
  pace?: string;
  rampUp?: string;
  progress?: boolean;
}

function positive(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return n;
}

/** Finds the Baton to drive: a data directory's demo.json, or explicit flags. */
function resolveTarget(options: SimulateOptions): { demo: DemoInfo; caPem: string } {
  if (options.url) {
    for (const flag of ['tenant', 'clientId', 'clientSecret', 'user', 'password', 'ca'] as const) {
      if (!options[flag]) throw new Error(`--url needs --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} too (or use --data <dir> with a demo.json)`);
    }
    const base = options.url.replace(/\/+$/, '');
    const demo: DemoInfo = {
      tenantId: options.tenant!,
      domain: '',
      baseUrl: base,
      graphBaseUrl: `${base}/graph`,
      authority: `${base}/${options.tenant}`,
      discoveryUrl: base,
      caPath: options.ca!,
      user: { upn: options.user!, password: options.password! },
      adminApp: { clientId: options.clientId!, clientSecret: options.clientSecret! },
    };
    return { demo, caPem: readFileSync(options.ca!, 'utf8') };
  }
  const dataDir = loadConfig(process.env, options.data ? { dataDir: options.data } : {}).dataDir;
  const demo = readDemo(dataDir);
  return { demo, caPem: readFileSync(options.ca ?? demo.caPath, 'utf8') };
}

export async function simulate(options: SimulateOptions): Promise<void> {
  const devices = positive('devices', options.devices, 100_000);
  const concurrency = positive('concurrency', options.concurrency, 1000);
  const seed = options.seed === undefined ? Date.now() % 1_000_000 : positive('seed', options.seed, 2 ** 31);
  const faultRate = parseFaultRate(options.faults);
  const modes = options.modes === undefined ? USER_DRIVEN_ONLY : parseModes(options.modes);
  const pace = parsePace(options.pace);
  const rampUpMs = parseRampUp(options.rampUp);
  const { demo, caPem } = resolveTarget(options);
  const showProgress = options.progress !== false && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: ' {stage} [{bar}] {value}/{total} {extra}', stream: process.stderr, hideCursor: true, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  process.stdout.write(
    `Simulating ${devices} devices against ${demo.discoveryUrl} (seed ${seed}, concurrency ${concurrency}${faultRate > 0 ? `, faults ${faultRate}` : ''}${options.modes ? `, modes ${options.modes}` : ''}, pace ${pace}${rampUpMs > 0 ? `, ramp-up ${rampUpMs / 1000}s` : ''})\n`,
  );
  if (showProgress) bar.start(devices, 0, { stage: 'register', extra: '' });
  let managed = 0;
  let failed = 0;
  const started = performance.now();
  const { results, faults, retries } = await runFleet({
    demo,
    caPem,
    devices,
    concurrency,
    seed,
    groupTag: options.groupTag,
    faultRate,
    modes,
    pace,
    rampUpMs,
    onRegistered: (n) => showProgress && bar.update(n, { stage: 'register' }),
    onDeviceDone: (result, n) => {
      if (result.managed) managed++;
      if (!result.ok) failed++;
      if (showProgress) {
        if (n === 1) bar.update(0, { stage: 'provision' });
        bar.update(n, { stage: 'provision', extra: `${managed} managed, ${failed} failed` });
      }
    },
  });
  if (showProgress) bar.stop();
  process.stdout.write(formatReport(results, performance.now() - started) + '\n');
  process.stdout.write(`\n${formatOutcomes(deviceOutcomes(results, faults, retries))}\n`);
  const target = options.url ? ' (with the same --url, --tenant, --client-id, --client-secret and --ca)' : options.data ? ` --data ${options.data}` : '';
  process.stdout.write(
    `\nThese are the outcomes as the devices saw them. The services' own verdict, which counts what a device cannot see\n` +
      `(noncompliant after setup, a phase over its budget) and names each failure's code and remedy: npx baton diagnose --summary${target}\n`,
  );
  // With faults injected, failures are the point; without, any failure is a finding.
  if (faultRate === 0 && results.some((r) => !r.managed)) process.exitCode = 1;
}
