import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createApp } from '../http/create-app.js';
import { createHttpsFetch } from '../http/https-client.js';
import { mountService } from '../http/mount.js';
import { parseTraceparent } from '../trace.js';
import { createTracing, otlpHeaders, otlpTracesEndpoint, TRACING_OFF } from './tracing.js';

const DEVICE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Two services on two listeners: `front` calls `back` while answering. */
async function twoServices(tracing: ReturnType<typeof createTracing>) {
  const fetch = createHttpsFetch();
  const back = createApp();
  await mountService(back, 'identity', async (scope) => {
    scope.get('/devices/:id', async (request) => ({ id: (request.params as { id: string }).id, traceparent: request.headers.traceparent }));
    scope.get('/broken', async () => {
      throw new Error('store unavailable');
    });
  }, {}, undefined, tracing.tracerFor('identity'));
  await back.listen({ port: 0, host: '127.0.0.1' });
  const backUrl = `http://127.0.0.1:${(back.server.address() as { port: number }).port}`;
  const front = createApp();
  await mountService(front, 'discovery', async (scope) => {
    scope.get('/lookup/:id', async (request) => {
      const res = await fetch(`${backUrl}/devices/${(request.params as { id: string }).id}`);
      return res.json();
    });
  }, {}, undefined, tracing.tracerFor('discovery'));
  return {
    back,
    front,
    async close() {
      await front.close();
      await back.close();
      await fetch.close();
    },
  };
}

test('each service answers with a span in the caller trace, and a call it makes continues under its own span', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing({ exporter: () => exporter });
  const { front, back, close } = await twoServices(tracing);
  try {
    const res = await front.inject({ method: 'GET', url: '/lookup/42', headers: { traceparent: DEVICE } });
    assert.equal(res.statusCode, 200, res.body);
    const broken = await back.inject({ method: 'GET', url: '/broken' });
    assert.equal(broken.statusCode, 500);
    const untraced = await back.inject({ method: 'GET', url: '/devices/7' });
    assert.equal(untraced.statusCode, 200);
    await tracing.flush();

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const lookup = named('GET /lookup/:id')[0]!;
    const fromFront = named('GET /devices/:id').find((s) => s.parentSpanContext !== undefined);
    const fromNothing = named('GET /devices/:id').find((s) => s.parentSpanContext === undefined);
    const device = parseTraceparent(DEVICE)!;
    // The front's span: child of the device, named by route template, by its own service.
    assert.equal(lookup.kind, SpanKind.SERVER);
    assert.equal(lookup.spanContext().traceId, device.traceId);
    assert.equal(lookup.parentSpanContext?.spanId, device.spanId);
    assert.equal(lookup.resource.attributes['service.name'], 'baton-discovery');
    assert.equal(lookup.attributes['http.response.status_code'], 200);
    assert.equal(lookup.attributes['url.path'], '/lookup/42');
    // The back's span for the front's call: same trace, child of the front's span, and the
    // traceparent it saw names that span.
    assert.equal(fromFront!.spanContext().traceId, device.traceId);
    assert.equal(fromFront!.parentSpanContext?.spanId, lookup.spanContext().spanId);
    assert.equal(fromFront!.resource.attributes['service.name'], 'baton-identity');
    assert.equal(parseTraceparent(JSON.parse(res.body).traceparent)?.spanId, lookup.spanContext().spanId);
    // Without a traceparent a request starts a trace of its own.
    assert.equal(fromNothing!.parentSpanContext, undefined);
    assert.notEqual(fromNothing!.spanContext().traceId, device.traceId);
    // A 500 marks the span as failed and keeps the exception.
    const failed = named('GET /broken')[0] as ReadableSpan;
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.match(String(failed.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']), /store unavailable/);
  } finally {
    await close();
  }
});

test('with tracing off nothing is recorded and calls carry only what their caller gave them', async () => {
  const { front, close } = await twoServices(TRACING_OFF);
  try {
    const res = await front.inject({ method: 'GET', url: '/lookup/42', headers: { traceparent: DEVICE } });
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body).traceparent, undefined);
  } finally {
    await close();
  }
});

test('the OTLP endpoint and headers come from the standard OpenTelemetry variables', () => {
  assert.equal(otlpTracesEndpoint({}), undefined);
  assert.equal(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), 'http://collector:4318/v1/traces');
  assert.equal(
    otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo.example/otlp/v1/traces' }),
    'https://tempo.example/otlp/v1/traces',
  );
  assert.equal(otlpTracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
  assert.deepEqual(otlpHeaders('authorization=Bearer%20abc, x-scope-orgid=baton,broken'), { authorization: 'Bearer abc', 'x-scope-orgid': 'baton' });
});
