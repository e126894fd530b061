/** Identity's directory: users, groups and device objects. */
import { useState } from 'react';
import { Tab, TabList, Title3 } from '@fluentui/react-components';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/client.js';
import { RouteLink } from '../components/RouteLink.js';

interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled?: boolean;
}
interface Group {
  id: string;
  displayName: string;
  groupTypes?: string[];
  membershipRule?: string | null;
  securityEnabled?: boolean;
}
interface Device {
  id: string;
  deviceId: string;
  displayName: string;
  operatingSystemVersion?: string;
  trustType?: string;
  isCompliant?: boolean | null;
  isManaged?: boolean | null;
  approximateLastSignInDateTime?: string;
}

const USER_COLUMNS: Column<User>[] = [
  { key: 'name', header: 'Display name', render: (u) => u.displayName },
  { key: 'upn', header: 'User principal name', render: (u) => u.userPrincipalName },
  { key: 'enabled', header: 'Enabled', render: (u) => (u.accountEnabled === false ? 'No' : 'Yes') },
];
const GROUP_COLUMNS: Column<Group>[] = [
  { key: 'name', header: 'Display name', render: (g) => <RouteLink to={{ page: 'group', id: g.id }}>{g.displayName}</RouteLink> },
  { key: 'type', header: 'Membership', render: (g) => (g.groupTypes?.includes('DynamicMembership') ? 'Dynamic' : 'Assigned') },
  { key: 'rule', header: 'Rule', render: (g) => g.membershipRule || '—' },
];
const DEVICE_COLUMNS: Column<Device>[] = [
  { key: 'name', header: 'Display name', render: (d) => d.displayName },
  { key: 'deviceId', header: 'Device id', render: (d) => d.deviceId },
  { key: 'trust', header: 'Join type', render: (d) => d.trustType ?? '—' },
  { key: 'compliant', header: 'Compliant', render: (d) => (d.isCompliant == null ? '—' : d.isCompliant ? 'Yes' : 'No') },
  { key: 'managed', header: 'Managed', render: (d) => (d.isManaged == null ? '—' : d.isManaged ? 'Yes' : 'No') },
  { key: 'os', header: 'OS version', render: (d) => d.operatingSystemVersion ?? '—' },
  { key: 'signIn', header: 'Last sign-in', render: (d) => when(d.approximateLastSignInDateTime) },
];

type Kind = 'users' | 'groups' | 'devices';

export function Directory() {
  const [kind, setKind] = useState<Kind>('users');
  return (
    <section aria-labelledby="directory-title" className="stack">
      <Title3 as="h1" id="directory-title">
        Directory
      </Title3>
      <TabList selectedValue={kind} onTabSelect={(_e, data) => setKind(data.value as Kind)} aria-label="Directory objects">
        <Tab value="users">Users</Tab>
        <Tab value="groups">Groups</Tab>
        <Tab value="devices">Devices</Tab>
      </TabList>
      {kind === 'users' ? <Users /> : kind === 'groups' ? <Groups /> : <Devices />}
    </section>
  );
}

function Users() {
  return <DataTable label="Users" columns={USER_COLUMNS} paged={usePaged<User>(PATHS.users)} rowKey={(u) => u.id} empty="No users." />;
}
function Groups() {
  return <DataTable label="Groups" columns={GROUP_COLUMNS} paged={usePaged<Group>(PATHS.groups)} rowKey={(g) => g.id} empty="No groups." />;
}
function Devices() {
  return <DataTable label="Devices" columns={DEVICE_COLUMNS} paged={usePaged<Device>(PATHS.devices)} rowKey={(d) => d.id} empty="No device objects." />;
}
