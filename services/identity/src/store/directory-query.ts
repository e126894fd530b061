/**
 * The SQL of a `/users` or `/devices` page and count: `$filter` and `$search` select the rows,
 * then the page is the next `limit` rows in id order, or in `$orderby`'s order with the id
 * breaking ties, after the row the previous page ended with. Keyset paging rather than an
 * offset, so a page never repeats or skips a row because others were added meanwhile.
 */
import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { applyODataFilter, applyODataKeyset, applyODataOrderBy, applyODataSearch, type Dialect, type ODataPropertyMap, type ODataSearchMap } from '@baton/kit';
import type { OrderByItem } from '@baton/protocols';
import type { DirectoryQuery, DirectorySelection } from './store.js';

/** How one directory table answers each query option. */
export interface DirectoryColumns {
  filter: ODataPropertyMap;
  order: ODataPropertyMap;
  search: ODataSearchMap;
}

const BY_ID: OrderByItem = { path: ['id'], direction: 'asc' };

export function selectDirectory<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  selection: DirectorySelection,
  columns: DirectoryColumns,
  dialect: Dialect,
): SelectQueryBuilder<DB, TB, O> {
  return applyODataSearch(applyODataFilter(qb, selection.filter, columns.filter, dialect), selection.search, columns.search, dialect);
}

export function pageDirectory<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  query: DirectoryQuery,
  columns: DirectoryColumns,
  dialect: Dialect,
): SelectQueryBuilder<DB, TB, O> {
  const selected = selectDirectory(qb, query, columns, dialect);
  if (!query.orderby || query.orderby.length === 0) {
    // The plain id order walks the (tenant_id, id) index.
    const after = query.afterId === undefined ? selected : selected.where(sql<SqlBool>`${sql.ref('id')} > ${query.afterId}`);
    return after.orderBy(sql.ref('id')).limit(query.limit);
  }
  const order = [...query.orderby, BY_ID];
  const position = query.afterId === undefined ? undefined : [...(query.afterKey ?? []), query.afterId];
  return applyODataOrderBy(applyODataKeyset(selected, order, position, columns.order, dialect), order, columns.order, dialect).limit(query.limit);
}
