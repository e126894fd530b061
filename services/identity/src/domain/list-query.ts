/**
 * The part of every directory list request that is the same for users and devices:
 * `$top`/`$skiptoken` paging, `$filter`, `$search`, `$orderby`, `$select` and `$count`, each
 * failure as Graph reports it. The sign-in log and application lists still read the narrower
 * filter of odata-filter.ts.
 */
import { ODataError, parseQueryOptions, type FilterNode, type ODataQuery, type ODataQueryAllowed, type OrderByItem, type SearchNode } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';
import type { DirectorySelection } from '../store/store.js';
import { directoryPosition } from './directory-cursor.js';
import { vetDirectoryFilter, type DirectoryFilterRules } from './directory-filter.js';
import { vetDirectoryOrder, type DirectoryOrderRules } from './directory-order.js';
import { vetDirectorySearch, type DirectorySearchRules } from './directory-search.js';
import { FilterError, parseFilter, type FilterClause } from './odata-filter.js';
import { DEFAULT_TOP, PagingError, parsePage } from './paging.js';

/** What one directory collection lets its query options ask. */
export interface DirectoryCollection {
  filter: DirectoryFilterRules;
  search: DirectorySearchRules;
  order: DirectoryOrderRules;
  /** Properties `$select` may name. */
  select: readonly string[];
}

export interface DirectoryListQuery {
  filter?: FilterNode;
  search?: SearchNode;
  orderby?: OrderByItem[];
  select?: string[];
  limit: number;
  afterId?: string;
  afterKey?: unknown[];
  count: boolean;
}

const FILTER_LIMITS = { maxLength: 2000 };
/**
 * Entra lifts `in`'s limit of 15 values for advanced queries, leaving only the length of the URL
 * (learn.microsoft.com/graph/filter-query-parameter); the filter's own length bounds it here.
 */
const ADVANCED_FILTER_LIMITS = { ...FILTER_LIMITS, maxInValues: Infinity };
const SEARCH_LIMITS = { maxLength: 2000 };

/**
 * `/devices/$count` and `/users/$count`: the number of objects a `$filter` and a `$search` (the
 * list's rules) select. Like every directory count in Entra, an advanced query: it needs
 * `ConsistencyLevel: eventual`.
 */
export function directoryCountQuery(
  query: Record<string, string | undefined>,
  consistencyLevel: string | string[] | undefined,
  collection: DirectoryCollection,
): DirectorySelection {
  requireEventualCount(consistencyLevel);
  const parsed = readOptions(query, { options: ['filter', 'search'], filter: ADVANCED_FILTER_LIMITS, search: SEARCH_LIMITS });
  return {
    ...(parsed.filter ? { filter: vetDirectoryFilter(parsed.filter, true, collection.filter) } : {}),
    ...(parsed.search ? { search: vetDirectorySearch(parsed.search, true, collection.search) } : {}),
  };
}

/** A `$count` segment that takes no query options (`groups/{id}/members/$count`), with the header every directory count needs. */
export function plainCount(query: Record<string, string | undefined>, consistencyLevel: string | string[] | undefined): void {
  requireEventualCount(consistencyLevel);
  readOptions(query, { options: [] });
}

function requireEventualCount(consistencyLevel: string | string[] | undefined): void {
  if (!isEventual(consistencyLevel)) throw identityGraphErrors.unsupportedQuery('Count is not currently supported without the ConsistencyLevel: eventual header.');
}

/** `$select` of a single directory object (`/users/{id}`, `/devices/{id}`, `/me`); any other option is a 400. */
export function entitySelect(query: Record<string, string | undefined>, select: readonly string[]): string[] | undefined {
  return readOptions(query, { options: ['select'], select }).select;
}

/** The shared OData codec's reading of the options, its refusals as Graph's 400. */
function readOptions(query: Record<string, string | undefined>, allowed: ODataQueryAllowed): ODataQuery {
  try {
    return parseQueryOptions(query, allowed);
  } catch (error) {
    if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
}

/** The query string of a collection's next page: the options given (all vetted already), with the next `$skiptoken`. */
export function nextPageQuery(query: Record<string, string | undefined>, skiptoken: string): string {
  const next = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && name.toLowerCase() !== '$skiptoken') next.set(name, value);
  next.set('$skiptoken', skiptoken);
  return next.toString();
}

function isEventual(consistencyLevel: string | string[] | undefined): boolean {
  return typeof consistencyLevel === 'string' && consistencyLevel.trim().toLowerCase() === 'eventual';
}

/**
 * A `/devices` or `/users` request's query options. Any option the collection does not answer
 * (`$expand`, a misspelt one) is a 400 rather than ignored: ignoring it would answer a different
 * question than the one asked. As in Entra, `$count` and `$search` need `ConsistencyLevel:
 * eventual`, and some sorts need that and `$count=true` as well (directory-order.ts).
 */
export function directoryListQuery(
  query: Record<string, string | undefined>,
  consistencyLevel: string | string[] | undefined,
  collection: DirectoryCollection,
): DirectoryListQuery {
  const eventual = isEventual(consistencyLevel);
  const parsed = readOptions(query, {
    options: ['filter', 'search', 'orderby', 'select', 'top', 'skiptoken', 'count'],
    select: collection.select,
    orderby: Object.keys(collection.order.properties),
    filter: eventual ? ADVANCED_FILTER_LIMITS : FILTER_LIMITS,
    search: SEARCH_LIMITS,
  });
  if (parsed.count && !eventual) throw identityGraphErrors.unsupportedQuery('$count is not currently supported without the ConsistencyLevel: eventual header.');
  const advanced = eventual && parsed.count === true;
  const orderby = parsed.orderby ? vetDirectoryOrder(parsed.orderby, { advanced, filtered: parsed.filter !== undefined }, collection.order) : undefined;
  return {
    ...(parsed.filter ? { filter: vetDirectoryFilter(parsed.filter, eventual, collection.filter) } : {}),
    ...(parsed.search ? { search: vetDirectorySearch(parsed.search, eventual, collection.search) } : {}),
    ...(orderby ? { orderby } : {}),
    ...(parsed.select ? { select: parsed.select } : {}),
    limit: parsed.top ?? DEFAULT_TOP,
    ...pagePosition(parsed.skiptoken, orderby),
    count: parsed.count ?? false,
  };
}

function pagePosition(skiptoken: string | undefined, orderby: OrderByItem[] | undefined) {
  try {
    return directoryPosition(skiptoken, orderby);
  } catch (error) {
    if (error instanceof ODataError) throw identityGraphErrors.invalidValue(`Invalid $skiptoken: ${error.message}`);
    throw error;
  }
}

export interface ListQuery {
  limit: number;
  afterId?: string;
  clauses: FilterClause[];
}

/** `$top` and `$skiptoken`, a bad one as Graph's 400. */
export function parseListPage(top: string | undefined, skiptoken: string | undefined): ReturnType<typeof parsePage> {
  try {
    return parsePage(top, skiptoken);
  } catch (error) {
    if (error instanceof PagingError) throw identityGraphErrors.invalidValue(error.message);
    throw error;
  }
}

export function parseListQuery(filter: string | undefined, top: string | undefined, skiptoken: string | undefined): ListQuery {
  const page = parseListPage(top, skiptoken);
  if (filter === undefined) return { limit: page.top, afterId: page.afterId, clauses: [] };
  try {
    return { limit: page.top, afterId: page.afterId, clauses: parseFilter(filter) };
  } catch (error) {
    if (error instanceof FilterError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
}
