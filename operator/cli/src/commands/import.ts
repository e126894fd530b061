/** `baton import <file.csv>`: register devices from an Autopilot CSV file, as the Intune portal does. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHttpsFetch, loadConfig } from '@baton/kit';
import { adminToken, readDemo, type DemoInfo } from '../host/demo.js';

export interface ImportOptions {
  data?: string;
  url?: string;
  ca?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  onlyFailed?: boolean;
  json?: boolean;
}

interface RowResult {
  row: number;
  serialNumber: string;
  state: { deviceImportStatus: string; deviceRegistrationId: string; deviceErrorCode: number; deviceErrorName: string };
  message?: string;
}

interface ImportAnswer {
  encoding: string;
  variant: string;
  warnings: string[];
  summary: { rows: number; imported: number; failed: number; alreadyRegistered: number };
  value: RowResult[];
}

/** The server's own limit; checked here too so a big file fails before it is uploaded. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const ALREADY_REGISTERED = 806;

function resolveTarget(options: ImportOptions): { demo: Pick<DemoInfo, 'authority' | 'adminApp' | 'graphBaseUrl'>; caPem: string } {
  if (options.url) {
    for (const flag of ['tenant', 'clientId', 'clientSecret', 'ca'] as const) {
      if (!options[flag]) throw new Error(`--url needs --${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} too (or use --data <dir> with a demo.json)`);
    }
    const base = options.url.replace(/\/+$/, '');
    return {
      demo: { authority: `${base}/${options.tenant}`, graphBaseUrl: `${base}/graph`, adminApp: { clientId: options.clientId!, clientSecret: options.clientSecret! } },
      caPem: readFileSync(options.ca!, 'utf8'),
    };
  }
  const dataDir = loadConfig(process.env, options.data ? { dataDir: options.data } : {}).dataDir;
  const demo = readDemo(dataDir);
  return { demo, caPem: readFileSync(options.ca ?? demo.caPath, 'utf8') };
}

export function formatImport(answer: ImportAnswer, onlyFailed = false): string {
  const rows = onlyFailed ? answer.value.filter((r) => r.state.deviceImportStatus !== 'complete' && r.state.deviceErrorCode !== ALREADY_REGISTERED) : answer.value;
  const table = [['row', 'serial number', 'status', 'code', 'detail']];
  for (const r of rows) {
    const ok = r.state.deviceImportStatus === 'complete';
    table.push([
      String(r.row),
      r.serialNumber || '-',
      ok ? 'imported' : r.state.deviceErrorCode === ALREADY_REGISTERED ? 'already registered' : 'failed',
      ok ? '' : String(r.state.deviceErrorCode),
      ok ? r.state.deviceRegistrationId : [r.state.deviceErrorName, r.message].filter(Boolean).join(': '),
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const lines = table.map((line) => line.map((cell, c) => (c === line.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  const s = answer.summary;
  lines.push(
    '',
    `${s.rows} rows (${answer.variant} CSV, ${answer.encoding}): ${s.imported} imported, ${s.alreadyRegistered} already registered, ${s.failed} failed`,
  );
  for (const warning of answer.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export async function importCsvFile(file: string, options: ImportOptions): Promise<void> {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${size} bytes; Baton takes CSV files up to ${MAX_FILE_BYTES} bytes, so split it`);
  const bytes = readFileSync(file);
  const { demo, caPem } = resolveTarget(options);
  const fetch = createHttpsFetch({ caPem, timeoutMs: 600_000 });
  try {
    const token = await adminToken(demo, fetch);
    // Sent as bytes, untouched: the server reads the file's encoding from the bytes themselves.
    const response = await fetch(`${demo.graphBaseUrl}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/importCsv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`import refused: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
    if (!response.ok) throw new Error(`import refused: ${response.status} ${body?.error?.code ?? ''}: ${body?.error?.message ?? text.slice(0, 200)}`);
    const answer = body as ImportAnswer;
    process.stdout.write((options.json ? JSON.stringify(answer, null, 2) : formatImport(answer, options.onlyFailed)) + '\n');
    if (answer.summary.failed > 0) process.exitCode = 1;
  } finally {
    await fetch.close();
  }
}

/** `baton import --sample`: a file of simulated devices, for trying the import out. */
export async function writeSampleCsv(file: string, count: number, encoding: string): Promise<void> {
  const { writeAutopilotCsv } = await import('@baton/protocols');
  const { hardwareHash, randomInventory } = await import('@baton/device');
  const encodings = ['utf-16le', 'utf-16be', 'utf-8-bom', 'utf-8', 'windows-1252'] as const;
  const chosen = encodings.find((e) => e === encoding);
  if (!chosen) throw new Error(`--encoding must be one of ${encodings.join(', ')}`);
  const seed = Date.now() % 1_000_000;
  const rows = Array.from({ length: count }, (_, i) => {
    const inventory = randomInventory(seed, i);
    return { serialNumber: inventory.serialNumber, hardwareHash: hardwareHash(inventory), groupTag: '' };
  });
  writeFileSync(file, writeAutopilotCsv(rows, chosen));
  process.stdout.write(`wrote ${count} simulated devices to ${file} (${chosen})\n`);
}
