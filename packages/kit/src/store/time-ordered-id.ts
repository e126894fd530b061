/**
 * Ids for rows written in bulk or read newest first (devices, imported identities, event
 * and sign-in logs). A random UUID lands each row on a different page of every index keyed
 * by it, so a large import rewrites most of those indexes on each commit; a UUIDv7 (RFC 9562)
 * leads with the millisecond, so rows written together share the rightmost pages. It is still
 * an opaque GUID to clients, with 74 random bits.
 */
import { randomUUID } from 'node:crypto';

export function timeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0').slice(-12);
  const random = randomUUID();
  // randomUUID is xxxxxxxx-xxxx-4xxx-…: the first 48 bits become the time, the version nibble 7.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
