/** Management's managed devices: compliance, management state, last check-in and OS version; a name opens the device page. */
import { Link, Title3 } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/client.js';
import { pathOf } from '../routes.js';

export interface ManagedDevice {
  id: string;
  deviceName: string;
  serialNumber: string;
  azureADDeviceId: string;
  complianceState: string;
  managementState: string;
  lastSyncDateTime: string;
  osVersion: string;
  userPrincipalName?: string;
  enrolledDateTime?: string;
  deviceActionResults?: Array<{ actionName: string; actionState: string; startDateTime: string; lastUpdatedDateTime: string }>;
}

export function ManagedDevices() {
  const { navigate } = useConsole();
  const paged = usePaged<ManagedDevice>(PATHS.managedDevices);
  const columns: Column<ManagedDevice>[] = [
    {
      key: 'name',
      header: 'Device name',
      render: (d) => (
        <Link
          href={pathOf({ page: 'device', id: d.id })}
          onClick={(e) => {
            e.preventDefault();
            navigate({ page: 'device', id: d.id });
          }}
        >
          {d.deviceName || d.serialNumber || d.id}
        </Link>
      ),
    },
    { key: 'serial', header: 'Serial number', render: (d) => d.serialNumber },
    { key: 'compliance', header: 'Compliance', render: (d) => d.complianceState },
    { key: 'management', header: 'Management state', render: (d) => d.managementState },
    { key: 'sync', header: 'Last sync', render: (d) => when(d.lastSyncDateTime) },
    { key: 'os', header: 'OS version', render: (d) => d.osVersion },
    { key: 'user', header: 'Primary user', render: (d) => d.userPrincipalName || '—' },
  ];
  return (
    <section aria-labelledby="managed-title" className="stack">
      <Title3 as="h1" id="managed-title">
        Managed devices
      </Title3>
      <DataTable label="Managed devices" columns={columns} paged={paged} rowKey={(d) => d.id} empty="No managed devices." />
    </section>
  );
}
