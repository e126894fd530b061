/**
 * Multi-row INSERTs (and upserts) compiled by hand. Kysely's builder spends about as long
 * turning a thousand rows into SQL as the database spends storing them, and a tenant-wide
 * evaluation writes a hundred thousand. The text depends only on the row count, so every
 * full page reuses one prepared statement on SQLite.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Dialect } from '@baton/kit';

/** Below SQLite's and PostgreSQL's bound-parameter limits (32,766 and 65,535). */
const MAX_PARAMETERS = 30_000;

export interface Upsert {
  /** The unique column a conflicting row is found by. */
  conflict: string;
  /** The columns taken from the new row when it conflicts. */
  update: readonly string[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

const texts = new Map<string, string>();

/** The statement text, built once per shape (a thousand rows' worth of placeholders is not free). */
export function insertSql(dialect: Dialect, table: string, columns: readonly string[], rowCount: number, upsert?: Upsert): string {
  const key = `${dialect} ${table} ${columns.join(',')} ${rowCount} ${upsert ? `${upsert.conflict} ${upsert.update.join(',')}` : ''}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = buildInsertSql(dialect, table, columns, rowCount, upsert);
    if (texts.size >= 64) texts.delete(texts.keys().next().value!);
    texts.set(key, text);
  }
  return text;
}

function buildInsertSql(dialect: Dialect, table: string, columns: readonly string[], rowCount: number, upsert?: Upsert): string {
  let n = 0;
  const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) tuples.push(`(${columns.map(placeholder).join(', ')})`);
  let text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}`;
  if (upsert) text += ` on conflict (${quote(upsert.conflict)}) do update set ${upsert.update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}`;
  return text;
}

/** Inserts `rows` (values in `columns` order) in as few statements as the parameter limit allows. */
export async function insertRows(db: Kysely<any>, dialect: Dialect, table: string, columns: readonly string[], rows: readonly unknown[][], upsert?: Upsert): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const count = Math.min(perStatement, rows.length - i);
    // Array.prototype.flat is generic and slow at ten thousand values; this is a copy.
    const parameters = new Array<unknown>(count * columns.length);
    let p = 0;
    for (let r = i; r < i + count; r++) for (const value of rows[r]!) parameters[p++] = value;
    await db.executeQuery(CompiledQuery.raw(insertSql(dialect, table, columns, count, upsert), parameters));
  }
}
