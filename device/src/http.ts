/**
 * The device's one way to talk HTTP: every request carries the run's traceparent and abort
 * signal, and every non-2xx answer becomes a ChainError naming the service that gave it.
 */
import type { Fetch } from '@baton/kit';
import { ChainError, errorFromJson, transportError, type ChainService } from './errors.js';

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

export interface DeviceHttp {
  fetch: Fetch;
  traceparent: string;
  signal?: AbortSignal;
  /** Turns an XML error body (SOAP fault, SyncML) into a ChainError; set by the management steps. */
  xmlError?: (service: ChainService, status: number, body: string) => ChainError | undefined;
}

/** Largest answer the device reads; provisioning documents are the biggest at a few KiB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export async function send(
  http: DeviceHttp,
  service: ChainService,
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  if (!/^https:\/\//i.test(url)) {
    throw new ChainError(service, 'insecure_url', `Refusing to call ${url}: the chain runs over HTTPS only.`);
  }
  let response: Response;
  try {
    response = await http.fetch(url, {
      method: init.method,
      headers: { traceparent: http.traceparent, ...init.headers },
      body: init.body,
      signal: http.signal,
    });
  } catch (err) {
    throw transportError(service, url, err);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw transportError(service, url, err);
  }
  if (text.length > MAX_ANSWER_BYTES) {
    throw new ChainError(service, 'answer_too_large', `${url} answered ${text.length} bytes.`, response.status);
  }
  const contentType = response.headers.get('content-type') ?? '';
  const answer = { status: response.status, contentType, text };
  if (response.status >= 200 && response.status < 300) return answer;
  throw errorFromAnswer(http, service, url, answer);
}

function errorFromAnswer(http: DeviceHttp, service: ChainService, url: string, answer: HttpAnswer): ChainError {
  if (/json/i.test(answer.contentType) || /^\s*\{/.test(answer.text)) {
    try {
      const mapped = errorFromJson(service, answer.status, JSON.parse(answer.text));
      if (mapped) return mapped;
    } catch {
      // not JSON after all; fall through to the other shapes
    }
  }
  if (/^\s*</.test(answer.text) && http.xmlError) {
    const mapped = http.xmlError(service, answer.status, answer.text);
    if (mapped) return mapped;
  }
  return new ChainError(service, `http_${answer.status}`, `${url} answered HTTP ${answer.status}.`, answer.status);
}

export function postJson(http: DeviceHttp, service: ChainService, url: string, body: unknown, headers: Record<string, string> = {}) {
  return send(http, service, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function postForm(http: DeviceHttp, service: ChainService, url: string, form: Record<string, string>) {
  return send(http, service, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
}

export function getJson(http: DeviceHttp, service: ChainService, url: string) {
  return send(http, service, url, { method: 'GET', headers: { accept: 'application/json' } });
}

/** Parses a 2xx JSON answer; a body that is not JSON is the answering service's fault. */
export function json<T>(service: ChainService, url: string, answer: HttpAnswer): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new ChainError(service, 'invalid_answer', `${url} answered ${answer.status} with a body that is not JSON.`, answer.status);
  }
}

/** A URL named in an answer must be absolute HTTPS; anything else is the naming service's defect. */
export function requireUrl(service: ChainService, field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ChainError(service, 'invalid_answer', `The answer has no ${field}.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChainError(service, 'invalid_answer', `${field} is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:') throw new ChainError(service, 'invalid_answer', `${field} is not HTTPS: ${value}`);
  return value;
}

export function requireString(service: ChainService, field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ChainError(service, 'invalid_answer', `The answer has no ${field}.`);
  return value;
}
