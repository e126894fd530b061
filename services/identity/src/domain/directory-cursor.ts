/**
 * The `$skiptoken` of a `/users` or `/devices` page: where the next page starts. It holds the
 * last row's id and, when the list is sorted, that row's values of the sorted properties, so the
 * next page starts right after it in the same order (see the store's keyset paging). Clients
 * hand it back unread, but anyone can edit a URL: decoding refuses anything it did not issue.
 */
import { decodeSkiptoken, encodeSkiptoken, ODataError, readODataPath, type OrderByItem } from '@baton/protocols';

export interface DirectoryPosition {
  afterId?: string;
  afterKey?: unknown[];
}

// Directory object ids are lower-case GUIDs.
const OBJECT_ID = /^[0-9a-f-]{36}$/;

/** Names the order a token was issued under, so that it is not read under another. */
function orderSignature(orderby: readonly OrderByItem[]): string {
  return orderby.map((item) => `${item.path.join('/').toLowerCase()} ${item.direction}`).join(',');
}

/** The token for the page after `last` (the object as Graph shows it). */
export function directorySkiptoken(last: Record<string, unknown> & { id: string }, orderby: readonly OrderByItem[] | undefined): string {
  if (!orderby || orderby.length === 0) return encodeSkiptoken({ after: last.id });
  return encodeSkiptoken({ after: last.id, order: orderSignature(orderby), key: orderby.map((item) => readODataPath(last, item.path)) });
}

function notIssued(): never {
  throw new ODataError('odata.syntax', '$skiptoken is not a token this service issued for this query.', 0, '$skiptoken');
}

/** Where a page starts; an ODataError for a token this list could not have issued (another `$orderby`'s included). */
export function directoryPosition(skiptoken: string | undefined, orderby: readonly OrderByItem[] | undefined): DirectoryPosition {
  if (skiptoken === undefined) return {};
  const cursor = decodeSkiptoken(skiptoken);
  if (typeof cursor.after !== 'string' || !OBJECT_ID.test(cursor.after)) notIssued();
  if (!orderby || orderby.length === 0) {
    if (cursor.key !== undefined || cursor.order !== undefined) notIssued();
    return { afterId: cursor.after };
  }
  const key = cursor.key;
  if (cursor.order !== orderSignature(orderby) || !Array.isArray(key) || key.length !== orderby.length) notIssued();
  // The store checks each value against its column's type; anything but a scalar is refused here.
  if (!key.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) notIssued();
  return { afterId: cursor.after, afterKey: key };
}
