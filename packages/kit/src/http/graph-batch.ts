/**
 * Graph JSON batching: `POST /graph/{v1.0|beta}/$batch` with up to 20 requests, each answered
 * in `responses` with its own status, headers and body, as Graph does
 * (learn.microsoft.com/graph/json-batching). IntuneManagement, IntuneCD and the Graph SDKs'
 * BatchRequestContent send it.
 *
 * Each request is dispatched into the same app with `inject()`, carrying the batch's own
 * credentials, so it meets the routes, schemas and authorization it would meet on its own, and
 * the service that owns its path answers it. The batch owns nothing: on a host that serves one
 * service, a request for another service's path is that request's 404.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { graphErrorBody, graphErrors } from './graph-error.js';
import type { BatonApp } from './create-app.js';
import type { RouteTable } from './mount.js';

/** Its owner in the route table: it answers nothing itself and dispatches to the services'. */
export const GRAPH_BATCH_OWNER = 'batch';

export const GRAPH_BATCH_LIMIT = 20;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * Response headers a batch response carries over, spelt as Graph spells them: the Graph JS
 * SDK's BatchResponseContent reads `Content-Type` by that exact key to decide the body is JSON.
 */
const KEPT_HEADERS: Record<string, string> = {
  'content-type': 'Content-Type',
  location: 'Location',
  'retry-after': 'Retry-After',
  etag: 'ETag',
  'preference-applied': 'Preference-Applied',
};
/** Headers of the batch request every member inherits; a member's own are taken as well, except these. */
const INHERITED_HEADERS = ['authorization', 'client-request-id', 'traceparent'];
const NOT_FROM_MEMBERS = new Set([...INHERITED_HEADERS, 'host', 'content-length', 'transfer-encoding', 'connection']);

interface BatchMember {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the batch as a whole; anything wrong here is the batch's 400, before any member runs. */
function readBatch(body: unknown): BatchMember[] {
  if (!isRecord(body) || !Array.isArray(body.requests)) throw graphErrors.badRequest("The batch body must be an object with a 'requests' array.");
  const requests = body.requests as unknown[];
  if (requests.length === 0) throw graphErrors.badRequest('The batch has no requests.');
  if (requests.length > GRAPH_BATCH_LIMIT) throw graphErrors.badRequest(`The batch has ${requests.length} requests; the limit is ${GRAPH_BATCH_LIMIT}.`);
  const members: BatchMember[] = [];
  const ids = new Set<string>();
  for (const [index, raw] of requests.entries()) {
    if (!isRecord(raw)) throw graphErrors.badRequest(`Request ${index} is not an object.`);
    const { id, method, url, headers, dependsOn } = raw;
    if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw graphErrors.badRequest(`Request ${index} needs an 'id' string.`);
    // Graph compares ids without regard to case.
    if (ids.has(id.toLowerCase())) throw graphErrors.badRequest(`The batch has two requests with id '${id}'.`);
    ids.add(id.toLowerCase());
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
      throw graphErrors.badRequest(`Request '${id}' needs a 'method' of ${[...METHODS].join(', ')}.`);
    }
    if (typeof url !== 'string' || url.length === 0 || url.length > 8192) throw graphErrors.badRequest(`Request '${id}' needs a 'url' string.`);
    if (headers !== undefined && (!isRecord(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
      throw graphErrors.badRequest(`Request '${id}': 'headers' must be an object of strings.`);
    }
    if (dependsOn !== undefined && (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string'))) {
      throw graphErrors.badRequest(`Request '${id}': 'dependsOn' must be an array of request ids.`);
    }
    const memberHeaders: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries((headers as Record<string, string> | undefined) ?? {})) memberHeaders[k.toLowerCase()] = v;
    members.push({ id, method: method.toUpperCase(), url, headers: memberHeaders, body: raw.body, dependsOn: (dependsOn as string[] | undefined) ?? [] });
  }
  const known = new Map(members.map((m) => [m.id.toLowerCase(), m]));
  for (const member of members) {
    for (const dependency of member.dependsOn) {
      if (!known.has(dependency.toLowerCase()) || dependency.toLowerCase() === member.id.toLowerCase()) {
        throw graphErrors.badRequest(`Request '${member.id}' depends on '${dependency}', which is not another request of this batch.`);
      }
    }
  }
  // A cycle would leave its members waiting on each other for ever.
  const settled = new Set<string>();
  const visiting = new Set<string>();
  const visit = (member: BatchMember): void => {
    const key = member.id.toLowerCase();
    if (settled.has(key)) return;
    if (visiting.has(key)) throw graphErrors.badRequest(`The requests' dependsOn form a cycle through '${member.id}'.`);
    visiting.add(key);
    for (const dependency of member.dependsOn) visit(known.get(dependency.toLowerCase())!);
    visiting.delete(key);
    settled.add(key);
  };
  members.forEach(visit);
  return members;
}

/** The path a member's relative URL names under the batch's version, or undefined if it leaves it. */
function memberPath(version: string, url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return undefined;
  const base = `/graph/${version}/`;
  let resolved: URL;
  try {
    resolved = new URL(url.replace(/^\/+/, ''), `https://batch.invalid${base}`);
  } catch {
    return undefined;
  }
  if (!resolved.pathname.startsWith(base) || /%2e|%2f|%5c/i.test(resolved.pathname)) return undefined;
  if (/^\$batch$/i.test(resolved.pathname.slice(base.length).replace(/\/+$/, ''))) return undefined;
  return resolved.pathname + resolved.search;
}

function memberError(member: BatchMember, status: number, code: string, message: string, requestId: string): BatchResponse {
  return {
    id: member.id,
    status,
    headers: { 'Content-Type': 'application/json' },
    body: graphErrorBody(code, message, requestId),
  };
}

async function runMember(app: BatonApp, request: FastifyRequest, version: string, member: BatchMember): Promise<BatchResponse> {
  const path = memberPath(version, member.url);
  if (!path) return memberError(member, 400, 'BadRequest', `'${member.url.slice(0, 200)}' is not a URL relative to /${version}.`, request.id);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(member.headers)) if (!NOT_FROM_MEMBERS.has(k)) headers[k] = v;
  for (const name of INHERITED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  let payload: string | undefined;
  if (member.body !== undefined && member.body !== null) {
    if (!headers['content-type']) {
      return memberError(member, 400, 'BadRequest', `Request '${member.id}' has a body but no Content-Type header.`, request.id);
    }
    payload = /json/i.test(headers['content-type']) || typeof member.body !== 'string' ? JSON.stringify(member.body) : member.body;
  }
  const answer = await app.inject({ method: member.method as 'GET', url: path, headers, payload, remoteAddress: request.ip });
  const response: BatchResponse = { id: member.id, status: answer.statusCode, headers: {} };
  for (const [name, spelt] of Object.entries(KEPT_HEADERS)) {
    const value = answer.headers[name];
    if (value !== undefined) response.headers[spelt] = String(value);
  }
  if (answer.body.length > 0) {
    const json = /json/i.test(response.headers['Content-Type'] ?? '');
    try {
      response.body = json ? JSON.parse(answer.body) : answer.body;
    } catch {
      response.body = answer.body;
    }
  }
  return response;
}

/**
 * Runs the members, each as soon as the ones it depends on are done; one whose dependency
 * failed is not run and answers 424, as Graph's do.
 */
async function runBatch(app: BatonApp, request: FastifyRequest, version: string, members: BatchMember[]): Promise<BatchResponse[]> {
  const done = new Map<string, Promise<BatchResponse>>();
  const byId = new Map(members.map((m) => [m.id.toLowerCase(), m]));
  const start = (member: BatchMember): Promise<BatchResponse> => {
    const key = member.id.toLowerCase();
    let running = done.get(key);
    if (!running) {
      running = (async () => {
        const dependencies = await Promise.all(member.dependsOn.map((d) => start(byId.get(d.toLowerCase())!)));
        const failed = dependencies.find((d) => d.status >= 400);
        if (failed) return memberError(member, 424, 'FailedDependency', `Request '${failed.id}', which this one depends on, failed.`, request.id);
        return runMember(app, request, version, member);
      })();
      done.set(key, running);
    }
    return running;
  };
  return Promise.all(members.map(start));
}

/** Registers `$batch` on both Graph versions; once per app, outside any service's scope. */
export function registerGraphBatch(app: BatonApp, table?: RouteTable): void {
  for (const version of ['v1.0', 'beta']) {
    const url = `/graph/${version}/$batch`;
    table?.add({ owner: GRAPH_BATCH_OWNER, method: 'POST', url });
    app.post(url, async (request: FastifyRequest, reply: FastifyReply) => {
      // Graph refuses a batch without credentials as a whole, rather than each member.
      if (!/^bearer\s+\S/i.test(request.headers.authorization ?? '')) throw graphErrors.unauthenticated();
      const members = readBatch(request.body);
      const responses = await runBatch(app, request, version, members);
      reply.header('cache-control', 'no-store');
      return { responses };
    });
  }
}
