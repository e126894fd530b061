/** Small helpers every store uses on its rows. */

/** `items` in runs of at most `size`: statements have a bound-parameter limit (SQLite 32,766, PostgreSQL 65,535). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A JSON column's value, or `fallback` when it is empty or unreadable: a row written by an
 * older version must not make a read fail.
 */
export function parseJsonOr<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
