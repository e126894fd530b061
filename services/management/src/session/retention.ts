/**
 * What management keeps of each OMA-DM message is kept for a bounded time:
 * `BATON_MDM_RAW_RETENTION_DAYS`, 7 days by default. That is the raw SyncML requests (kept
 * compressed for audit, see the store) and the rows of sessions that have ended; a device
 * polling a few times a day would otherwise add rows for ever. Open sessions always stay.
 * A pruning pass deletes older rows in batches until none is left; the service runs one at
 * start and then every hour.
 */
import type { ManagementStore } from '../store/store.js';

export const DEFAULT_RAW_RETENTION_DAYS = 7;
export const PRUNE_BATCH = 1000;

export interface PruneResult {
  rawRequests: number;
  endedSessions: number;
}

export async function pruneSessionHistory(store: ManagementStore, retentionDays: number, now = new Date(), batch = PRUNE_BATCH): Promise<PruneResult> {
  const before = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000).toISOString();
  return {
    rawRequests: await inBatches(batch, (limit) => store.pruneRawRequests(before, limit)),
    endedSessions: await inBatches(batch, (limit) => store.pruneEndedSessions(before, limit)),
  };
}

/** Repeats a bounded delete until a batch comes back short; answers how many rows went. */
async function inBatches(batch: number, prune: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await prune(batch);
    total += deleted;
    if (deleted < batch) return total;
  }
}
