/**
 * Translates a parsed `$search` into a Kysely `where` with the meaning `evaluateSearch` gives it:
 * a tokenized property matches when every search word begins one of the value's words, any other
 * property when its value starts with the text (the `$filter` translation's startswith).
 *
 * Splitting a value into words (lower-to-upper case changes, letters and digits, symbols) is
 * beyond portable SQL, so a tokenized property is read from a column its writer fills with
 * `searchTokensColumnValue`: the words, lower case, each after a space. "A word beginning with w"
 * is then `LIKE '% w%'`, and both sides were lower-cased by the same JavaScript, so the answer
 * does not depend on what either database's lower() or LIKE makes of case.
 */
import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { ODataError, searchChainOperands, searchTokens, type FilterNode, type SearchNode, type SearchTerm } from '@baton/protocols';
import { odataFilterToSql, type ODataSqlOptions } from './filter-sql.js';
import { escapeLike, LIKE_ESCAPE } from './like.js';
import type { ODataPropertyMap, ODataSqlDialect } from './property-map.js';

export interface ODataSearchMap {
  /** Graph property → the column holding its words, written with `searchTokensColumnValue`. */
  tokenized: Record<string, string>;
  /** Every other searchable property, searched as startswith on its column. */
  properties: ODataPropertyMap;
}

/** What to store in a tokenized property's column for `value`. */
export function searchTokensColumnValue(value: string | null | undefined): string {
  return (value ? searchTokens(value) : []).map((word) => ` ${word}`).join('');
}

export function odataSearchToSql(node: SearchNode, map: ODataSearchMap, dialect: ODataSqlDialect, options: ODataSqlOptions = {}): RawBuilder<SqlBool> {
  if (node.kind !== 'term') {
    const parts = searchChainOperands(node).map((part) => odataSearchToSql(part, map, dialect, options));
    return sql<SqlBool>`(${sql.join(parts, sql.raw(node.kind === 'and' ? ' AND ' : ' OR '))})`;
  }
  return term(node, map, dialect, options);
}

export function applyODataSearch<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  node: SearchNode | undefined,
  map: ODataSearchMap,
  dialect: ODataSqlDialect,
  options: ODataSqlOptions = {},
): SelectQueryBuilder<DB, TB, O> {
  return node ? qb.where(odataSearchToSql(node, map, dialect, options)) : qb;
}

function term(node: SearchTerm, map: ODataSearchMap, dialect: ODataSqlDialect, options: ODataSqlOptions): RawBuilder<SqlBool> {
  if (node.property === undefined) throw new ODataError('odata.unsupported', `A $search clause must name a property, as in "displayName:${node.text.slice(0, 40)}".`, 0, '$search');
  const lower = node.property.toLowerCase();
  const tokenized = Object.keys(map.tokenized).find((name) => name.toLowerCase() === lower);
  if (tokenized === undefined) {
    const startswith: FilterNode = { kind: 'function', name: 'startswith', args: [{ kind: 'property', path: [node.property] }, { kind: 'literal', type: 'string', value: node.text }] };
    return odataFilterToSql(startswith, map.properties, dialect, options);
  }
  const column = sql.ref(options.table ? `${options.table}.${map.tokenized[tokenized]!}` : map.tokenized[tokenized]!);
  const words = searchTokens(node.text);
  if (words.length === 0) return sql<SqlBool>`(1 = 0)`;
  const each = words.map((word) => sql<SqlBool>`(${column} LIKE ${`% ${escapeLike(word)}%`} ESCAPE ${sql.lit(LIKE_ESCAPE)})`);
  return sql<SqlBool>`(${sql.join(each, sql.raw(' AND '))})`;
}
