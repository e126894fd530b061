/**
 * Assignment bodies as each Graph collection takes them. Discovery's profiles take one
 * assignment at a time; management's policies take their whole set through `assign`, so a
 * change is the current set with one target added or one assignment left out. Pure.
 */
import type { AssignmentTarget } from './assignment-text.js';

export type PickedTarget = 'allDevices' | { groupId: string };

export function assignmentTarget(picked: PickedTarget): AssignmentTarget {
  if (picked === 'allDevices') return { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
  return { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: picked.groupId };
}

function sameTarget(a: AssignmentTarget, b: AssignmentTarget): boolean {
  return a['@odata.type'] === b['@odata.type'] && (a.groupId ?? '') === (b.groupId ?? '');
}

/** The `assign` body with `picked` added to the current targets (once: a target already there is not repeated). */
export function assignWith(current: ReadonlyArray<{ target: AssignmentTarget }>, picked: PickedTarget, assignmentType: string): { assignments: unknown[] } {
  const added = assignmentTarget(picked);
  const targets = current.map((a) => a.target);
  if (!targets.some((t) => sameTarget(t, added))) targets.push(added);
  return { assignments: targets.map((target) => ({ '@odata.type': assignmentType, target })) };
}

/** The `assign` body without the assignment `removedId`. */
export function assignWithout(current: ReadonlyArray<{ id: string; target: AssignmentTarget }>, removedId: string, assignmentType: string): { assignments: unknown[] } {
  return { assignments: current.filter((a) => a.id !== removedId).map((a) => ({ '@odata.type': assignmentType, target: a.target })) };
}
