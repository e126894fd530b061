/**
 * A deployment profile's assignments: each target named (groups by their display name), a
 * Remove after confirmation, and an assignment to all devices or to a group found by name.
 * Discovery resolves the devices a change reaches; the list is read again after each change.
 */
import { useState } from 'react';
import { Button, Field, Input, Radio, RadioGroup, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { DataTable } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { usePaged } from '../components/usePaged.js';
import { useGroupNames } from '../components/useGroupNames.js';
import { PATHS } from '../graph/client.js';
import { odataString } from '../graph/links.js';
import { groupIdsOf } from './assignment-text.js';
import { profileAssignmentBody } from './profile-body.js';
import { describeTarget, type AssignmentTarget } from './profile-text.js';

interface Assignment {
  id: string;
  target: AssignmentTarget;
}

interface Group {
  id: string;
  displayName: string;
}

/** Groups shown for one search: enough to pick from, few enough to read. */
const GROUPS_FOUND = 10;

export function ProfileAssignments({ profile }: { profile: { id: string; displayName: string } }) {
  const { graph } = useConsole();
  const path = `${PATHS.profiles}/${encodeURIComponent(profile.id)}/assignments`;
  const assignments = usePaged<Assignment>(path);
  const groupNames = useGroupNames(groupIdsOf(assignments.items.map((a) => a.target)));
  const [error, setError] = useState<unknown>();
  const [removing, setRemoving] = useState<Assignment | null>(null);
  const [mode, setMode] = useState<'allDevices' | 'group'>('allDevices');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Group[] | null>(null);
  const [groupId, setGroupId] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const findGroups = () =>
    run(async () => {
      const filter = `startswith(displayName,${odataString(search.trim())})`;
      const page = await graph.page<Group>(`${PATHS.groups}?$filter=${encodeURIComponent(filter)}&$select=id,displayName&$top=${GROUPS_FOUND}`);
      setFound(page.value);
      setGroupId(page.value[0]?.id ?? '');
    });
  const assign = () =>
    run(async () => {
      await graph.post(path, profileAssignmentBody(mode === 'allDevices' ? 'allDevices' : { groupId }));
      assignments.reload();
    });
  const remove = (assignment: Assignment) =>
    run(async () => {
      setRemoving(null);
      await graph.delete(`${path}/${encodeURIComponent(assignment.id)}`);
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
      <form
        aria-label={`Assign ${profile.displayName}`}
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void assign();
        }}
      >
        <Field label="Assign to">
          <RadioGroup layout="horizontal" value={mode} onChange={(_e, d) => setMode(d.value as 'allDevices' | 'group')}>
            <Radio value="allDevices" label="All devices" />
            <Radio value="group" label="A group" />
          </RadioGroup>
        </Field>
        {mode === 'group' ? (
          <>
            <div className="row">
              <Field label="Group name starts with">
                <Input value={search} onChange={(_e, d) => setSearch(d.value)} />
              </Field>
              <Button disabled={busy || search.trim() === ''} onClick={() => void findGroups()}>
                Find groups
              </Button>
            </div>
            {found && found.length === 0 ? <p>No group's name starts with that.</p> : null}
            {found && found.length > 0 ? (
              <Field label="Group">
                <RadioGroup value={groupId} onChange={(_e, d) => setGroupId(d.value)}>
                  {found.map((g) => (
                    <Radio key={g.id} value={g.id} label={g.displayName} />
                  ))}
                </RadioGroup>
              </Field>
            ) : null}
          </>
        ) : null}
        <Button type="submit" appearance="primary" disabled={busy || (mode === 'group' && groupId === '')}>
          Assign
        </Button>
      </form>
      <ErrorBar error={error} />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove this assignment of ${profile.displayName}?`}
        text={removing ? `${nameOf(removing)} will no longer get this profile; devices already registered keep what they have until their next lookup.` : ''}
        confirm="Remove"
        onConfirm={() => removing && void remove(removing)}
        onCancel={() => setRemoving(null)}
      />
    </section>
  );
}
