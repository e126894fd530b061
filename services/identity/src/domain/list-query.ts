/**
 * The part of every directory list request that is the same for users and devices:
 * `$top`/`$skiptoken` paging and a parsed `$filter`, each failure as Graph reports it.
 */
import { identityGraphErrors } from '../errors.js';
import { FilterError, parseFilter, type FilterClause } from './odata-filter.js';
import { PagingError, parsePage } from './paging.js';

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
