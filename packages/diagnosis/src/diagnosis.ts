/**
 * From the events the three services recorded for one device to a diagnosis: the
 * provisioning attempts (one trace id each), the latest attempt's timeline and phase
 * spans, the first failure with its owning service, phase and code, and the phases that
 * ran over budget even when they succeeded. Pure: the feeds are read elsewhere.
 */
import { CHAIN_PHASES, PHASE_OWNER, type ChainEvent, type ChainPhase, type ServiceName } from '@baton/contracts';
import { explainCode } from './codes.js';

/** Events an administrator's action produced, not a device's run. */
const ADMIN_TYPES = new Set(['registration', 'assignment']);

/** The steps every provisioning records, in order, and the phase each belongs to. */
const REQUIRED_STEPS: Array<{ type: string; phase: ChainPhase }> = [
  { type: 'lookup', phase: 'discovery' },
  { type: 'signIn', phase: 'authentication' },
  { type: 'join', phase: 'join' },
  { type: 'deviceToken', phase: 'deviceToken' },
  { type: 'enrollment', phase: 'enrollment' },
  { type: 'omadmSession', phase: 'deviceSetup' },
];

export type BudgetGroup = 'discovery' | 'identity' | 'deviceSetup';

export const BUDGET_GROUPS: Record<BudgetGroup, ChainPhase[]> = {
  discovery: ['discovery'],
  identity: ['attestation', 'authentication', 'join', 'deviceToken'],
  deviceSetup: ['mdmDiscovery', 'enrollment', 'deviceSetup'],
};

/** Seconds: discovery 90, identity 120, device setup the ESP's default 60-minute timeout. */
export const DEFAULT_BUDGETS_S: Record<BudgetGroup, number> = { discovery: 90, identity: 120, deviceSetup: 3600 };

export interface Finding {
  service: ServiceName;
  phase: ChainPhase | string;
  errorCode: string;
  meaning: string;
  remediation: string;
  windows?: string;
  /** What the failing event says beyond its code: the settings that failed, the reason given. */
  detail?: string;
  /** True when no event carries it: a service recorded nothing after the handoff. */
  inferred: boolean;
  at?: string;
  traceId?: string;
  eventType?: string;
  /** What the failing step was waiting for, when the service named it (the app an ESP blocked on). */
  item?: string;
}

export interface PhaseSpan {
  phase: ChainPhase;
  service: ServiceName;
  start: string;
  end: string;
  ms: number;
  outcome: 'success' | 'failure' | 'missing';
}

export interface BudgetFlag {
  group: BudgetGroup;
  ms: number;
  budgetMs: number;
}

export type Outcome = 'healthy' | 'failed' | 'recovered' | 'notStarted' | 'unknown';

export interface DeviceIds {
  serialNumber: string | null;
  ztdId: string | null;
  azureADDeviceId: string | null;
  managedDeviceId: string | null;
}

export interface Diagnosis {
  query: string;
  outcome: Outcome;
  device: DeviceIds;
  traceId: string | null;
  failure: Finding | null;
  /** Failures of earlier attempts, oldest first (a recovered device has at least one). */
  earlierFailures: Finding[];
  attempts: number;
  phases: PhaseSpan[];
  overBudget: BudgetFlag[];
  /** The latest attempt's events with the administrative events about the device, oldest first. */
  timeline: ChainEvent[];
}

const byTime = (a: ChainEvent, b: ChainEvent) => a.occurredDateTime.localeCompare(b.occurredDateTime) || a.service.localeCompare(b.service) || a.id.localeCompare(b.id);
const ms = (iso: string) => Date.parse(iso);

export function isAdminEvent(event: ChainEvent): boolean {
  return ADMIN_TYPES.has(event.type);
}

function findingFromEvent(event: ChainEvent): Finding {
  let service = event.service;
  let phase: string = event.phase;
  // Discovery says so when it could not hand the device to identity: identity is the one down.
  if (event.service === 'discovery' && event.errorCode === 'ServiceUnavailable' && event.detail?.reason === 'identityUnavailable') {
    service = 'identity';
    phase = 'authentication';
  }
  const code = event.errorCode ?? `${event.type}Failed`;
  const info = explainCode(service, event.errorCode);
  const detail = eventFindingDetail(event);
  const item = typeof event.detail?.blockingItem === 'string' ? { item: event.detail.blockingItem } : {};
  return { service, phase, errorCode: code, ...info, ...(detail ? { detail } : {}), inferred: false, at: event.occurredDateTime, traceId: event.traceId, eventType: event.type, ...item };
}

interface FailedSetting {
  settingName?: unknown;
  currentValue?: unknown;
  expectedValue?: unknown;
}

/** One line from a failing event's detail: each failed compliance setting, or the reason a service gave. */
export function eventFindingDetail(event: ChainEvent): string | undefined {
  const detail = event.detail ?? {};
  if (event.type === 'compliance' && Array.isArray(detail.policies)) {
    const settings = (detail.policies as Array<{ settings?: FailedSetting[] }>).flatMap((p) => (Array.isArray(p.settings) ? p.settings : []));
    const text = settings.map((s) => `${String(s.settingName)}: reported ${String(s.currentValue ?? 'nothing')}, policy expects ${String(s.expectedValue)}`).join('; ');
    return text || undefined;
  }
  return typeof detail.reason === 'string' && detail.reason ? detail.reason.slice(0, 300) : undefined;
}

function missingStep(events: ChainEvent[]): Finding | null {
  for (const step of REQUIRED_STEPS) {
    if (events.some((e) => e.type === step.type && e.outcome === 'success')) continue;
    // A self-deploying device proves its TPM instead of signing a user in.
    if (step.type === 'signIn' && events.some((e) => e.type === 'attestation' && e.outcome === 'success')) continue;
    let phase: ChainPhase = step.phase;
    // Management's MDM discovery names no device, so an admin may not see it: blame the handoff.
    if (step.type === 'enrollment' && !events.some((e) => e.type === 'mdmDiscovery' && e.outcome === 'success')) phase = 'mdmDiscovery';
    const service = PHASE_OWNER[phase];
    const last = events.at(-1);
    return { service, phase, errorCode: 'unreachable', ...explainCode(service, 'unreachable'), inferred: true, ...(last ? { at: last.occurredDateTime, traceId: last.traceId } : {}) };
  }
  return null;
}

/** The first failure of one attempt, or the first step no service recorded. */
export function attemptFailure(events: ChainEvent[]): Finding | null {
  const failed = events.find((e) => e.outcome === 'failure');
  return failed ? findingFromEvent(failed) : missingStep(events);
}

export function phaseSpans(events: ChainEvent[], failure: Finding | null): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  let cursor = events[0]?.occurredDateTime;
  for (const phase of CHAIN_PHASES) {
    const inPhase = events.filter((e) => e.phase === phase);
    if (inPhase.length === 0) {
      if (failure?.inferred && failure.phase === phase && cursor) {
        spans.push({ phase, service: PHASE_OWNER[phase], start: cursor, end: cursor, ms: 0, outcome: 'missing' });
      }
      continue;
    }
    const start = phase === 'discovery' ? inPhase[0]!.occurredDateTime : (cursor ?? inPhase[0]!.occurredDateTime);
    const end = inPhase.at(-1)!.occurredDateTime;
    spans.push({ phase, service: PHASE_OWNER[phase], start, end, ms: Math.max(0, ms(end) - ms(start)), outcome: inPhase.some((e) => e.outcome === 'failure') ? 'failure' : 'success' });
    cursor = end;
  }
  return spans;
}

export function budgetFlags(spans: PhaseSpan[], budgetsS: Record<BudgetGroup, number>): BudgetFlag[] {
  const flags: BudgetFlag[] = [];
  for (const [group, phases] of Object.entries(BUDGET_GROUPS) as Array<[BudgetGroup, ChainPhase[]]>) {
    const inGroup = spans.filter((s) => phases.includes(s.phase));
    if (inGroup.length === 0) continue;
    const total = ms(inGroup.at(-1)!.end) - ms(inGroup[0]!.start);
    const budgetMs = budgetsS[group] * 1000;
    if (total > budgetMs) flags.push({ group, ms: total, budgetMs });
  }
  return flags;
}

function deviceIds(events: ChainEvent[]): DeviceIds {
  const first = (pick: (e: ChainEvent) => string | null | undefined) => {
    for (const e of [...events].reverse()) {
      const v = pick(e);
      if (v) return v;
    }
    return null;
  };
  return {
    serialNumber: first((e) => e.serialNumber),
    ztdId: first((e) => e.ztdId),
    azureADDeviceId: first((e) => e.azureADDeviceId),
    managedDeviceId: first((e) => e.managedDeviceId),
  };
}

/**
 * Groups a device's run events into provisioning attempts, oldest first. Every attempt starts at
 * the device lookup, so a trace with no discovery event (a managed device asking for a token or
 * checking in later, each under a trace of its own) belongs to the attempt before it.
 */
export function attemptsOf(events: ChainEvent[]): ChainEvent[][] {
  const traces = new Map<string, ChainEvent[]>();
  for (const e of events) {
    if (isAdminEvent(e)) continue;
    const list = traces.get(e.traceId) ?? [];
    list.push(e);
    traces.set(e.traceId, list);
  }
  const attempts: ChainEvent[][] = [];
  for (const trace of [...traces.values()].map((list) => list.sort(byTime)).sort((a, b) => byTime(a[0]!, b[0]!))) {
    const startsOver = trace.some((e) => e.phase === 'discovery');
    if (startsOver || attempts.length === 0) attempts.push(trace);
    else attempts.at(-1)!.push(...trace);
  }
  return attempts;
}

export interface DiagnoseOptions {
  budgetsS?: Partial<Record<BudgetGroup, number>>;
  /** Whether the query was an id a registration would carry (serial, ZTDId): no events then means not registered. */
  registrationId?: boolean;
}

export function diagnoseEvents(query: string, events: ChainEvent[], options: DiagnoseOptions = {}): Diagnosis {
  const budgets = { ...DEFAULT_BUDGETS_S, ...options.budgetsS };
  const unique = [...new Map(events.map((e) => [`${e.service}/${e.id}`, e])).values()].sort(byTime);
  const admin = unique.filter(isAdminEvent);
  const attempts = attemptsOf(unique);
  const latest = attempts.at(-1) ?? [];
  const base = { query, device: deviceIds(unique), attempts: attempts.length };

  if (attempts.length === 0) {
    const refused = admin.filter((e) => e.outcome === 'failure').at(-1);
    const registered = admin.some((e) => e.type === 'registration' && e.outcome === 'success');
    let failure: Finding | null = refused ? findingFromEvent(refused) : null;
    if (!failure && !registered && options.registrationId) {
      // Nothing in any feed: this tenant never registered the device, and it never looked up where we could see.
      failure = { service: 'discovery', phase: 'discovery', errorCode: 'ZtdDeviceNotFound', ...explainCode('discovery', 'ZtdDeviceNotFound'), inferred: true };
    }
    return { ...base, outcome: failure ? 'failed' : registered ? 'notStarted' : 'unknown', traceId: null, failure, earlierFailures: [], phases: [], overBudget: [], timeline: admin };
  }

  const failure = attemptFailure(latest);
  const earlierFailures = attempts
    .slice(0, -1)
    .map(attemptFailure)
    .filter((f): f is Finding => f !== null);
  // Phases are timed on the provisioning's own trace; later requests only join the timeline.
  const phases = phaseSpans(latest.filter((e) => e.traceId === latest[0]!.traceId), failure);
  const outcome: Outcome = failure ? 'failed' : earlierFailures.length > 0 ? 'recovered' : 'healthy';
  return {
    ...base,
    outcome,
    traceId: latest[0]!.traceId,
    failure,
    earlierFailures,
    phases,
    overBudget: budgetFlags(phases, budgets),
    timeline: [...admin, ...latest].sort(byTime),
  };
}
