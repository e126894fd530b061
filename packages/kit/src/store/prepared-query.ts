/**
 * Queries built and compiled once, run many times with new values. Kysely builds an
 * operation tree and compiles it to SQL on every call; on a path that runs a handful of
 * statements per request (an OMA-DM poll), building and compiling costs as much as SQLite
 * takes to run them. A prepared query is built once per dialect with a placeholder for each
 * named value, and each run binds the values in the placeholders' positions.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** Stands in for a named value while the query is built; never reaches the database. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Which value goes where: the name of a placeholder, or a constant the query was built with. */
type Binding = { name: string } | { constant: unknown };

interface Compiled {
  query: CompiledQuery;
  bindings: Binding[];
}

export interface PreparedQuery<Args extends Record<string, unknown>, Row> {
  /** Runs the query on `db` (a database or an open transaction) with these values. */
  execute(db: Kysely<any>, args: Args): Promise<QueryResult<Row>>;
  /** The compiled statement with these values bound, for a caller that runs it itself. */
  compile(db: Kysely<any>, args: Args): CompiledQuery<Row>;
}

/**
 * `build` gets the database and `value(name)`, which stands for `args[name]` wherever the
 * builder takes a value. Undefined values are bound as NULL: the statement's shape is fixed
 * when it is built, so a column cannot be left out at run time.
 */
export function preparedQuery<Args extends Record<string, unknown>, Row>(
  build: (db: Kysely<any>, value: <K extends keyof Args & string>(name: K) => Args[K]) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  // The SQL differs by dialect (placeholders, quoting); a transaction shares its database's
  // adapter, so the adapter names the dialect.
  const byAdapter = new WeakMap<object, Compiled>();
  const compiledFor = (db: Kysely<any>): Compiled => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      compiled = compileWithPlaceholders(db, build as (db: Kysely<any>, value: (name: string) => unknown) => Compilable<Row>);
      byAdapter.set(adapter, compiled);
    }
    return compiled;
  };
  const compile = (db: Kysely<any>, args: Args): CompiledQuery<Row> => {
    const { query, bindings } = compiledFor(db);
    const parameters = bindings.map((b) => ('name' in b ? (args[b.name] ?? null) : b.constant));
    return { ...query, parameters } as CompiledQuery<Row>;
  };
  return {
    compile,
    execute: async (db, args) => db.executeQuery(compile(db, args)),
  };
}

function compileWithPlaceholders<Row>(db: Kysely<any>, build: (db: Kysely<any>, value: (name: string) => unknown) => Compilable<Row>): Compiled {
  const named = new Set<string>();
  const query = build(db, (name) => {
    named.add(name);
    return new Placeholder(name);
  }).compile();
  const bindings: Binding[] = query.parameters.map((p) => (p instanceof Placeholder ? { name: p.name } : { constant: p }));
  // A value the compiler wrote into the SQL text instead of binding it would be frozen at
  // its placeholder: refuse such a query rather than run it with the wrong values.
  const bound = new Set(bindings.flatMap((b) => ('name' in b ? [b.name] : [])));
  for (const name of named) if (!bound.has(name)) throw new Error(`prepared query: value "${name}" is not a bound parameter`);
  return { query, bindings };
}
