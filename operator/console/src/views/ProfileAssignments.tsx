/**
 * A deployment profile's assignments: each target named (groups by their display name), a
 * Remove after confirmation, and an assignment to all devices or to a group found by name.
 * Discovery takes and removes them one at a time; the list is read again after each change.
 */
import { useState } from 'react';
import { Button, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { DataTable } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { TargetPicker } from '../components/TargetPicker.js';
import { useAction } from '../components/useAction.js';
import { usePaged } from '../components/usePaged.js';
import { useGroupNames } from '../components/useGroupNames.js';
import { PATHS } from '../graph/client.js';
import { groupIdsOf } from './assignment-text.js';
import { assignmentTarget } from './assignment-body.js';
import { describeTarget, type AssignmentTarget } from './profile-text.js';

interface Assignment {
  id: string;
  target: AssignmentTarget;
}

export function ProfileAssignments({ profile }: { profile: { id: string; displayName: string } }) {
  const { graph } = useConsole();
  const path = `${PATHS.profiles}/${encodeURIComponent(profile.id)}/assignments`;
  const assignments = usePaged<Assignment>(path);
  const groupNames = useGroupNames(groupIdsOf(assignments.items.map((a) => a.target)));
  const { busy, error, run } = useAction();
  const [removing, setRemoving] = useState<Assignment | null>(null);
  const change = (work: () => Promise<unknown>) =>
    run(async () => {
      await work();
      assignments.reload();
    });

  const nameOf = (a: Assignment) => describeTarget(a.target, a.target.groupId ? groupNames.get(a.target.groupId) : undefined);
  return (
    <section aria-labelledby="assignments-title" className="stack">
      <Title3 as="h2" id="assignments-title">
        Assignments of {profile.displayName}
      </Title3>
      <DataTable
        label={`Assignments of ${profile.displayName}`}
        columns={[
          { key: 'target', header: 'Target', render: nameOf },
          {
            key: 'remove',
            header: '',
            render: (a) => (
              <Button size="small" aria-label={`Remove ${nameOf(a)}`} disabled={busy} onClick={() => setRemoving(a)}>
                Remove
              </Button>
            ),
          },
        ]}
        paged={assignments}
        rowKey={(a) => a.id}
        empty="Not assigned."
      />
      <TargetPicker label={`Assign ${profile.displayName}`} busy={busy} onAssign={(picked) => void change(() => graph.post(path, { target: assignmentTarget(picked) }))} />
      <ErrorBar error={error} />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove this assignment of ${profile.displayName}?`}
        text={removing ? `${nameOf(removing)} will no longer get this profile; devices already registered keep what they have until their next lookup.` : ''}
        confirm="Remove"
        onConfirm={() => {
          const assignment = removing;
          setRemoving(null);
          if (assignment) void change(() => graph.delete(`${path}/${encodeURIComponent(assignment.id)}`));
        }}
        onCancel={() => setRemoving(null)}
      />
    </section>
  );
}
