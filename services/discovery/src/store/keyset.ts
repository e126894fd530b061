/**
 * Keyset paging under any `$orderby`: a page resumes strictly after the previous page's last
 * row, compared with the same expressions kit's `applyODataOrderBy` sorts by (case folded,
 * byte order on PostgreSQL, nulls first ascending and last descending), then by (created, id),
 * which is unique. Unlike an offset, the cost of a page does not grow with its depth, and rows
 * written meanwhile neither repeat nor vanish.
 */
import { isExpression, isJsonArray, lookupProperty, type ODataPropertyMap, type ODataScalarColumn, type ODataSqlDialect } from '@baton/kit';
import { ODataError, type OrderByItem } from '@baton/protocols';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { PageCursor } from './types.js';

export interface OrderTerm {
  column: string;
  type: ODataScalarColumn['type'];
  caseInsensitive: boolean;
  desc: boolean;
}

export function orderTerms(map: ODataPropertyMap, orderby: readonly OrderByItem[] | undefined): OrderTerm[] {
  return (orderby ?? []).map((item) => {
    const entry = lookupProperty(map, item.path);
    if (isJsonArray(entry)) throw new ODataError('odata.unsupported', `Collection property '${item.path.join('/')}' cannot be used in $orderby.`, 0, '$orderby');
    // A cursor resumes by comparing stored values as they sort: a computed property has none,
    // and an enumeration sorts by declared order, which these comparisons do not follow.
    if (isExpression(entry) || entry.enumMembers) throw new ODataError('odata.unsupported', `Property '${item.path.join('/')}' cannot be used in $orderby here.`, 0, '$orderby');
    return { column: entry.column, type: entry.type, caseInsensitive: entry.caseInsensitive ?? false, desc: item.direction === 'desc' };
  });
}

function folded(term: OrderTerm, value: RawBuilder<unknown>, dialect: ODataSqlDialect): RawBuilder<unknown> {
  let out = term.type === 'string' && term.caseInsensitive ? sql`lower(${value})` : value;
  if (dialect === 'postgres' && (term.type === 'string' || term.type === 'datetime')) out = sql`${out} COLLATE "C"`;
  return out;
}

function after(term: OrderTerm, value: string | number | null, dialect: ODataSqlDialect): RawBuilder<SqlBool> {
  const column = sql.ref(term.column);
  if (value === null) return term.desc ? sql<SqlBool>`(1 = 0)` : sql<SqlBool>`(${column} IS NOT NULL)`;
  const lhs = folded(term, column, dialect);
  const rhs = folded(term, sql.val(value), dialect);
  return term.desc ? sql<SqlBool>`(${column} IS NULL OR ${lhs} < ${rhs})` : sql<SqlBool>`(${column} IS NOT NULL AND ${lhs} > ${rhs})`;
}

function equal(term: OrderTerm, value: string | number | null, dialect: ODataSqlDialect): RawBuilder<SqlBool> {
  const column = sql.ref(term.column);
  if (value === null) return sql<SqlBool>`(${column} IS NULL)`;
  return sql<SqlBool>`(${folded(term, column, dialect)} = ${folded(term, sql.val(value), dialect)})`;
}

/** Rows that sort after the cursor; the (created, id) row comparison lets the index seek. */
export function keysetAfter(terms: OrderTerm[], cursor: PageCursor, dialect: ODataSqlDialect): RawBuilder<SqlBool> {
  if (cursor.keys.length !== terms.length) throw new ODataError('odata.syntax', '$skiptoken does not belong to this query.', 0, '$skiptoken');
  let condition = sql<SqlBool>`((${sql.ref('created')}, ${sql.ref('id')}) > (${cursor.created}, ${cursor.id}))`;
  for (let i = terms.length - 1; i >= 0; i--) {
    const term = terms[i]!;
    const value = cursor.keys[i]!;
    condition = sql<SqlBool>`(${after(term, value, dialect)} OR (${equal(term, value, dialect)} AND ${condition}))`;
  }
  return condition;
}

export function cursorOf(terms: OrderTerm[], row: Record<string, unknown>): PageCursor {
  const keys = terms.map((t) => {
    const v = row[t.column];
    return v === null || v === undefined ? null : typeof v === 'number' ? v : String(v);
  });
  return { keys, created: String(row.created), id: String(row.id) };
}
