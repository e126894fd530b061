/** Fleet figures: how many devices got managed, who failed the rest, and phase latencies. */
import { PHASES, reportedCode, type DeviceRunResult, type PhaseName, type ProvisioningMode } from './agent.js';

export interface PhaseSummary {
  name: PhaseName;
  /** Successful executions of the phase; failures are counted by service, not timed. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface FleetSummary {
  devices: number;
  managed: number;
  failedByService: Record<'discovery' | 'identity' | 'management' | 'device', number>;
  /**
   * `service:code` → count, the first place to look when a fleet run goes wrong; identity's
   * failures under their AADSTS code when identity gave one, as `baton diagnose` names them.
   */
  failedByCode: Record<string, number>;
  /** Devices by the mode their profile chose (devices that never got a profile have none). */
  byMode: Record<ProvisioningMode, number>;
  /** The phases some device of the fleet walked, in chain order. */
  phases: PhaseSummary[];
}

/** Nearest-rank percentile of ascending `sorted`; 0 for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeRuns(results: readonly DeviceRunResult[]): FleetSummary {
  const failedByService: FleetSummary['failedByService'] = { discovery: 0, identity: 0, management: 0, device: 0 };
  const failedByCode: Record<string, number> = {};
  const samples = new Map<PhaseName, number[]>(PHASES.map((p) => [p, []]));
  const byMode: FleetSummary['byMode'] = { userDriven: 0, selfDeploying: 0, preProvisioned: 0 };
  const walked = new Set<PhaseName>();
  let managed = 0;
  for (const r of results) {
    if (r.managed) managed++;
    if (r.mode) byMode[r.mode]++;
    for (const p of r.phases) walked.add(p.name);
    if (r.error) {
      failedByService[r.error.service]++;
      const key = `${r.error.service}:${reportedCode(r.error)}`;
      failedByCode[key] = (failedByCode[key] ?? 0) + 1;
    }
    for (const p of r.phases) if (p.ok) samples.get(p.name)!.push(p.ms);
  }
  const phases = PHASES.filter((name) => walked.has(name)).map((name): PhaseSummary => {
    const sorted = samples.get(name)!.sort((a, b) => a - b);
    return {
      name,
      count: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
    };
  });
  return { devices: results.length, managed, failedByService, failedByCode, byMode, phases };
}
