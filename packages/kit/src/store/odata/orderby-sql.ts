/**
 * Translates `$orderby` into Kysely `orderBy` terms with the order `applyOrderBy` gives in
 * memory: nulls first ascending and last descending on both databases (their defaults
 * differ), case folded for case-insensitive columns, byte order on PostgreSQL. Enumerations
 * sort by their members' declared order, as OData orders enums by value.
 */
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { ODataError, type OrderByItem } from '@baton/protocols';
import { isJsonArray, lookupProperty, scalarValue, type ODataPropertyMap, type ODataSqlDialect } from './property-map.js';
import type { ODataSqlOptions } from './filter-sql.js';

/** A member's position in the declared order; a value that is no member sorts as a null would. */
function enumRank(value: RawBuilder<unknown>, members: readonly string[]): RawBuilder<unknown> {
  const ranks = members.map((member, i) => sql`WHEN ${sql.lit(member)} THEN ${sql.lit(i)}`);
  return sql`(CASE ${value} ${sql.join(ranks, sql` `)} END)`;
}

export function applyODataOrderBy<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  orderby: readonly OrderByItem[] | undefined,
  map: ODataPropertyMap,
  dialect: ODataSqlDialect = 'sqlite',
  options: ODataSqlOptions = {},
): SelectQueryBuilder<DB, TB, O> {
  let out = qb;
  for (const item of orderby ?? []) {
    const entry = lookupProperty(map, item.path);
    if (isJsonArray(entry)) throw new ODataError('odata.unsupported', `Collection property '${item.path.join('/')}' cannot be used in $orderby.`, 0, '$orderby');
    let expr = scalarValue(entry, (column) => sql.ref(options.table ? `${options.table}.${column}` : column));
    if (entry.enumMembers) expr = enumRank(expr, entry.enumMembers);
    else {
      if (entry.type === 'string' && entry.caseInsensitive) expr = sql`lower(${expr})`;
      if (dialect === 'postgres' && (entry.type === 'string' || entry.type === 'datetime')) expr = sql`${expr} COLLATE "C"`;
    }
    out = out.orderBy(item.direction === 'desc' ? sql`${expr} DESC NULLS LAST` : sql`${expr} ASC NULLS FIRST`);
  }
  return out;
}
