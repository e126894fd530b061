/**
 * The part of every directory list request that is the same for users and devices:
 * `$top`/`$skiptoken` paging, `$filter`, `$select` and `$count`, each failure as Graph
 * reports it. The sign-in log and application lists still read the narrower filter of
 * odata-filter.ts.
 */
import { ODataError, parseQueryOptions, type FilterNode } from '@baton/protocols';
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
  if (!isEventual(consistencyLevel)) throw identityGraphErrors.unsupportedQuery('Count is not currently supported without the ConsistencyLevel: eventual header.');
  let parsed;
  try {
    parsed = parseQueryOptions(query, { options: ['filter'], filter: { maxLength: 2000 } });
  } catch (error) {
    if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
  return parsed.filter ? vetDirectoryFilter(parsed.filter, true, rules) : undefined;
}

/** `$select` of a single directory object (`/users/{id}`, `/devices/{id}`, `/me`); any other option is a 400. */
export function entitySelect(query: Record<string, string | undefined>, select: readonly string[]): string[] | undefined {
  try {
    return parseQueryOptions(query, { options: ['select'], select }).select;
  } catch (error) {
    if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
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
  let parsed;
  try {
    parsed = parseQueryOptions(query, { options: ['filter', 'select', 'top', 'skiptoken', 'count'], select, filter: { maxLength: 2000 } });
  } catch (error) {
    if (error instanceof ODataError) throw identityGraphErrors.unsupportedQuery(error.message);
    throw error;
  }
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
