/**
 * Traces exported over OTLP when an endpoint is configured (the standard
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT), to any collector an
 * administrator already runs (Jaeger, Tempo, the OpenTelemetry Collector). Each service
 * reports under its own `service.name` (`baton-discovery`, `baton-identity`,
 * `baton-management`) even when one process serves all three. Without an endpoint nothing
 * is created and requests pay nothing.
 */
import { randomUUID } from 'node:crypto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';

export interface TracingOptions {
  /** OTLP/HTTP traces URL (`…/v1/traces`); undefined turns tracing off. */
  endpoint?: string;
  /** Headers for the collector (authentication), as OTEL_EXPORTER_OTLP_HEADERS gives them. */
  headers?: Record<string, string>;
  /** Instead of OTLP (tests). */
  exporter?: () => SpanExporter;
}

export interface Tracing {
  /** The service's tracer, or undefined when tracing is off. */
  tracerFor(service: string): Tracer | undefined;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Sends what is buffered and stops; called at shutdown. */
  shutdown(): Promise<void>;
}

export const TRACING_OFF: Tracing = { tracerFor: () => undefined, flush: async () => {}, shutdown: async () => {} };

export function createTracing(options: TracingOptions): Tracing {
  if (!options.endpoint && !options.exporter) return TRACING_OFF;
  const instance = randomUUID();
  const providers = new Map<string, BasicTracerProvider>();
  return {
    tracerFor(service) {
      let provider = providers.get(service);
      if (!provider) {
        const exporter = options.exporter?.() ?? new OTLPTraceExporter({ url: options.endpoint, headers: options.headers });
        provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': `baton-${service}`, 'service.namespace': 'baton', 'service.instance.id': instance }),
          spanProcessors: [new BatchSpanProcessor(exporter)],
        });
        providers.set(service, provider);
      }
      return provider.getTracer('baton');
    },
    async flush() {
      await Promise.all([...providers.values()].map((p) => p.forceFlush()));
    },
    async shutdown() {
      await Promise.all([...providers.values()].map((p) => p.shutdown()));
    },
  };
}

/** The OTLP/HTTP traces URL the standard OpenTelemetry environment variables name, if any. */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/** OTEL_EXPORTER_OTLP_HEADERS: `key=value,key2=value2`, values URL-encoded. */
export function otlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
