/**
 * Reads the OData system query options of one request. Option names match ignoring case
 * (clients send `$Filter` and `$skipToken`); any other `$`-option is refused, because
 * ignoring one a client relies on (say `$apply`) would answer a different question.
 */
import type { FilterNode } from './ast.js';
import { ODataError, odataFail, type ODataErrorCode } from './errors.js';
import { parseFilter, type ParseFilterOptions } from './parser.js';
import { parseSearch, type ParseSearchOptions, type SearchNode } from './search.js';

export type ODataOptionName = 'filter' | 'select' | 'top' | 'skip' | 'skiptoken' | 'count' | 'orderby' | 'expand' | 'search';

export interface OrderByItem {
  /** `state/deviceImportStatus` is `['state', 'deviceImportStatus']`. */
  path: string[];
  direction: 'asc' | 'desc';
}

export interface ODataQuery {
  filter?: FilterNode;
  select?: string[];
  top?: number;
  skip?: number;
  /** Opaque; a collection that issued it decodes it (see `decodeSkiptoken`). */
  skiptoken?: string;
  count?: boolean;
  orderby?: OrderByItem[];
  expand?: string[];
  /** `$search`'s quoted clauses, parsed (see search.ts). */
  search?: SearchNode;
}

export interface ODataQueryAllowed {
  /** Options this collection supports; others are refused with `odata.unsupported`. Default: all. */
  options?: readonly ODataOptionName[];
  /** Property names `$select` may name (matched ignoring case, returned as spelled here). */
  select?: readonly string[];
  /** Property paths `$orderby` may name, `/`-separated. */
  orderby?: readonly string[];
  /** Navigation properties `$expand` may name. */
  expand?: readonly string[];
  /** Largest `$top`; default 999. */
  maxTop?: number;
  filter?: ParseFilterOptions;
  search?: ParseSearchOptions;
}

const KNOWN: readonly ODataOptionName[] = ['filter', 'select', 'top', 'skip', 'skiptoken', 'count', 'orderby', 'expand', 'search'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SKIP = 2 ** 31 - 1;
const MAX_SKIPTOKEN_LENGTH = 4096;

function fail(code: ODataErrorCode, option: string, message: string, position = 0): never {
  odataFail(code, message, position, `$${option}`);
}

export function parseQueryOptions(query: Record<string, string | undefined>, allowed: ODataQueryAllowed = {}): ODataQuery {
  const values = new Map<ODataOptionName, string>();
  for (const [rawName, value] of Object.entries(query)) {
    if (!rawName.startsWith('$') || value === undefined) continue;
    const name = rawName.slice(1).toLowerCase() as ODataOptionName;
    if (!KNOWN.includes(name)) odataFail('odata.unsupported', `Query option '${rawName}' is not supported.`, 0, rawName);
    if (allowed.options && !allowed.options.includes(name)) odataFail('odata.unsupported', `Query option '$${name}' is not supported on this collection.`, 0, rawName);
    if (values.has(name)) fail('odata.syntax', name, `Query option '$${name}' is given more than once.`);
    values.set(name, value);
  }

  const result: ODataQuery = {};
  for (const [name, value] of values) {
    switch (name) {
      case 'filter':
        result.filter = withOption('filter', () => parseFilter(value, allowed.filter));
        break;
      case 'select':
        result.select = parseNameList('select', value, allowed.select);
        break;
      case 'expand':
        result.expand = parseNameList('expand', value, allowed.expand);
        break;
      case 'top':
        result.top = parseInteger('top', value, 1, allowed.maxTop ?? 999);
        break;
      case 'skip':
        result.skip = parseInteger('skip', value, 0, MAX_SKIP);
        break;
      case 'skiptoken':
        if (value.length === 0) fail('odata.syntax', name, '$skiptoken is empty.');
        if (value.length > MAX_SKIPTOKEN_LENGTH) fail('odata.tooLong', name, `$skiptoken is longer than ${MAX_SKIPTOKEN_LENGTH} characters.`, MAX_SKIPTOKEN_LENGTH);
        result.skiptoken = value;
        break;
      case 'count': {
        const lower = value.trim().toLowerCase();
        if (lower !== 'true' && lower !== 'false') fail('odata.syntax', name, `$count must be true or false, not '${value}'.`);
        result.count = lower === 'true';
        break;
      }
      case 'orderby':
        result.orderby = parseOrderBy(value, allowed.orderby);
        break;
      case 'search':
        result.search = parseSearch(value, allowed.search);
        break;
    }
  }
  return result;
}

function withOption<T>(option: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ODataError && error.option === undefined) throw new ODataError(error.code, error.message, error.position, `$${option}`);
    throw error;
  }
}

/** Splits a comma list, keeping each item's offset for error positions. */
function items(value: string): { text: string; pos: number }[] {
  const out: { text: string; pos: number }[] = [];
  let pos = 0;
  for (const raw of value.split(',')) {
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), pos: pos + lead });
    pos += raw.length + 1;
  }
  return out;
}

function parseNameList(option: 'select' | 'expand', value: string, allowedNames: readonly string[] | undefined): string[] {
  const names: string[] = [];
  for (const item of items(value)) {
    if (option === 'expand' && /[($]/.test(item.text)) {
      fail('odata.unsupported', option, `Options inside $expand ('${item.text}') are not supported.`, item.pos);
    }
    if (option === 'expand' && item.text === '*') fail('odata.unsupported', option, '$expand=* is not supported; name the navigation properties.', item.pos);
    if (!IDENTIFIER.test(item.text)) {
      fail('odata.syntax', option, `$${option} expected a property name at position ${item.pos} but found '${item.text}'.`, item.pos);
    }
    names.push(canonical(option, item.text, item.pos, allowedNames));
  }
  return names;
}

function canonical(option: string, name: string, pos: number, allowedNames: readonly string[] | undefined): string {
  if (!allowedNames) return name;
  const lower = name.toLowerCase();
  const found = allowedNames.find((n) => n.toLowerCase() === lower);
  if (found === undefined) fail('odata.unsupported', option, `Property '${name}' is not supported in $${option}.`, pos);
  return found;
}

function parseInteger(option: 'top' | 'skip', value: string, min: number, max: number): number {
  const text = value.trim();
  if (!/^\d{1,10}$/.test(text)) fail('odata.syntax', option, `$${option} must be an integer, not '${value}'.`);
  const n = Number(text);
  if (n < min || n > max) fail('odata.syntax', option, `$${option} must be between ${min} and ${max}; got ${n}.`);
  return n;
}

function parseOrderBy(value: string, allowedPaths: readonly string[] | undefined): OrderByItem[] {
  const out: OrderByItem[] = [];
  for (const item of items(value)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)(?:[ \t]+(asc|desc))?$/i.exec(item.text);
    if (!m) fail('odata.syntax', 'orderby', `$orderby expected 'property [asc|desc]' at position ${item.pos} but found '${item.text}'.`, item.pos);
    const path = canonical('orderby', m[1]!, item.pos, allowedPaths);
    out.push({ path: path.split('/'), direction: m[2]?.toLowerCase() === 'desc' ? 'desc' : 'asc' });
  }
  return out;
}
