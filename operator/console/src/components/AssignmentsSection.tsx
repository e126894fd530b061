/**
 * A policy's or app's assignments, each target named as the portal names it: groups by the
 * display name identity gives them, "All devices" and "All users" by those words. Apps add
 * their intent (required, available, uninstall) as a column. Given `editing`, the targets can
 * be changed: Graph's `assign` action replaces the whole set, so an addition or a removal
 * sends the current set changed by one, and the list is read again.
 */
import { useState } from 'react';
import { Button, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DataTable, type Column } from './DataTable.js';
import { ErrorBar } from './ErrorBar.js';
import { TargetPicker } from './TargetPicker.js';
import { useAction } from './useAction.js';
import { usePaged } from './usePaged.js';
import { useGroupNames } from './useGroupNames.js';
import { groupIdsOf, intentLabel, targetMode, targetName, type AssignmentTarget } from '../views/assignment-text.js';
import { assignWith, assignWithout } from '../views/assignment-body.js';

interface Assignment {
  id: string;
  intent?: string;
  target: AssignmentTarget;
}

export interface AssignmentEditing {
  /** The owner's `assign` action. */
  assignPath: string;
  /** The assignments' own type in the `assign` body, e.g. `#microsoft.graph.deviceCompliancePolicyAssignment`. */
  assignmentType: string;
}

export function AssignmentsSection({ path, owner, withIntent = false, editing }: { path: string; owner: string; withIntent?: boolean; editing?: AssignmentEditing }) {
  const { graph } = useConsole();
  const assignments = usePaged<Assignment>(path);
  const names = useGroupNames(groupIdsOf(assignments.items.map((a) => a.target)));
  const { busy, error, run } = useAction();
  const [removing, setRemoving] = useState<Assignment | null>(null);

  const assign = (body: unknown) =>
    run(async () => {
      if (!editing) return;
      await graph.post(editing.assignPath, body);
      assignments.reload();
    });
  const nameOf = (a: Assignment) => targetName(a.target, a.target.groupId ? names.get(a.target.groupId) : undefined);
  const columns: Column<Assignment>[] = [
    ...(withIntent ? [{ key: 'intent', header: 'Intent', render: (a: Assignment) => intentLabel(a.intent ?? '') }] : []),
    { key: 'target', header: 'Target', render: nameOf },
    { key: 'mode', header: 'Included or excluded', render: (a) => targetMode(a.target) },
    ...(editing
      ? [
          {
            key: 'remove',
            header: '',
            render: (a: Assignment) => (
              <Button size="small" aria-label={`Remove ${nameOf(a)}`} disabled={busy || assignments.hasMore} onClick={() => setRemoving(a)}>
                Remove
              </Button>
            ),
          },
        ]
      : []),
  ];
  return (
    <section aria-labelledby="assignments-title" className="stack">
      <Title3 as="h2" id="assignments-title">
        Assignments
      </Title3>
      <DataTable label={`Assignments of ${owner}`} columns={columns} paged={assignments} rowKey={(a) => a.id} empty="Not assigned." />
      {editing ? (
        <>
          {/* The whole set is sent back: only once every page of it is read. */}
          <TargetPicker label={`Assign ${owner}`} busy={busy || assignments.loading || assignments.hasMore} onAssign={(picked) => void assign(assignWith(assignments.items, picked, editing.assignmentType))} />
          <ErrorBar error={error} />
          <ConfirmDialog
            open={removing !== null}
            title={`Remove this assignment of ${owner}?`}
            text={removing ? `${nameOf(removing)} will no longer get it; its devices are evaluated again.` : ''}
            confirm="Remove"
            onConfirm={() => {
              const assignment = removing;
              setRemoving(null);
              if (assignment) void assign(assignWithout(assignments.items, assignment.id, editing.assignmentType));
            }}
            onCancel={() => setRemoving(null)}
          />
        </>
      ) : null}
    </section>
  );
}
