/** Discovery's deployment profiles and, for the one selected, the groups (or all devices) it is assigned to. */
import { useState } from 'react';
import { Button, Title3 } from '@fluentui/react-components';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { usePaged } from '../components/usePaged.js';
import { useGroupNames } from '../components/useGroupNames.js';
import { PATHS } from '../graph/client.js';
import { groupIdsOf } from './assignment-text.js';
import { describeTarget, profileKind, type AssignmentTarget } from './profile-text.js';

interface Profile {
  id: string;
  '@odata.type'?: string;
  displayName: string;
  description?: string;
  deviceNameTemplate?: string;
  lastModifiedDateTime?: string;
}

interface Assignment {
  id: string;
  target: AssignmentTarget;
}

export function Profiles() {
  const profiles = usePaged<Profile>(PATHS.profiles);
  const [selected, setSelected] = useState<Profile | null>(null);
  const assignments = usePaged<Assignment>(selected ? `${PATHS.profiles}/${encodeURIComponent(selected.id)}/assignments` : null);
  const groupNames = useGroupNames(groupIdsOf(assignments.items.map((a) => a.target)));
  const columns: Column<Profile>[] = [
    { key: 'name', header: 'Name', render: (p) => p.displayName },
    { key: 'kind', header: 'Join type', render: (p) => profileKind(p['@odata.type']) },
    { key: 'template', header: 'Device name template', render: (p) => p.deviceNameTemplate || '—' },
    { key: 'modified', header: 'Last modified', render: (p) => when(p.lastModifiedDateTime) },
    {
      key: 'assignments',
      header: 'Assignments',
      render: (p) => (
        <Button size="small" aria-label={`Show assignments of ${p.displayName}`} onClick={() => setSelected(p)}>
          Assignments
        </Button>
      ),
    },
  ];
  return (
    <section aria-labelledby="profiles-title" className="stack">
      <Title3 as="h1" id="profiles-title">
        Deployment profiles
      </Title3>
      <DataTable label="Deployment profiles" columns={columns} paged={profiles} rowKey={(p) => p.id} empty="No deployment profiles." />
      {selected ? (
        <section aria-labelledby="assignments-title" className="stack">
          <Title3 as="h2" id="assignments-title">
            Assignments of {selected.displayName}
          </Title3>
          <DataTable
            label={`Assignments of ${selected.displayName}`}
            columns={[{ key: 'target', header: 'Target', render: (a) => describeTarget(a.target, a.target.groupId ? groupNames.get(a.target.groupId) : undefined) }]}
            paged={assignments}
            rowKey={(a) => a.id}
            empty="Not assigned."
          />
        </section>
      ) : null}
    </section>
  );
}
