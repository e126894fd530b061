/** A diagnosis as a table for people, JSON for scripts, or Mermaid for a report. */
import type { ChainEvent, ServiceName } from '@baton/contracts';
import type { Diagnosis, Finding } from '@baton/diagnosis';

export type DiagnoseFormat = 'table' | 'json' | 'mermaid';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;

function describeFinding(f: Finding): string[] {
  const lines = [
    `  service:     ${f.service}`,
    `  phase:       ${f.phase}`,
    `  error code:  ${f.errorCode}${f.windows ? ` (Windows: ${f.windows})` : ''}${f.inferred ? ' (inferred: no event after the handoff)' : ''}`,
    ...(f.detail ? [`  detail:      ${f.detail}`] : []),
    `  meaning:     ${f.meaning}`,
    `  remediation: ${f.remediation}`,
  ];
  if (f.at) lines.push(`  at:          ${f.at}${f.traceId ? `  trace ${f.traceId}` : ''}`);
  return lines;
}

function eventDetail(e: ChainEvent): string {
  if (e.outcome === 'failure') return e.errorCode ?? 'failed';
  const d = e.detail ?? {};
  if (e.type === 'join' && d.mdmDiscoveryUrl) return `→ ${String(d.mdmDiscoveryUrl)}`;
  if (e.type === 'lookup' && d.profileId) return `profile ${String(d.profileId)}`;
  return '';
}

export function formatTable(d: Diagnosis): string {
  const ids = Object.entries(d.device)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [`device ${d.query}${ids ? ` (${ids})` : ''}`, `outcome: ${d.outcome.toUpperCase()}${d.traceId ? `  (latest of ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, trace ${d.traceId})` : ''}`];
  if (d.failure) lines.push('', 'first failure:', ...describeFinding(d.failure));
  for (const f of d.earlierFailures) lines.push('', 'earlier attempt failed:', ...describeFinding(f));
  if (d.outcome === 'healthy') lines.push('', 'every service recorded its step, and the first OMA-DM session completed.');
  if (d.overBudget.length > 0) {
    lines.push('', 'over budget:');
    for (const b of d.overBudget) lines.push(`  ${b.group}: ${seconds(b.ms)} > budget ${seconds(b.budgetMs)}`);
  }
  if (d.phases.length > 0) {
    lines.push('', ...table([['phase', 'service', 'duration', 'outcome'], ...d.phases.map((p) => [p.phase, p.service, seconds(p.ms), p.outcome])]).map((l) => `  ${l}`));
  }
  if (d.timeline.length > 0) {
    lines.push('', 'timeline:');
    lines.push(...table([['time', 'service', 'event', 'phase', 'outcome', 'detail'], ...d.timeline.map((e) => [e.occurredDateTime, e.service, e.type, e.phase, e.outcome, eventDetail(e)])]).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

export function formatJson(d: Diagnosis): string {
  return JSON.stringify(d, null, 2);
}

/** Mermaid labels: no characters that end a statement or start syntax. */
function label(text: string): string {
  return text.replace(/[:;#\n\r"`<>{}[\]]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80) || '-';
}

const PARTICIPANT: Record<ServiceName, string> = { discovery: 'Disc', identity: 'Iden', management: 'Mgmt' };

/** A gantt of the phases grouped by service, and a sequence diagram of the handoffs, as they happened. */
export function mermaidDiagrams(d: Diagnosis): { gantt: string; sequence: string } {
  const out: string[] = [];
  out.push('gantt', `  title ${label(`Provisioning of ${d.device.serialNumber ?? d.query}`)}`, '  dateFormat x', '  axisFormat %H:%M:%S');
  for (const service of ['discovery', 'identity', 'management'] as const) {
    const spans = d.phases.filter((p) => p.service === service);
    if (spans.length === 0) continue;
    out.push(`  section ${service}`);
    spans.forEach((p, i) => {
      const start = Date.parse(p.start);
      const end = Math.max(Date.parse(p.end), start + 1);
      const tags = [p.outcome === 'success' ? 'done' : 'crit', `${service.slice(0, 4)}${i}`].join(', ');
      out.push(`  ${label(`${p.phase} ${p.outcome}`)} :${tags}, ${start}, ${end}`);
    });
  }
  if (d.phases.length === 0) out.push('  section no attempt', `  ${label(d.failure ? `${d.failure.service} ${d.failure.errorCode}` : 'no events')} :crit, none0, 0, 1`);

  const gantt = out.splice(0).join('\n');
  out.push('sequenceDiagram', '  participant Dev as device', '  participant Disc as discovery', '  participant Iden as identity', '  participant Mgmt as management');
  if (d.timeline.some((e) => e.type === 'registration' || e.type === 'assignment')) out.push('  participant Admin as administrator');
  for (const e of d.timeline) {
    const to = PARTICIPANT[e.service];
    const from = e.type === 'registration' || e.type === 'assignment' ? 'Admin' : 'Dev';
    if (e.type === 'commandStatus') {
      out.push(`  ${to}->>Dev: ${label(`command ${String(e.detail?.cmd ?? '')} ${String(e.detail?.target ?? '')}`)}`);
      out.push(`  Dev--x${to}: ${label(`status ${e.errorCode ?? ''}`)}`);
      continue;
    }
    out.push(`  ${from}->>${to}: ${label(e.type)}`);
    out.push(e.outcome === 'success' ? `  ${to}-->>${from}: ${label(eventDetail(e) || 'ok')}` : `  ${to}--x${from}: ${label(e.errorCode ?? 'failed')}`);
  }
  if (d.failure?.inferred && d.traceId) {
    out.push(`  Dev-x${PARTICIPANT[d.failure.service]}: ${label(`${d.failure.phase} no answer recorded`)}`);
  }
  if (d.failure) out.push(`  Note over Dev,${PARTICIPANT[d.failure.service]}: ${label(`first failure ${d.failure.service} ${d.failure.phase} ${d.failure.errorCode}`)}`);
  return { gantt, sequence: out.join('\n') };
}

/** Both diagrams as Markdown fenced blocks, ready for a wiki or an issue. */
export function formatMermaid(d: Diagnosis): string {
  const { gantt, sequence } = mermaidDiagrams(d);
  return ['```mermaid', gantt, '```', '', '```mermaid', sequence, '```'].join('\n');
}

export function formatDiagnosis(d: Diagnosis, format: DiagnoseFormat): string {
  if (format === 'json') return formatJson(d);
  if (format === 'mermaid') return formatMermaid(d);
  return formatTable(d);
}
