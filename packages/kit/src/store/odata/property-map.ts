/**
 * How a collection's Graph properties map onto one table's columns. Booleans are stored as
 * 0/1 integers and datetimes as ISO-8601 text in `Date.prototype.toISOString()` form, so
 * text order is time order; JSON arrays of strings are stored as text.
 */
import type { RawBuilder } from 'kysely';
import { ODataError } from '@baton/protocols';

/** What a scalar property holds, and so which literals compare with it and how. */
export interface ODataScalarValue {
  type: 'string' | 'number' | 'boolean' | 'datetime';
  /** Compare (and order) ignoring case, as Graph does for directory string properties. */
  caseInsensitive?: boolean;
  /**
   * Makes a string property a Graph enum holding a member's name as the JSON shows it. A
   * literal must name a member (ignoring case, as Graph's OData parser reads members) and
   * is compared with `eq` and `ne` only; `$orderby` sorts by the order given here, which is
   * to be Graph's declared order: OData orders enums by their values, declared ascending.
   */
  enumMembers?: readonly string[];
}

export interface ODataScalarColumn extends ODataScalarValue {
  column: string;
}

/** Reads a column of the filtered row, qualified with the table when the query names one. */
export type ODataColumnRef = (column: string) => RawBuilder<unknown>;

/**
 * SQL for a value the row does not store as such: a constant, a stored code shown under
 * Graph's name, a correlated subquery. It must mean the same on SQLite and PostgreSQL.
 */
export type ODataSqlExpression = (column: ODataColumnRef) => RawBuilder<unknown>;

export interface ODataScalarExpression extends ODataScalarValue {
  expression: ODataSqlExpression;
}

export interface ODataJsonArrayColumn {
  /** A text column holding a JSON array of strings, e.g. '["[ZTDID]:…","[OrderId]:Sales"]'. */
  jsonArrayColumn: string;
  /** Compare elements ignoring case. */
  caseInsensitive?: boolean;
}

export type ODataPropertyEntry = ODataScalarColumn | ODataScalarExpression | ODataJsonArrayColumn;

export type ODataPropertyMap = Record<string, ODataPropertyEntry>;

export type ODataSqlDialect = 'sqlite' | 'postgres';

/** Looks a property path up; an exact name wins, otherwise names match ignoring case as Graph's do. */
export function lookupProperty(map: ODataPropertyMap, path: readonly string[], position = 0): ODataPropertyEntry {
  const name = path.join('/');
  if (Object.prototype.hasOwnProperty.call(map, name)) return map[name]!;
  const lower = name.toLowerCase();
  const key = Object.keys(map).find((k) => k.toLowerCase() === lower);
  if (key === undefined) throw new ODataError('odata.unsupported', `Property '${name}' is not supported in this query.`, position);
  return map[key]!;
}

export function isJsonArray(entry: ODataPropertyEntry): entry is ODataJsonArrayColumn {
  return 'jsonArrayColumn' in entry;
}

export function isExpression(entry: ODataPropertyEntry): entry is ODataScalarExpression {
  return 'expression' in entry;
}

/** The SQL value of a scalar property on the row being filtered or ordered. */
export function scalarValue(entry: ODataScalarColumn | ODataScalarExpression, column: ODataColumnRef): RawBuilder<unknown> {
  return isExpression(entry) ? entry.expression(column) : column(entry.column);
}
