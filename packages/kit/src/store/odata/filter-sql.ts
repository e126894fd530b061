/**
 * Translates a parsed `$filter` into a Kysely `where` over one table, with the same meaning
 * `evaluateFilter` gives it in memory. Every predicate is built two-valued (never SQL NULL),
 * so `not` inverts exactly as OData's does: `groupTag ne 'x'` holds for a null groupTag,
 * and `not (groupTag eq 'x')` does too.
 */
import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { filterChainOperands, ODataError, type FilterComparisonOperator, type FilterNode, type FilterLiteral, type FilterOperand } from '@baton/protocols';
import { escapeLike, LIKE_ESCAPE } from './like.js';
import { isJsonArray, lookupProperty, scalarValue, type ODataPropertyMap, type ODataScalarValue, type ODataSqlDialect } from './property-map.js';

export interface ODataSqlOptions {
  /** Qualifies every column with this table name (needed when the query joins other tables). */
  table?: string;
}

type Sql = RawBuilder<unknown>;

/** A column-like value the predicate reads: a table column, an expression over the row, or the element of a JSON array. */
interface Target {
  expr: Sql;
  type: ODataScalarValue['type'];
  ci: boolean;
  name: string;
  enumMembers?: readonly string[];
}

interface Context {
  map: ODataPropertyMap;
  dialect: ODataSqlDialect;
  table?: string;
  /** Inside a lambda over a JSON array: the range variable and the element it names. */
  lambda?: { variable: string; element: Target };
}

const FALSE = sql<SqlBool>`(1 = 0)`;
const FLIPPED: Record<FilterComparisonOperator, FilterComparisonOperator> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const SQL_OPERATOR: Record<FilterComparisonOperator, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

export function odataFilterToSql(node: FilterNode, map: ODataPropertyMap, dialect: ODataSqlDialect, options: ODataSqlOptions = {}): RawBuilder<SqlBool> {
  return translate(node, { map, dialect, table: options.table });
}

export function applyODataFilter<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  node: FilterNode | undefined,
  map: ODataPropertyMap,
  dialect: ODataSqlDialect,
  options: ODataSqlOptions = {},
): SelectQueryBuilder<DB, TB, O> {
  return node ? qb.where(odataFilterToSql(node, map, dialect, options)) : qb;
}

function unsupported(message: string): never {
  throw new ODataError('odata.unsupported', message, 0);
}

function translate(node: FilterNode, ctx: Context): RawBuilder<SqlBool> {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const parts = filterChainOperands(node).map((part) => translate(part, ctx));
      return sql<SqlBool>`(${sql.join(parts, sql.raw(node.kind === 'and' ? ' AND ' : ' OR '))})`;
    }
    case 'not':
      return sql<SqlBool>`(NOT ${translate(node.operand, ctx)})`;
    case 'compare':
      return compare(node.op, node.left, node.right, ctx);
    case 'in':
      return inList(node, ctx);
    case 'function':
      return stringFunction(node.name, node.args, ctx);
    case 'lambda':
      return lambda(node, ctx);
  }
}

function columnRef(column: string, ctx: Context): Sql {
  return sql.ref(ctx.table ? `${ctx.table}.${column}` : column);
}

function target(operand: FilterOperand, ctx: Context): Target | undefined {
  if (operand.kind === 'literal') return undefined;
  const name = operand.kind === 'property' ? operand.path.join('/') : [operand.name, ...operand.path].join('/');
  if (ctx.lambda) {
    if (operand.kind === 'variable' && operand.name === ctx.lambda.variable && operand.path.length === 0) return ctx.lambda.element;
    unsupported(`'${name}' is not supported inside a lambda over a collection of strings; only the range variable '${ctx.lambda.variable}' is.`);
  }
  if (operand.kind === 'variable') unsupported(`Range variable '${operand.name}' is used outside its lambda.`);
  const entry = lookupProperty(ctx.map, operand.path);
  if (isJsonArray(entry)) unsupported(`Collection property '${name}' can only be filtered with any() or all().`);
  const expr = scalarValue(entry, (column) => columnRef(column, ctx));
  return { expr, type: entry.type, ci: entry.caseInsensitive ?? false, name, enumMembers: entry.enumMembers };
}

/** The member a literal names, spelt as declared; Graph's OData parser reads members ignoring case. */
function enumMember(property: string, members: readonly string[], literal: FilterLiteral): string {
  if (literal.type !== 'string' && literal.type !== 'enum') unsupported(`Property '${property}' is an enumeration; a ${literal.type} literal cannot be compared with it.`);
  const wanted = literal.value.toLowerCase();
  const member = members.find((m) => m.toLowerCase() === wanted);
  if (member === undefined) unsupported(`'${literal.value}' is not a valid value of '${property}'; its values are ${members.join(', ')}.`);
  return member;
}

/** Converts a literal to the column's stored form, refusing a literal of the wrong type. */
function parameter(t: Target, literal: FilterLiteral): { value: Sql; fold: boolean } {
  if (t.enumMembers) return { value: sql.val(enumMember(t.name, t.enumMembers, literal)), fold: false };
  const wrong = (): never => unsupported(`Property '${t.name}' is of type ${t.type}; a ${literal.type} literal cannot be compared with it.`);
  switch (t.type) {
    case 'string':
      if (literal.type === 'string' || literal.type === 'enum') return { value: sql.val(literal.value), fold: t.ci };
      // GUIDs compare ignoring case whatever the column says, as they do in memory.
      if (literal.type === 'guid') return { value: sql.val(literal.value), fold: true };
      return wrong();
    case 'number':
      if (literal.type !== 'number') return wrong();
      return { value: sql.val(literal.value), fold: false };
    case 'boolean':
      if (literal.type !== 'boolean') return wrong();
      return { value: sql.val(literal.value ? 1 : 0), fold: false };
    case 'datetime':
      if (literal.type !== 'datetime') return wrong();
      return { value: sql.val(new Date(literal.value).toISOString()), fold: false };
  }
}

function compare(op: FilterComparisonOperator, left: FilterOperand, right: FilterOperand, ctx: Context): RawBuilder<SqlBool> {
  const l = target(left, ctx);
  const r = target(right, ctx);
  if (l && r) unsupported(`Comparing '${l.name}' with '${r.name}' is not supported; compare a property with a literal.`);
  if (!l && !r) unsupported('Comparing two literals is not supported.');
  const column = (l ?? r)!;
  const literal = (l ? right : left) as FilterLiteral;
  const effective = l ? op : FLIPPED[op];
  if (column.enumMembers && effective !== 'eq' && effective !== 'ne') unsupported(`Property '${column.name}' is an enumeration; compare it with eq or ne.`);

  if (literal.type === 'null') {
    if (effective === 'eq') return sql<SqlBool>`(${column.expr} IS NULL)`;
    if (effective === 'ne') return sql<SqlBool>`(${column.expr} IS NOT NULL)`;
    return FALSE;
  }
  const { lhs, rhs } = comparable(column, [literal], ctx);
  const operator = sql.raw(SQL_OPERATOR[effective]);
  if (effective === 'ne') return sql<SqlBool>`(${column.expr} IS NULL OR ${lhs} ${operator} ${rhs[0]})`;
  return sql<SqlBool>`(${column.expr} IS NOT NULL AND ${lhs} ${operator} ${rhs[0]})`;
}

/**
 * The column and literals (never null) as they compare: converted to the stored form, folded
 * alike, and on PostgreSQL in byte order and numerically typed. The literals bind as
 * parameters whatever their number.
 */
function comparable(column: Target, literals: readonly FilterLiteral[], ctx: Context): { lhs: Sql; rhs: Sql[] } {
  const converted = literals.map((literal) => parameter(column, literal));
  const fold = converted[0]!.fold;
  // One fold for the whole list; the parser gives an `in` list one literal type, which decides it.
  if (converted.some((p) => p.fold !== fold)) unsupported(`The values compared with '${column.name}' must be of one type.`);
  let lhs: Sql = fold ? sql`lower(${column.expr})` : column.expr;
  let rhs: Sql[] = converted.map(({ value }) => (fold ? sql`lower(${value})` : value));
  if (ctx.dialect === 'postgres') {
    // Byte order, as SQLite's BINARY collation and the in-memory evaluation use, not the locale's.
    if (column.type === 'string' || column.type === 'datetime') lhs = sql`${lhs} COLLATE "C"`;
    // pg sends parameters as text; without a type a fractional value would not parse as the column's integer type.
    if (column.type === 'number') rhs = rhs.map((value) => sql`CAST(${value} AS numeric)`);
  }
  return { lhs, rhs };
}

/**
 * `x in (a, b)` as SQL `IN`, meaning what `x eq a or x eq b` means: the same literal checks
 * (an enum's unknown member, a literal of the wrong type), the same folding, and never true
 * for a null `x` unless the list is of nulls.
 */
function inList(node: Extract<FilterNode, { kind: 'in' }>, ctx: Context): RawBuilder<SqlBool> {
  const column = target(node.operand, ctx)!;
  const values = node.values;
  if (values.length === 0) return FALSE;
  if (values.some((v) => v.type === 'null')) {
    if (values.some((v) => v.type !== 'null')) unsupported(`The values compared with '${column.name}' must be of one type.`);
    return sql<SqlBool>`(${column.expr} IS NULL)`;
  }
  const { lhs, rhs } = comparable(column, values, ctx);
  return sql<SqlBool>`(${column.expr} IS NOT NULL AND ${lhs} IN (${sql.join(rhs)}))`;
}

function stringFunction(name: 'startswith' | 'endswith' | 'contains', args: [FilterOperand, FilterOperand], ctx: Context): RawBuilder<SqlBool> {
  const column = target(args[0], ctx);
  const needle = args[1];
  if (!column || needle.kind !== 'literal') return unsupported(`${name}() needs a property as its first argument and a string literal as its second.`);
  if (column.type !== 'string') return unsupported(`${name}() needs a string property; '${column.name}' is of type ${column.type}.`);
  if (column.enumMembers) return unsupported(`${name}() needs a string property; '${column.name}' is an enumeration.`);
  if (needle.type !== 'string' && needle.type !== 'enum' && needle.type !== 'guid') return unsupported(`${name}() needs a string literal as its second argument.`);
  const fold = column.ci || needle.type === 'guid';
  const text = needle.value;

  if (!fold && ctx.dialect === 'sqlite') {
    // SQLite's LIKE ignores ASCII case, so the case-sensitive forms use instr/substr instead.
    const v = sql.val(text);
    if (name === 'contains') return sql<SqlBool>`(${column.expr} IS NOT NULL AND instr(${column.expr}, ${v}) > 0)`;
    if (name === 'startswith') return sql<SqlBool>`(${column.expr} IS NOT NULL AND instr(${column.expr}, ${v}) = 1)`;
    return sql<SqlBool>`(${column.expr} IS NOT NULL AND substr(${column.expr}, length(${column.expr}) - length(${v}) + 1) = ${v})`;
  }
  const escaped = escapeLike(text);
  const pattern = name === 'startswith' ? `${escaped}%` : name === 'endswith' ? `%${escaped}` : `%${escaped}%`;
  const lhs = fold ? sql`lower(${column.expr})` : column.expr;
  const rhs = fold ? sql`lower(${pattern})` : sql.val(pattern);
  return sql<SqlBool>`(${column.expr} IS NOT NULL AND ${lhs} LIKE ${rhs} ESCAPE ${sql.lit(LIKE_ESCAPE)})`;
}

function lambda(node: Extract<FilterNode, { kind: 'lambda' }>, ctx: Context): RawBuilder<SqlBool> {
  if (ctx.lambda) unsupported('Nested any()/all() is not supported.');
  if (node.collection.kind !== 'property') unsupported('any()/all() over a range variable is not supported.');
  const name = node.collection.path.join('/');
  const entry = lookupProperty(ctx.map, node.collection.path);
  if (!isJsonArray(entry)) unsupported(`Property '${name}' is not a collection; any() and all() apply to collections.`);
  const source = columnRef(entry.jsonArrayColumn, ctx);
  const from =
    ctx.dialect === 'postgres'
      ? sql`jsonb_array_elements_text(CAST(${source} AS jsonb)) AS odata_element(value)`
      : sql`json_each(${source}) AS odata_element`;
  if (node.variable === undefined || node.predicate === undefined) return sql<SqlBool>`EXISTS (SELECT 1 FROM ${from})`;
  const element: Target = { expr: sql.ref('odata_element.value'), type: 'string', ci: entry.caseInsensitive ?? false, name: node.variable };
  const body = translate(node.predicate, { ...ctx, lambda: { variable: node.variable, element } });
  if (node.op === 'any') return sql<SqlBool>`EXISTS (SELECT 1 FROM ${from} WHERE ${body})`;
  return sql<SqlBool>`NOT EXISTS (SELECT 1 FROM ${from} WHERE NOT ${body})`;
}
