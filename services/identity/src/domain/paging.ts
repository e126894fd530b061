/** `$top` and `$skiptoken` for directory lists: keyset paging on the object id. */
export interface Page {
  top: number;
  afterId?: string;
}

export class PagingError extends Error {
  override name = 'PagingError';
}

export const DEFAULT_TOP = 100;
export const MAX_TOP = 999;

export function parsePage(top: string | undefined, skiptoken: string | undefined): Page {
  let size = DEFAULT_TOP;
  if (top !== undefined) {
    if (!/^\d{1,4}$/.test(top) || Number(top) < 1 || Number(top) > MAX_TOP) {
      throw new PagingError(`Invalid $top '${top.slice(0, 20)}': expected an integer from 1 to ${MAX_TOP}.`);
    }
    size = Number(top);
  }
  let afterId: string | undefined;
  if (skiptoken !== undefined) {
    afterId = Buffer.from(skiptoken, 'base64url').toString('utf8');
    if (!/^[0-9a-f-]{36}$/.test(afterId)) throw new PagingError('Invalid $skiptoken.');
  }
  return { top: size, afterId };
}

export function skiptokenFor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}
