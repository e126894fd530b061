/**
 * Builders for properties a table holds only indirectly (`ODataScalarExpression`). What they
 * write into the SQL are code constants, as literals: PostgreSQL cannot type a bare parameter
 * in `$1 IS NOT NULL`, which every comparison starts with, and a literal needs no type.
 */
import { sql } from 'kysely';
import type { ODataSqlExpression } from './property-map.js';

/** A value every row has, e.g. the one operating system a service manages. */
export function odataConstant(value: string): ODataSqlExpression {
  return () => sql.lit(value);
}

/**
 * A column whose stored codes Graph names otherwise, shown under Graph's names; a code the
 * mapping keeps (or lacks) shows as stored, and a null stays null.
 */
export function odataRenamed(column: string, names: Readonly<Record<string, string>>): ODataSqlExpression {
  const renamed = Object.entries(names).filter(([code, name]) => code !== name);
  return (ref) => {
    if (renamed.length === 0) return ref(column);
    const cases = renamed.map(([code, name]) => sql`WHEN ${sql.lit(code)} THEN ${sql.lit(name)}`);
    return sql`(CASE ${ref(column)} ${sql.join(cases, sql` `)} ELSE ${ref(column)} END)`;
  };
}
