/**
 * The Fastify app factory every service and the combined server use. It builds the app
 * without listening (tests drive it with inject() or listen on port 0), and installs the
 * cross-cutting pieces: request ids, body limits, parsers for the wire formats Baton
 * speaks, and the Graph error envelope as the default error shape.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GraphError, graphErrorBody } from './graph-error.js';

export type BatonApp = FastifyInstance<any, any, any, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface CreateAppOptions {
  logger?: FastifyBaseLogger | false;
  /** Largest request body in bytes; Graph and SOAP bodies are small, bulk imports set more. */
  bodyLimit?: number;
  https?: Record<string, unknown>;
}

/** Body types read as text and handed to a protocol codec; never parsed here. */
const XML_CONTENT_TYPES = [
  'application/soap+xml',
  'application/vnd.syncml.dm+xml',
  'application/vnd.syncml.dm+wbxml',
  'application/xml',
  'text/xml',
  'text/csv',
  'text/plain',
];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createApp(options: CreateAppOptions = {}): BatonApp {
  const app = Fastify({
    loggerInstance: options.logger || undefined,
    logger: options.logger ? undefined : false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    trustProxy: false,
    https: options.https ?? null,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  } as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>();

  app.register(formbody, { bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.addContentTypeParser(XML_CONTENT_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // Graph takes an empty body sent as application/json (scripts that set the header on every
  // request, DELETEs and actions included); Fastify's parser refuses it. Anything else goes to
  // Fastify's own parser, which keeps refusing __proto__ and constructor keys.
  const fastifyJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else fastifyJson(request, body as string, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
    const clientRequestId = request.headers['client-request-id'];
    if (typeof clientRequestId === 'string' && UUID_RE.test(clientRequestId)) {
      reply.header('client-request-id', clientRequestId);
    }
  });
  // One line per request at debug: a fleet run is thousands of requests, and an operator
  // watching `baton up` needs to see warnings, not traffic. BATON_LOG_LEVEL=debug shows it.
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler(graphErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(graphErrorBody('NotFound', `No resource at ${request.method} ${request.url.split('?')[0]}.`, request.id));
  });
  return app;
}

/** Maps any thrown error to a Graph envelope; only unexpected errors become 500s. */
export function graphErrorHandler(this: unknown, error: any, request: any, reply: any): void {
  const clientRequestId = request.headers['client-request-id'];
  const send = (status: number, code: string, message: string) =>
    reply.code(status).send(graphErrorBody(code, message, request.id, typeof clientRequestId === 'string' ? clientRequestId : undefined));
  if (error instanceof GraphError) {
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    return send(error.statusCode, error.code, error.message);
  }
  const mapped = mapFrameworkError(error);
  if (mapped) return send(mapped.status, mapped.code, mapped.message);
  request.log.error({ err: error }, 'unhandled error');
  return send(500, 'generalException', 'An unexpected error occurred.');
}

/** Framework-level client errors (validation, body size, content type, bad JSON). */
export function mapFrameworkError(error: any): { status: number; code: string; message: string } | null {
  if (error?.validation) return { status: 400, code: 'BadRequest', message: `Invalid request: ${error.message}` };
  const status = typeof error?.statusCode === 'number' ? error.statusCode : 0;
  if (status === 413) return { status, code: 'RequestEntityTooLarge', message: 'The request body is too large.' };
  if (status === 415) return { status, code: 'UnsupportedMediaType', message: error.message };
  if (status >= 400 && status < 500) return { status, code: 'BadRequest', message: error.message };
  return null;
}
