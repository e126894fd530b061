/**
 * Policy results by the device facts they were computed from. A policy's result depends on
 * the policy and the facts' values alone, and a fleet's devices mostly report the same
 * values, so a tenant-wide evaluation computes each distinct (policy, facts) pair once. Facts
 * are keyed by their stored text, which `factsText` makes canonical.
 */
import { evaluatePolicy, type PolicyResult } from './evaluate.js';
import type { DeviceFacts } from './facts.js';
import type { CompliancePolicy } from './policy.js';

export interface MemoizedResult {
  result: PolicyResult;
  /** `result.settings` as JSON, for the stored policy state. */
  settingsJson: string;
}

/** Distinct fact sets remembered per policy; a fleet in more states than this starts over. */
const LIMIT = 10_000;

export class ResultMemo {
  private readonly byPolicy = new Map<CompliancePolicy, Map<string, MemoizedResult>>();

  result(policy: CompliancePolicy, factsJson: string): MemoizedResult {
    let known = this.byPolicy.get(policy);
    if (!known) this.byPolicy.set(policy, (known = new Map()));
    let memoized = known.get(factsJson);
    if (!memoized) {
      const result = evaluatePolicy(policy, parseFacts(factsJson));
      memoized = { result, settingsJson: JSON.stringify(result.settings) };
      if (known.size >= LIMIT) known.clear();
      known.set(factsJson, memoized);
    }
    return memoized;
  }
}

/** Stored facts text → values; anything that is not a string value is ignored. */
export function parseFacts(text: string): DeviceFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
  }
  return out;
}
