/**
 * OData on discovery's collections, over the shared codec: the options are parsed by
 * `parseQueryOptions`, filtered and ordered in SQL by the store, and answered in Graph's
 * collection envelope. Paging is keyset: `$skiptoken` carries where the last page ended, so a
 * deep page costs what the first one does.
 */
import { GraphError } from '@baton/kit';
import {
  decodeSkiptoken,
  encodeSkiptoken,
  ODataError,
  parseQueryOptions,
  selectFields,
  type FilterNode,
  type ODataOptionName,
  type OrderByItem,
} from '@baton/protocols';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ListPage, ListQuery, PageCursor } from '../store/types.js';
import { DISCOVERY_ERROR_CODES } from '../errors.js';
import { metadataContext, type GraphVersion } from './context.js';

export const DEFAULT_PAGE_SIZE = 100;
/**
 * Graph's paging guidance lets each API pick its maximum and, past it, ignore the request,
 * cap it or refuse it (https://learn.microsoft.com/graph/paging). Directory collections cap
 * at 999; Baton caps Intune's the same way instead of refusing, because tools that ask for
 * more still follow nextLink.
 */
export const MAX_PAGE_SIZE = 999;

export interface CollectionSpec {
  /** The entity set's path after `$metadata#`. */
  set: string;
  /** Property names `$select` may name. */
  select: readonly string[];
  /** Property paths `$orderby` may name. */
  orderby: readonly string[];
  /** Navigation properties `$expand` may name; none when absent. */
  expand?: readonly string[];
}

export interface CollectionRequest {
  query: ListQuery;
  select?: string[];
  expand?: string[];
  count: boolean;
}

const BASE_OPTIONS: ODataOptionName[] = ['filter', 'select', 'top', 'skip', 'skiptoken', 'count', 'orderby'];

/** The request's `$` options; a repeated option is refused rather than one copy picked. */
export function rawQuery(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new ODataError('odata.syntax', `Query option '${name}' is given more than once.`, 0, name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Identifies the order a token was issued under, so it is not replayed under another. */
function orderSignature(orderby: readonly OrderByItem[] | undefined): string {
  return (orderby ?? []).map((o) => `${o.path.join('/').toLowerCase()} ${o.direction}`).join(',');
}

function readCursor(token: string, signature: string): PageCursor {
  const raw = decodeSkiptoken(token);
  const keys = raw.k;
  const valid =
    raw.o === signature &&
    typeof raw.c === 'string' &&
    typeof raw.i === 'string' &&
    Array.isArray(keys) &&
    keys.length <= 16 &&
    keys.every((k) => k === null || typeof k === 'string' || typeof k === 'number');
  if (!valid) throw new ODataError('odata.syntax', '$skiptoken does not belong to this query.', 0, '$skiptoken');
  return { keys: keys as PageCursor['keys'], created: raw.c as string, id: raw.i as string };
}

export function readCollectionQuery(request: FastifyRequest, spec: CollectionSpec): CollectionRequest {
  const options = spec.expand ? [...BASE_OPTIONS, 'expand' as const] : BASE_OPTIONS;
  const parsed = parseQueryOptions(rawQuery(request), {
    options,
    select: spec.select,
    orderby: spec.orderby,
    expand: spec.expand,
    maxTop: 2 ** 31 - 1,
  });
  const query: ListQuery = { limit: Math.min(parsed.top ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) };
  if (parsed.filter) query.filter = parsed.filter;
  if (parsed.orderby) query.orderby = parsed.orderby;
  if (parsed.skip) query.skip = parsed.skip;
  if (parsed.skiptoken !== undefined) query.after = readCursor(parsed.skiptoken, orderSignature(parsed.orderby));
  const out: CollectionRequest = { query, count: parsed.count ?? false };
  if (parsed.select) out.select = parsed.select;
  if (parsed.expand) out.expand = parsed.expand;
  return out;
}

/** `$select` and `$expand` on a single entity; nothing else applies there. */
export function readEntityQuery(request: FastifyRequest, spec: CollectionSpec): { select?: string[]; expand?: string[] } {
  const options: ODataOptionName[] = spec.expand ? ['select', 'expand'] : ['select'];
  const parsed = parseQueryOptions(rawQuery(request), { options, select: spec.select, expand: spec.expand });
  return { ...(parsed.select ? { select: parsed.select } : {}), ...(parsed.expand ? { expand: parsed.expand } : {}) };
}

/** The `/$count` segment: a number as text/plain, narrowed only by `$filter`. */
export function countFilter(request: FastifyRequest): FilterNode | undefined {
  return parseQueryOptions(rawQuery(request), { options: ['filter'] }).filter;
}

/** Answers a `/$count` segment from `count`, as Graph does: the bare number, text/plain. */
export async function countAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  count: (filter: FilterNode | undefined) => Promise<number>,
): Promise<string> {
  const filter = countFilter(request);
  const n = await count(filter);
  reply.type('text/plain; charset=utf-8');
  return String(n);
}

/** One page, and beside it the filtered total when `$count=true` asked for it (both at once). */
export function pageAndCount<T>(
  parsed: CollectionRequest,
  list: (query: ListQuery) => Promise<ListPage<T>>,
  count: (filter: FilterNode | undefined) => Promise<number>,
): Promise<[ListPage<T>, number | undefined]> {
  return Promise.all([list(parsed.query), parsed.count ? count(parsed.query.filter) : undefined]);
}

const HOST_RE = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The origin a nextLink points at: the host the client reached (Graph clients follow the link
 * verbatim and the JS SDK only trusts https links on its own hosts), else the configured URL.
 */
export function requestOrigin(request: FastifyRequest, publicUrl: string): string {
  const host = request.host;
  return typeof host === 'string' && HOST_RE.test(host) ? `https://${host}` : publicUrl;
}

export interface EnvelopeContext {
  publicUrl: string;
  version: GraphVersion;
  spec: CollectionSpec;
}

export function contextWithSelect(ctx: EnvelopeContext, path: string, select: readonly string[] | undefined): string {
  const projected = select && select.length > 0 ? `${path}(${select.join(',')})` : path;
  return metadataContext(ctx.publicUrl, ctx.version, projected);
}

/** Option names keep their `$`, as Graph writes them in its own links. */
const encodeOption = (name: string) => (name.startsWith('$') ? `$${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name));

/** Graph's collection envelope around one page. */
export function collectionBody<T>(
  request: FastifyRequest,
  ctx: EnvelopeContext,
  parsed: CollectionRequest,
  page: ListPage<T>,
  render: (row: T) => Record<string, unknown>,
  count?: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.context': contextWithSelect(ctx, ctx.spec.set, parsed.select) };
  if (count !== undefined) body['@odata.count'] = count;
  if (page.next) {
    const url = new URL(request.url, 'https://placeholder.invalid');
    const params: string[] = [];
    for (const [k, v] of url.searchParams) {
      const name = k.toLowerCase();
      if (name !== '$skiptoken' && name !== '$skip') params.push(`${encodeOption(k)}=${encodeURIComponent(v)}`);
    }
    const token = encodeSkiptoken({ o: orderSignature(parsed.query.orderby), k: page.next.keys, c: page.next.created, i: page.next.id });
    params.push(`$skiptoken=${token}`);
    const next = `${requestOrigin(request, ctx.publicUrl)}${url.pathname}?${params.join('&')}`;
    body['@odata.nextLink'] = next;
  }
  body.value = page.items.map((row) => selectWithExpansions(render(row), parsed.select, parsed.expand));
  return body;
}

/** `$select` keeps what it names, plus what `$expand` asked for and the `@odata` annotations. */
export function selectWithExpansions(entity: Record<string, unknown>, select: readonly string[] | undefined, expand: readonly string[] | undefined): Record<string, unknown> {
  if (!select || select.length === 0) return entity;
  return selectFields(entity, [...select, ...(expand ?? [])]);
}

/** A bad query is the client's mistake: Intune answers it 400 BadRequest, pointing at the spot. */
export function odataBadRequest(error: ODataError): GraphError {
  const option = error.option ? `${error.option}: ` : '';
  const where = /position \d+/.test(error.message) ? '' : ` (at position ${error.position})`;
  return new GraphError(400, DISCOVERY_ERROR_CODES.badRequest, `Invalid query. ${option}${error.message}${where}`);
}
