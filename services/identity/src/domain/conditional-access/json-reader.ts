/**
 * Small readers over untrusted JSON that throw ConditionalAccessValidationError with the
 * property path. Keys holding an `@` are OData annotations (`@odata.context`,
 * `authenticationStrength@odata.context`) and are skipped, never copied.
 */
import { ConditionalAccessValidationError } from './errors.js';

export type Json = Record<string, unknown>;

/** Lists in a policy are ids; Entra's own limits are far below this. */
export const MAX_LIST_ITEMS = 2000;
export const MAX_ID_LENGTH = 256;

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export function fail(code: ConstructorParameters<typeof ConditionalAccessValidationError>[0], path: string, message: string): never {
  throw new ConditionalAccessValidationError(code, path, message);
}

export function isAnnotation(key: string): boolean {
  return key.includes('@');
}

/** An object with only the known keys (plus annotations and the ignored read-only ones). */
export function object(v: unknown, path: string, known: readonly string[], ignored: readonly string[] = []): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('ca.type', path, `expected an object, got ${describe(v)}`);
  for (const key of Object.keys(v)) {
    if (isAnnotation(key) || known.includes(key) || ignored.includes(key)) continue;
    fail('ca.unknownProperty', join(path, key), `is not a property of this resource (known: ${known.join(', ')})`);
  }
  return v as Json;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Present (not undefined). */
export function has(o: Json, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
}

export function string(v: unknown, path: string, options: { max: number; min?: number }): string {
  if (typeof v !== 'string') fail('ca.type', path, `expected a string, got ${describe(v)}`);
  if (v.length > options.max) fail('ca.tooLarge', path, `is ${v.length} characters long; at most ${options.max} are allowed`);
  if (v.length < (options.min ?? 0)) fail('ca.required', path, 'must not be empty');
  return v;
}

export function optionalString(v: unknown, path: string, max: number): string | null {
  return v === undefined || v === null ? null : string(v, path, { max });
}

export function boolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail('ca.type', path, `expected true or false, got ${describe(v)}`);
  return v;
}

/** One of `allowed`, matched ignoring case and returned in Graph's spelling. */
export function enumValue<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v !== 'string') fail('ca.type', path, `expected a string, got ${describe(v)}`);
  const lower = v.toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === lower);
  if (hit === undefined) fail('ca.enum', path, `'${v.slice(0, 80)}' is not one of ${allowed.join(', ')}`);
  return hit;
}

/** A list; null or absent reads as empty, as Graph returns unset lists. Duplicates collapse. */
export function list<T>(v: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('ca.type', path, `expected an array, got ${describe(v)}`);
  if (v.length > MAX_LIST_ITEMS) fail('ca.tooLarge', path, `has ${v.length} items; at most ${MAX_LIST_ITEMS} are allowed`);
  const out: T[] = [];
  v.forEach((x, i) => {
    const value = item(x, join(path, i));
    if (!out.includes(value)) out.push(value);
  });
  return out;
}

/** Graph's flags enums travel as one comma-separated string (`"deviceCodeFlow,authenticationTransfer"`). */
export function flags<T extends string>(v: unknown, path: string, allowed: readonly T[]): string {
  const text = string(v, path, { max: 512, min: 1 });
  const values = text.split(',').map((part) => enumValue(part.trim(), path, allowed));
  return [...new Set(values)].join(',');
}

export function flagSet(text: string | null | undefined): Set<string> {
  return new Set((text ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
}
