/**
 * Shaping an in-memory result the way `$select` and `$orderby` ask, for collections served
 * from memory; stores that run SQL use kit's translation instead.
 */
import { compareStrings, readODataPath } from './evaluate.js';
import type { OrderByItem } from './query-options.js';

/**
 * Keeps the selected properties (matched ignoring case, returned as the entity spells them)
 * and every `@odata.*` annotation, which clients need to dispatch on the type.
 */
export function selectFields<T extends Record<string, unknown>>(entity: T, select: readonly string[] | undefined): Partial<T> {
  if (!select || select.length === 0) return { ...entity };
  const wanted = new Set(select.map((s) => s.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key.startsWith('@odata.') || wanted.has(key.toLowerCase())) out[key] = value;
  }
  return out as Partial<T>;
}

export interface ApplyOrderByOptions {
  /** Order strings ignoring case; defaults to true, like `evaluateFilter`. */
  caseInsensitive?: boolean;
}

/** A sorted copy; the sort is stable, and null sorts first ascending (last descending), as kit's SQL does. */
export function applyOrderBy<T extends Record<string, unknown>>(items: readonly T[], orderby: readonly OrderByItem[] | undefined, options: ApplyOrderByOptions = {}): T[] {
  const copy = [...items];
  if (!orderby || orderby.length === 0) return copy;
  const ci = options.caseInsensitive ?? true;
  return copy.sort((a, b) => {
    for (const item of orderby) {
      const order = compareForSort(readODataPath(a, item.path), readODataPath(b, item.path), ci);
      if (order !== 0) return item.direction === 'desc' ? -order : order;
    }
    return 0;
  });
}

const RANK: Record<string, number> = { boolean: 1, number: 2, string: 3 };

function compareForSort(a: unknown, b: unknown, ci: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return ci ? compareStrings(a.toLowerCase(), b.toLowerCase()) : compareStrings(a, b);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return (RANK[typeof a] ?? 4) - (RANK[typeof b] ?? 4);
}
