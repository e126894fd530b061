/** A fetch that answers from a function, so steps can be tested without a server. */
import type { Fetch } from '@baton/kit';
import type { DeviceHttp } from '../http.js';
import { soapFaultError } from '../xml-errors.js';

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

export type FakeHandler = (req: RecordedRequest) => { status?: number; contentType?: string; body?: string } | Promise<{ status?: number; contentType?: string; body?: string }>;

export function fakeHttp(handler: FakeHandler): DeviceHttp & { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: Fetch = async (input, init) => {
    const req: RecordedRequest = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
      body: typeof init?.body === 'string' ? init.body : '',
    };
    requests.push(req);
    const answer = await handler(req);
    return new Response(answer.body ?? '', { status: answer.status ?? 200, headers: { 'content-type': answer.contentType ?? 'text/plain' } });
  };
  return { fetch, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', xmlError: soapFaultError, requests };
}
