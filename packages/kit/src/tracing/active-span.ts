/**
 * The span of the request being served, carried through its async work, so a call this
 * request makes to another service continues the trace under it. Set only while tracing is
 * on; without it outgoing calls carry whatever traceparent their caller gave them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';
import { formatTraceparent } from '../trace.js';

export const activeSpan = new AsyncLocalStorage<Span>();

/** The traceparent naming the current request's span, or undefined outside a traced request. */
export function currentTraceparent(): string | undefined {
  const span = activeSpan.getStore();
  if (!span) return undefined;
  const ctx = span.spanContext();
  return formatTraceparent({ traceId: ctx.traceId, spanId: ctx.spanId, flags: ctx.traceFlags.toString(16).padStart(2, '0') });
}
