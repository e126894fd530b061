/**
 * The raw SyncML requests management keeps for audit (compressed, see the store) are kept
 * for a bounded time: `BATON_MDM_RAW_RETENTION_DAYS`, 7 days by default. A pruning pass
 * deletes older rows in batches until none is left; the service runs one at start and then
 * every hour.
 */
import type { ManagementStore } from '../store/store.js';

export const DEFAULT_RAW_RETENTION_DAYS = 7;
export const PRUNE_BATCH = 1000;

export async function pruneRawRequests(store: ManagementStore, retentionDays: number, now = new Date(), batch = PRUNE_BATCH): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * 24 * 3600 * 1000).toISOString();
  let total = 0;
  for (;;) {
    const deleted = await store.pruneRawRequests(before, batch);
    total += deleted;
    if (deleted < batch) return total;
  }
}
