/**
 * The assignment surface Graph gives every targetable management object (configuration
 * profiles, compliance policies, apps, enrollment configurations): the `assign` action and the
 * `assignments` navigation. Each object kind names its own body property, assignment shape and
 * what must happen after a change (plan the devices again, evaluate them again, nothing).
 */
import { randomUUID } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuseFilter, type GraphError } from '@baton/kit';
import { parseTarget } from '../targeting/targets.js';

export const MAX_ASSIGNMENTS = 100;
const Id = Type.String({ minLength: 1, maxLength: 128 });
export const IdParams = Type.Object({ id: Id });
const AssignmentParams = Type.Object({ id: Id, assignmentId: Id });
export const AnyObject = Type.Object({}, { additionalProperties: true, maxProperties: 100 });

export interface AssignmentSurface<A extends { id: string }> {
  /** Route prefix of the collection, e.g. `/graph/v1.0/deviceManagement/deviceConfigurations`. */
  base: string;
  /** The collection's path in `@odata.context`, e.g. `deviceManagement/deviceConfigurations`. */
  entitySet: string;
  /** The property of the `assign` body holding the assignments (`assignments`, `mobileAppAssignments`, ...). */
  assignProperty: string;
  /**
   * What `assign` answers: Graph returns the new assignments for configuration profiles and
   * compliance policies (this type names them) and 204 for apps and enrollment configurations.
   */
  assignAnswerType?: string;
  /** What the owner is called in the "at most" error ("A profile", "An app"). */
  ownerNoun: string;
  read: string[];
  write: string[];
  tenantOf(request: FastifyRequest, roles: string[]): Promise<string>;
  context(entity: string): string;
  /** The owner, or its not-found error. */
  owner(tenantId: string, id: string): Promise<{ id: string }>;
  parse(ownerId: string, raw: Record<string, unknown>): A;
  toGraph(assignment: A): Record<string, unknown>;
  notFound(id: string): GraphError;
  invalid(message: string): GraphError;
  list(tenantId: string, ownerId: string): Promise<A[]>;
  replace(tenantId: string, ownerId: string, assignments: A[]): Promise<void>;
  /** Single-assignment writes, where the object kind's store has them. */
  add?(tenantId: string, assignment: A): Promise<void>;
  remove?(ownerId: string, assignmentId: string): Promise<boolean>;
  /** Runs after every change to the assignments, before the answer goes out. */
  changed?(tenantId: string): Promise<void>;
}

export function assignmentRoutes<A extends { id: string }>(instance: FastifyInstance, s: AssignmentSurface<A>): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const AssignBody = Type.Object({ [s.assignProperty]: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: MAX_ASSIGNMENTS }) }, { additionalProperties: true }) as TSchema;
  const entity = (ownerId: string) => `${s.entitySet}('${ownerId}')/assignments`;
  const changed = async (tenantId: string) => s.changed?.(tenantId);

  for (const name of ['assign', 'microsoft.graph.assign']) {
    app.post(`${s.base}/:id/${name}`, { schema: { params: IdParams, body: AssignBody } }, async (request, reply) => {
      const tenantId = await s.tenantOf(request, s.write);
      const owner = await s.owner(tenantId, request.params.id);
      const raw = (request.body as Record<string, Array<Record<string, unknown>>>)[s.assignProperty]!;
      const assignments = raw.map((a) => s.parse(owner.id, a));
      await s.replace(tenantId, owner.id, assignments);
      await changed(tenantId);
      if (!s.assignAnswerType) return reply.code(204).send();
      return { '@odata.context': s.context(`Collection(${s.assignAnswerType})`), value: assignments.map(s.toGraph) };
    });
  }

  app.get(`${s.base}/:id/assignments`, { preValidation: refuseFilter, schema: { params: IdParams } }, async (request) => {
    const tenantId = await s.tenantOf(request, s.read);
    const owner = await s.owner(tenantId, request.params.id);
    return { '@odata.context': s.context(entity(owner.id)), value: (await s.list(tenantId, owner.id)).map(s.toGraph) };
  });

  app.get(`${s.base}/:id/assignments/:assignmentId`, { schema: { params: AssignmentParams } }, async (request) => {
    const tenantId = await s.tenantOf(request, s.read);
    const owner = await s.owner(tenantId, request.params.id);
    const found = (await s.list(tenantId, owner.id)).find((a) => a.id === request.params.assignmentId.toLowerCase());
    if (!found) throw s.notFound(request.params.assignmentId);
    return { '@odata.context': s.context(`${entity(owner.id)}/$entity`), ...s.toGraph(found) };
  });

  const { add, remove } = s;
  if (add) {
    app.post(`${s.base}/:id/assignments`, { schema: { params: IdParams, body: AnyObject } }, async (request, reply) => {
      const tenantId = await s.tenantOf(request, s.write);
      const owner = await s.owner(tenantId, request.params.id);
      if ((await s.list(tenantId, owner.id)).length >= MAX_ASSIGNMENTS) throw s.invalid(`${s.ownerNoun} has at most ${MAX_ASSIGNMENTS} assignments.`);
      const assignment = s.parse(owner.id, request.body as Record<string, unknown>);
      await add(tenantId, assignment);
      await changed(tenantId);
      return reply.code(201).send({ '@odata.context': s.context(`${entity(owner.id)}/$entity`), ...s.toGraph(assignment) });
    });
  }
  if (remove) {
    app.delete(`${s.base}/:id/assignments/:assignmentId`, { schema: { params: AssignmentParams } }, async (request, reply) => {
      const tenantId = await s.tenantOf(request, s.write);
      const owner = await s.owner(tenantId, request.params.id);
      if (!(await remove(owner.id, request.params.assignmentId.toLowerCase()))) throw s.notFound(request.params.assignmentId);
      await changed(tenantId);
      return reply.code(204).send();
    });
  }
}

/** A configuration profile's or compliance policy's assignment: a target, nothing else. */
export interface PolicyAssignment {
  id: string;
  policyId: string;
  target: Record<string, unknown>;
}

/** What the configuration and compliance stores both offer for their policies' assignments. */
export interface PolicyAssignmentStore {
  listAssignments(tenantId: string, policyId: string): Promise<PolicyAssignment[]>;
  replaceAssignments(tenantId: string, policyId: string, assignments: PolicyAssignment[]): Promise<void>;
  addAssignment(tenantId: string, assignment: PolicyAssignment): Promise<void>;
  deleteAssignment(policyId: string, id: string): Promise<boolean>;
  transaction<T>(fn: (tx: PolicyAssignmentStore) => Promise<T>): Promise<T>;
}

/** The parts of a surface that are the same for every policy kind whose assignments are targets only. */
export function policyAssignments(store: PolicyAssignmentStore): Pick<AssignmentSurface<PolicyAssignment>, 'parse' | 'toGraph' | 'list' | 'replace' | 'add' | 'remove'> {
  return {
    parse: (policyId, raw) => ({ id: randomUUID(), policyId, target: parseTarget(raw.target) as unknown as Record<string, unknown> }),
    toGraph: (a) => ({ id: a.id, target: a.target }),
    list: (tenantId, policyId) => store.listAssignments(tenantId, policyId),
    replace: (tenantId, policyId, assignments) => store.transaction((tx) => tx.replaceAssignments(tenantId, policyId, assignments)),
    add: (tenantId, assignment) => store.addAssignment(tenantId, assignment),
    remove: (policyId, assignmentId) => store.deleteAssignment(policyId, assignmentId),
  };
}
