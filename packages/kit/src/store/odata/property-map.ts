/**
 * How a collection's Graph properties map onto one table's columns. Booleans are stored as
 * 0/1 integers and datetimes as ISO-8601 text in `Date.prototype.toISOString()` form, so
 * text order is time order; JSON arrays of strings are stored as text.
 */
import { ODataError } from '@baton/protocols';

export interface ODataScalarColumn {
  column: string;
  type: 'string' | 'number' | 'boolean' | 'datetime';
  /** Compare (and order) ignoring case, as Graph does for directory string properties. */
  caseInsensitive?: boolean;
}

export interface ODataJsonArrayColumn {
  /** A text column holding a JSON array of strings, e.g. '["[ZTDID]:…","[OrderId]:Sales"]'. */
  jsonArrayColumn: string;
  /** Compare elements ignoring case. */
  caseInsensitive?: boolean;
}

export type ODataPropertyMap = Record<string, ODataScalarColumn | ODataJsonArrayColumn>;

export type ODataSqlDialect = 'sqlite' | 'postgres';

/** Looks a property path up; an exact name wins, otherwise names match ignoring case as Graph's do. */
export function lookupProperty(map: ODataPropertyMap, path: readonly string[], position = 0): ODataScalarColumn | ODataJsonArrayColumn {
  const name = path.join('/');
  if (Object.prototype.hasOwnProperty.call(map, name)) return map[name]!;
  const lower = name.toLowerCase();
  const key = Object.keys(map).find((k) => k.toLowerCase() === lower);
  if (key === undefined) throw new ODataError('odata.unsupported', `Property '${name}' is not supported in this query.`, position);
  return map[key]!;
}

export function isJsonArray(entry: ODataScalarColumn | ODataJsonArrayColumn): entry is ODataJsonArrayColumn {
  return 'jsonArrayColumn' in entry;
}
