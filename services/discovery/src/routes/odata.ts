/**
 * The slice of OData discovery answers: `$top`, `$skiptoken` paging with
 * `@odata.nextLink`, and `$filter` on serialNumber (eq, contains, startswith), which is
 * what Autopilot tooling sends. Anything else in `$filter` is refused rather than ignored,
 * so a client never mistakes an unfiltered list for a filtered one.
 */
import type { FastifyRequest } from 'fastify';
import type { Page, SerialFilter } from '../store/types.js';
import { discoveryErrors } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

export interface CollectionQuery {
  filter: SerialFilter;
  page: Page;
}

const STRING_LITERAL = String.raw`'((?:[^']|'')*)'`;
const EQ_RE = new RegExp(String.raw`^serialNumber\s+eq\s+${STRING_LITERAL}$`, 'i');
const FUNC_RE = new RegExp(String.raw`^(contains|startswith)\(\s*serialNumber\s*,\s*${STRING_LITERAL}\s*\)$`, 'i');

export function parseSerialFilter(raw: string | undefined): SerialFilter {
  if (raw === undefined) return {};
  const clause = raw.trim();
  if (clause === '') return {};
  const filter: SerialFilter = {};
  for (const part of clause.split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i)) {
    const term = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    const eq = EQ_RE.exec(term);
    const fn = FUNC_RE.exec(term);
    if (eq) filter.equals = eq[1]!.replace(/''/g, "'");
    else if (fn && fn[1]!.toLowerCase() === 'contains') filter.contains = fn[2]!.replace(/''/g, "'");
    else if (fn) filter.startsWith = fn[2]!.replace(/''/g, "'");
    else throw discoveryErrors.badRequest(`Invalid filter clause: '${raw.slice(0, 200)}' is not supported here.`);
  }
  return filter;
}

function integer(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw discoveryErrors.badRequest(`Invalid ${name} value '${raw.slice(0, 50)}': expected an integer from ${min} to ${max}.`);
  }
  return Number(raw);
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw discoveryErrors.badRequest(`Query option ${name} is given more than once.`);
  return value;
}

export function parseCollectionQuery(query: Query): CollectionQuery {
  const top = integer(single(query, '$top'), '$top', 1, MAX_PAGE_SIZE);
  const offset = integer(single(query, '$skiptoken'), '$skiptoken', 0, 1_000_000_000) ?? 0;
  return { filter: parseSerialFilter(single(query, '$filter')), page: { offset, limit: top ?? DEFAULT_PAGE_SIZE } };
}

/** Wraps a page in Graph's collection envelope; fetch one row more than the page to know whether to link on. */
export function collection<T>(
  request: FastifyRequest,
  baseUrl: string,
  context: string,
  rows: T[],
  page: Page,
  render: (row: T) => Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.context': context };
  if (rows.length > page.limit) {
    const url = new URL(request.url, baseUrl);
    const next = new URL(`${baseUrl}${url.pathname}`);
    for (const [k, v] of url.searchParams) if (k !== '$skiptoken') next.searchParams.append(k, v);
    next.searchParams.set('$skiptoken', String(page.offset + page.limit));
    body['@odata.nextLink'] = next.toString();
  }
  body.value = rows.slice(0, page.limit).map(render);
  return body;
}
