/**
 * The part of every directory list request that is the same for users and devices:
 * `$top`/`$skiptoken` paging, `$filter`, `$select` and `$count`, each failure as Graph
 * reports it. The sign-in log and application lists still read the narrower filter of
 * odata-filter.ts.
 */
import { ODataError, parseQueryOptions, type FilterNode, type ODataQuery, type ODataQueryAllowed } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';
import { vetDirectoryFilter, type DirectoryFilterRules } from './directory-filter.js';
import { FilterError, parseFilter, type FilterClause } from './odata-filter.js';
import { PagingError, parsePage } from './paging.js';

export interface DirectoryListQuery {
  filter?: FilterNode;
  select?: string[];
  limit: number;
  afterId?: string;
  count: boolean;
}

/**
 * A `/devices` or `/users` request's query options. Any option the collection does not
 * answer (`$orderby`, `$search`, `$expand`, a misspelt one) is a 400 rather than ignored:
 * ignoring it would answer a different question than the one asked. `$count` is an advanced
 * query, as in Entra: it needs `ConsistencyLevel: eventual`.
 */
/**
 * `/devices/$count` and `/users/$count`: the number of objects a `$filter` (the list's rules)
 * selects. Like every directory count in Entra, an advanced query: it needs
 * `ConsistencyLevel: eventual`.
 */
export function directoryCountFilter(
  query: Record<string, string | undefined>,
  consistencyLevel: string | string[] | undefined,
  rules: DirectoryFilterRules,
): FilterNode | undefined {
  requireEventualCount(consistencyLevel);
  const parsed = readOptions(query, { options: ['filter'], filter: { maxLength: 2000 } });
  return parsed.filter ? vetDirectoryFilter(parsed.filter, true, rules) : undefined;
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

export function directoryListQuery(
  query: Record<string, string | undefined>,
  consistencyLevel: string | string[] | undefined,
  rules: DirectoryFilterRules,
  select: readonly string[],
): DirectoryListQuery {
  const eventual = isEventual(consistencyLevel);
  const parsed = readOptions(query, { options: ['filter', 'select', 'top', 'skiptoken', 'count'], select, filter: { maxLength: 2000 } });
  if (parsed.count && !eventual) throw identityGraphErrors.unsupportedQuery('$count is not currently supported without the ConsistencyLevel: eventual header.');
  const page = parseListPage(undefined, parsed.skiptoken);
  return {
    ...(parsed.filter ? { filter: vetDirectoryFilter(parsed.filter, eventual, rules) } : {}),
    ...(parsed.select ? { select: parsed.select } : {}),
    limit: parsed.top ?? page.top,
    afterId: page.afterId,
    count: parsed.count ?? false,
  };
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
