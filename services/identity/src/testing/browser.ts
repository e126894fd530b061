/**
 * A person at a browser, for tests: reads Baton's sign-in pages and posts their forms,
 * the same HTTP requests a browser without script makes. Runs over inject() or real HTTPS.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BatonApp, Fetch } from '@baton/kit';

export interface PageResponse {
  status: number;
  location?: string;
  html: string;
  headers: Record<string, string | string[] | undefined>;
}

export type Transport = (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => Promise<PageResponse>;

export function injectTransport(app: BatonApp, remoteAddress = '127.0.0.1'): Transport {
  return async (method, path, form) => {
    const res = await app.inject({
      method,
      url: path,
      remoteAddress,
      ...(form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() } : {}),
    });
    const location = res.headers.location;
    return { status: res.statusCode, location: typeof location === 'string' ? location : undefined, html: res.body, headers: res.headers as PageResponse['headers'] };
  };
}

function headersOf(headers: Headers): PageResponse['headers'] {
  const out: PageResponse['headers'] = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export function fetchTransport(base: string, fetch: Fetch): Transport {
  return async (method, path, form) => {
    const res = await fetch(new URL(path, base), {
      method,
      redirect: 'manual',
      ...(form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() } : {}),
    });
    return { status: res.status, location: res.headers.get('location') ?? undefined, html: await res.text(), headers: headersOf(res.headers) };
  };
}

function unescape(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The page's form: where it posts and its hidden sign-in context. */
export function formOf(html: string): { action: string; ctx?: string } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  const ctx = /name="ctx" value="([^"]+)"/.exec(html)?.[1];
  return { action: unescape(action), ctx: ctx && unescape(ctx) };
}

export function alertOf(html: string): string | undefined {
  const match = /role="alert">([^<]*)</.exec(html);
  return match ? unescape(match[1]!) : undefined;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Posts the page's form with the given fields (and its ctx). */
export async function submit(transport: Transport, page: PageResponse, fields: Record<string, string>): Promise<PageResponse> {
  const { action, ctx } = formOf(page.html);
  return transport('POST', action, { ...(ctx ? { ctx } : {}), ...fields });
}
