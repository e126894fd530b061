/**
 * One SERVER span per request a service answers, child of the caller's W3C traceparent
 * (the device's, or the service that called): a device's provisioning is one trace with a
 * span per request in each of the three services. Named by route template, so a trace
 * backend groups `POST /ztd/v1/lookup` rather than one name per device.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { parseTraceparent } from '../trace.js';
import { activeSpan } from './active-span.js';

const spans = new WeakMap<FastifyRequest, Span>();

function parentContext(header: string | string[] | undefined) {
  const parent = parseTraceparent(typeof header === 'string' ? header : undefined);
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parseInt(parent.flags, 16) & 1, isRemote: true });
}

export function addRequestSpans(scope: FastifyInstance, tracer: Tracer, service: string): void {
  scope.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0]!,
          'client.address': request.ip,
          'baton.service': service,
        },
      },
      parentContext(request.headers.traceparent),
    );
    spans.set(request, span);
    // Everything the request does from here, awaited calls included, sees this span.
    activeSpan.run(span, done);
  });
  scope.addHook('onError', (request, _reply, error, done) => {
    spans.get(request)?.recordException(error);
    done();
  });
  scope.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      // Semantic conventions: a 4xx is the client's error, not the server span's.
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
}
