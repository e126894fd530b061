/**
 * `baton diagnose <serial|ZTDId|device id>`: which service broke a device's provisioning,
 * in which phase, with which code, and what to do; `--summary` for a whole fleet. It reads
 * the three services' event feeds over HTTPS and owns no state.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_APP_IDS, type ServiceName } from '@baton/contracts';
import { createHttpsFetch, loadConfig, type Fetch } from '@baton/kit';
import { adminToken, readDemo } from '../host/demo.js';
import { BUDGET_GROUPS, collectDeviceEvents, diagnoseEvents, FeedReader, isSerialNumber, type BudgetGroup, type Diagnosis } from '@baton/diagnosis';
import { formatDiagnosis, type DiagnoseFormat } from '../diagnose/format.js';
import { formatFleetSummary, summarizeFleet, type FleetSummary } from '../diagnose/summary.js';

export interface DiagnoseOptions {
  summary?: boolean;
  format?: string;
  budget?: string;
  since?: string;
  data?: string;
  url?: string;
  ca?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  identityUrl?: string;
  managementUrl?: string;
}

interface Target {
  urls: Record<ServiceName, string>;
  authority: string;
  clientId: string;
  clientSecret: string;
  caPem: string;
  /** Set when the management URL was given rather than guessed. */
  managementKnown: boolean;
}

const FORMATS: DiagnoseFormat[] = ['table', 'json', 'mermaid'];

/** `discovery=90,identity=120,deviceSetup=3600` (seconds) over the defaults. */
export function parseBudgets(raw: string | undefined): Partial<Record<BudgetGroup, number>> {
  const out: Partial<Record<BudgetGroup, number>> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || !(name in BUDGET_GROUPS)) throw new Error(`--budget: unknown phase group "${name}" (use ${Object.keys(BUDGET_GROUPS).join(', ')})`);
    const seconds = Number(value);
    if (!value || !Number.isFinite(seconds) || seconds < 0) throw new Error(`--budget: ${name} needs a number of seconds, got "${value}"`);
    out[name as BudgetGroup] = seconds;
  }
  return out;
}

function origin(url: string): string {
  return new URL(url).origin;
}

function resolveTarget(options: DiagnoseOptions): Target & { dataDir?: string } {
  if (options.url) {
    for (const flag of ['tenant', 'clientId', 'clientSecret', 'ca'] as const) {
      if (!options[flag]) throw new Error(`--url needs --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} too (or use --data <dir> with a demo.json)`);
    }
    const base = options.url.replace(/\/+$/, '');
    const identity = (options.identityUrl ?? base).replace(/\/+$/, '');
    return {
      urls: { discovery: base, identity, management: (options.managementUrl ?? base).replace(/\/+$/, '') },
      authority: `${identity}/${options.tenant}`,
      clientId: options.clientId!,
      clientSecret: options.clientSecret!,
      caPem: readFileSync(options.ca!, 'utf8'),
      managementKnown: Boolean(options.managementUrl),
    };
  }
  const dataDir = loadConfig(process.env, options.data ? { dataDir: options.data } : {}).dataDir;
  const demo = readDemo(dataDir);
  const discovery = demo.discoveryUrl.replace(/\/+$/, '');
  return {
    urls: { discovery, identity: options.identityUrl ?? origin(demo.authority), management: (options.managementUrl ?? discovery).replace(/\/+$/, '') },
    authority: demo.authority,
    clientId: demo.adminApp.clientId,
    clientSecret: demo.adminApp.clientSecret,
    caPem: readFileSync(options.ca ?? demo.caPath, 'utf8'),
    managementKnown: Boolean(options.managementUrl),
    dataDir,
  };
}

/**
 * The token the feeds are read with: the tenant's admin application, or, when the data
 * directory holds Baton's own service credentials, discovery's application, which also
 * reads the events of devices no tenant registered (lookups of unknown hashes).
 */
function tokenSource(target: Target & { dataDir?: string }, fetch: Fetch): () => Promise<string> {
  let token: Promise<string> | undefined;
  const file = target.dataDir ? join(target.dataDir, 'service-credentials.json') : undefined;
  const service = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { clientId: string; clientSecret: string }>).discovery : undefined;
  const credentials = service?.clientId === SERVICE_APP_IDS.discovery ? service : { clientId: target.clientId, clientSecret: target.clientSecret };
  return () => {
    token ??= adminToken({ authority: target.authority, adminApp: credentials }, fetch).catch((error) => {
      token = undefined;
      throw error;
    });
    return token;
  };
}

/** Identity's joins name management's URL (the handoff): where management's feed lives. */
async function learnManagementUrl(reader: FeedReader, target: Target): Promise<void> {
  if (target.managementKnown) return;
  const joins = await reader.read('identity', { $top: '50' });
  const named = joins.map((e) => e.detail?.mdmDiscoveryUrl).find((u): u is string => typeof u === 'string' && URL.canParse(u));
  if (named) target.urls.management = origin(named);
}

/** What the feeds say about one device, for the command and for scripts. */
export async function readDiagnosis(id: string, options: DiagnoseOptions = {}): Promise<{ diagnosis: Diagnosis; unavailable: Map<ServiceName, string> }> {
  return withReader(options, async (reader) => {
    const events = await collectDeviceEvents(reader, id);
    return diagnoseEvents(id, events, { budgetsS: parseBudgets(options.budget), registrationId: isSerialNumber(id) });
  });
}

/** What the feeds say about every device they know. */
export async function readFleetSummary(options: DiagnoseOptions = {}): Promise<{ diagnosis: FleetSummary; unavailable: Map<ServiceName, string> }> {
  return withReader(options, async (reader) => {
    const since: Record<string, string> = options.since ? { since: new Date(options.since).toISOString() } : {};
    return summarizeFleet(await reader.readAll(since), { budgetsS: parseBudgets(options.budget), registrationId: true });
  });
}

async function withReader<T>(options: DiagnoseOptions, fn: (reader: FeedReader) => Promise<T>): Promise<{ diagnosis: T; unavailable: Map<ServiceName, string> }> {
  const target = resolveTarget(options);
  const fetch = createHttpsFetch({ caPem: target.caPem, connections: 8 });
  try {
    const reader = new FeedReader({ urls: target.urls, token: tokenSource(target, fetch), fetch });
    await learnManagementUrl(reader, target);
    return { diagnosis: await fn(reader), unavailable: reader.unavailable };
  } finally {
    await fetch.close();
  }
}

export async function diagnose(id: string | undefined, options: DiagnoseOptions): Promise<void> {
  const format = (options.format ?? 'table') as DiagnoseFormat;
  if (!FORMATS.includes(format)) throw new Error(`--format must be one of ${FORMATS.join(', ')}`);
  if (!options.summary && !id) throw new Error('name a device (serial number, ZTDId or Entra device id), or use --summary');
  parseBudgets(options.budget);
  let unavailable: Map<ServiceName, string>;
  if (options.summary) {
    const read = await readFleetSummary(options);
    const summary = read.diagnosis;
    unavailable = read.unavailable;
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify(
            {
              devices: summary.devices,
              byOutcome: summary.byOutcome,
              rows: summary.rows,
              perDevice: summary.diagnoses.map((d) => ({ device: d.query, ...d.device, outcome: d.outcome, failure: d.failure ?? d.earlierFailures.at(-1) ?? null })),
            },
            null,
            2,
          )}\n`
        : `${formatFleetSummary(summary)}\n`,
    );
  } else {
    const read = await readDiagnosis(id!, options);
    unavailable = read.unavailable;
    process.stdout.write(`${formatDiagnosis(read.diagnosis, format)}\n`);
    if (read.diagnosis.outcome === 'failed') process.exitCode = 2;
  }
  for (const [service, reason] of unavailable) process.stderr.write(`warning: ${service}'s event feed could not be read: ${reason}\n`);
}
