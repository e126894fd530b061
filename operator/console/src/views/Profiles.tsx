/** Discovery's deployment profiles, the assignments of the one selected (to change them), and a new profile's form. */
import { useState } from 'react';
import { Button, Title3 } from '@fluentui/react-components';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/client.js';
import { NewProfile } from './NewProfile.js';
import { ProfileAssignments } from './ProfileAssignments.js';
import { deploymentMode, profileKind } from './profile-text.js';

interface Profile {
  id: string;
  '@odata.type'?: string;
  displayName: string;
  description?: string;
  deviceNameTemplate?: string;
  lastModifiedDateTime?: string;
  outOfBoxExperienceSetting?: { deviceUsageType?: string };
}

export function Profiles() {
  const profiles = usePaged<Profile>(PATHS.profiles);
  const [selected, setSelected] = useState<Profile | null>(null);
  const columns: Column<Profile>[] = [
    { key: 'name', header: 'Name', render: (p) => p.displayName },
    { key: 'kind', header: 'Join type', render: (p) => profileKind(p['@odata.type']) },
    { key: 'mode', header: 'Deployment mode', render: (p) => deploymentMode(p.outOfBoxExperienceSetting?.deviceUsageType) },
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
      {selected ? <ProfileAssignments key={selected.id} profile={selected} /> : null}
      <NewProfile
        onCreated={(created) => {
          profiles.reload();
          setSelected({ ...created });
        }}
      />
    </section>
  );
}
