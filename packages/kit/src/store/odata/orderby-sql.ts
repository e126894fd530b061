/**
 * Translates `$orderby` into Kysely `orderBy` terms with the order `applyOrderBy` gives in
 * memory: nulls first ascending and last descending on both databases (their defaults
 * differ), case folded for case-insensitive columns, byte order on PostgreSQL. Enumerations
 * sort by their members' declared order, as OData orders enums by value. The keyset
 * predicate (`odataKeysetAfter`) compares through the same expressions, so a page that
 * starts after a row starts exactly where the previous page stopped.
 */
import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { ODataError, type OrderByItem } from '@baton/protocols';
import { isJsonArray, lookupProperty, scalarValue, type ODataPropertyMap, type ODataScalarColumn, type ODataScalarExpression, type ODataSqlDialect } from './property-map.js';
import type { ODataSqlOptions } from './filter-sql.js';

/** A member's position in the declared order; a value that is no member sorts as a null would. */
function enumRank(value: RawBuilder<unknown>, members: readonly string[]): RawBuilder<unknown> {
  const ranks = members.map((member, i) => sql`WHEN ${sql.lit(member)} THEN ${sql.lit(i)}`);
  return sql`(CASE ${value} ${sql.join(ranks, sql` `)} END)`;
}

interface SortTerm {
  /** The property's value itself, for null tests. */
  column: RawBuilder<unknown>;
  /** What the rows are sorted by: the value, folded and collated (or ranked) as the order needs. */
  key: RawBuilder<unknown>;
  entry: ODataScalarColumn | ODataScalarExpression;
  name: string;
}

function sortTerm(item: OrderByItem, map: ODataPropertyMap, dialect: ODataSqlDialect, options: ODataSqlOptions): SortTerm {
  const entry = lookupProperty(map, item.path);
  const name = item.path.join('/');
  if (isJsonArray(entry)) throw new ODataError('odata.unsupported', `Collection property '${name}' cannot be used in $orderby.`, 0, '$orderby');
  const column = scalarValue(entry, (c) => sql.ref(options.table ? `${options.table}.${c}` : c));
  let key: RawBuilder<unknown> = column;
  if (entry.enumMembers) key = enumRank(column, entry.enumMembers);
  else {
    if (entry.type === 'string' && entry.caseInsensitive) key = sql`lower(${key})`;
    if (dialect === 'postgres' && (entry.type === 'string' || entry.type === 'datetime')) key = sql`${key} COLLATE "C"`;
  }
  return { column, key, entry, name };
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
    const { key } = sortTerm(item, map, dialect, options);
    out = out.orderBy(item.direction === 'desc' ? sql`${key} DESC NULLS LAST` : sql`${key} ASC NULLS FIRST`);
  }
  return out;
}

/**
 * Rows that come after one row in the order `orderby` gives, for keyset paging: `after` holds
 * that row's values of the ordered properties as Graph shows them (booleans as booleans,
 * datetimes as ISO text, null as null). `orderby` should end with a unique property, or rows
 * tied with that row on every term are skipped. A value of the wrong type is an ODataError:
 * it comes from a page token anyone can edit.
 */
export function odataKeysetAfter(
  orderby: readonly OrderByItem[],
  after: readonly unknown[],
  map: ODataPropertyMap,
  dialect: ODataSqlDialect = 'sqlite',
  options: ODataSqlOptions = {},
): RawBuilder<SqlBool> {
  if (after.length !== orderby.length) throw new ODataError('odata.syntax', `The page position has ${after.length} values for ${orderby.length} $orderby terms.`, 0, '$skiptoken');
  const terms = orderby.map((item) => sortTerm(item, map, dialect, options));
  const values = terms.map((term, i) => keyValue(term, after[i], dialect));
  // (k1 after v1) OR (k1 = v1 AND k2 after v2) OR …: lexicographic order, one term at a time.
  const alternatives = terms.map((term, i) => {
    const ties = terms.slice(0, i).map((earlier, j) => equal(earlier, values[j]!));
    return sql<SqlBool>`(${sql.join([...ties, beyond(term, values[i]!, orderby[i]!.direction)], sql.raw(' AND '))})`;
  });
  return alternatives.length === 0 ? sql<SqlBool>`(1 = 0)` : sql<SqlBool>`(${sql.join(alternatives, sql.raw(' OR '))})`;
}

export function applyODataKeyset<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  orderby: readonly OrderByItem[],
  after: readonly unknown[] | undefined,
  map: ODataPropertyMap,
  dialect: ODataSqlDialect = 'sqlite',
  options: ODataSqlOptions = {},
): SelectQueryBuilder<DB, TB, O> {
  return after ? qb.where(odataKeysetAfter(orderby, after, map, dialect, options)) : qb;
}

/** The bound value compared with a term's key, folded and typed as the key is; null stays null. */
function keyValue(term: SortTerm, value: unknown, dialect: ODataSqlDialect): RawBuilder<unknown> | null {
  if (value === null) return null;
  const wrong = (): never => {
    throw new ODataError('odata.syntax', `The page position's value for '${term.name}' is not a ${term.entry.type}.`, 0, '$skiptoken');
  };
  switch (term.entry.type) {
    case 'string':
      if (typeof value !== 'string') return wrong();
      if (term.entry.enumMembers) {
        // Compared by rank, as the key is: the member's position in the declared order.
        const rank = term.entry.enumMembers.findIndex((m) => m.toLowerCase() === value.toLowerCase());
        return rank < 0 ? wrong() : sql.lit(rank);
      }
      return term.entry.caseInsensitive ? sql`lower(${value})` : sql.val(value);
    case 'datetime':
      // Stored as toISOString() text, which is what Graph shows; compared as text, like the order.
      return typeof value === 'string' ? sql.val(value) : wrong();
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong();
      // pg sends parameters as text; without a type a fractional value would not parse as the column's integer type.
      return dialect === 'postgres' ? sql`CAST(${value} AS numeric)` : sql.val(value);
    case 'boolean':
      return typeof value === 'boolean' ? sql.val(value ? 1 : 0) : wrong();
  }
}

function equal(term: SortTerm, value: RawBuilder<unknown> | null): RawBuilder<SqlBool> {
  return value === null ? sql<SqlBool>`(${term.column} IS NULL)` : sql<SqlBool>`(${term.column} IS NOT NULL AND ${term.key} = ${value})`;
}

/** Strictly after `value` in this term's direction; null is first ascending and last descending. */
function beyond(term: SortTerm, value: RawBuilder<unknown> | null, direction: 'asc' | 'desc'): RawBuilder<SqlBool> {
  if (direction === 'asc') return value === null ? sql<SqlBool>`(${term.column} IS NOT NULL)` : sql<SqlBool>`(${term.column} IS NOT NULL AND ${term.key} > ${value})`;
  return value === null ? sql<SqlBool>`(1 = 0)` : sql<SqlBool>`(${term.column} IS NULL OR ${term.key} < ${value})`;
}
