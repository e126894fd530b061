/** One app: its properties, its assignments with their intent, its installSummary per device and per user, and its deviceStatuses. */
import { Spinner, Title3 } from '@fluentui/react-components';
import { AssignmentsSection } from '../components/AssignmentsSection.js';
import { CountSection } from '../components/CountSection.js';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { PropertyList } from '../components/PropertyList.js';
import { RouteLink } from '../components/RouteLink.js';
import { useEntity } from '../components/useEntity.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/paths.js';
import type { MobileApp } from './Apps.js';
import { installRows, type Overview } from './status-counts.js';
import { typeName } from './type-names.js';

interface InstallStatus {
  id: string;
  deviceName: string;
  userPrincipalName?: string | null;
  installState: string;
  errorCode?: number;
  lastSyncDateTime?: string;
}

const STATUS_COLUMNS: Column<InstallStatus>[] = [
  { key: 'device', header: 'Device', render: (s) => s.deviceName },
  { key: 'user', header: 'User', render: (s) => s.userPrincipalName || '—' },
  { key: 'state', header: 'Install status', render: (s) => s.installState },
  // Graph's errorCode is a signed HRESULT; the portal shows it in hex.
  { key: 'error', header: 'Error code', render: (s) => (s.errorCode ? `0x${(s.errorCode >>> 0).toString(16).toUpperCase()}` : '—') },
  { key: 'sync', header: 'Last reported', render: (s) => when(s.lastSyncDateTime) },
];

export function AppPage({ id }: { id: string }) {
  const base = `${PATHS.mobileApps}/${encodeURIComponent(id)}`;
  const app = useEntity<MobileApp>(base);
  const summary = useEntity<Overview>(`${base}/installSummary`);
  const statuses = usePaged<InstallStatus>(`${base}/deviceStatuses`);
  if (app.error) return <ErrorBar error={app.error} />;
  const a = app.value;
  if (!a) return <Spinner label="Loading the app" />;
  return (
    <section aria-labelledby="app-title" className="stack">
      <RouteLink to={{ page: 'apps' }}>Apps</RouteLink>
      <Title3 as="h1" id="app-title">
        {a.displayName}
      </Title3>
      <PropertyList
        label="Properties"
        rows={[
          ['Type', typeName(a['@odata.type'])],
          ['Publisher', a.publisher || '—'],
          ['Description', a.description || '—'],
          ['Created', when(a.createdDateTime)],
          ['Last modified', when(a.lastModifiedDateTime)],
        ]}
      />
      <AssignmentsSection path={`${base}/assignments`} owner={a.displayName} withIntent />
      <div className="cards">
        <CountSection id="device-installs-title" title="Device install status" read={summary} rows={(s) => installRows(s, 'Device')} />
        <CountSection id="user-installs-title" title="User install status" read={summary} rows={(s) => installRows(s, 'User')} />
      </div>
      <section aria-labelledby="statuses-title" className="stack">
        <Title3 as="h2" id="statuses-title">
          Device install status by device
        </Title3>
        <DataTable label={`Install status of ${a.displayName}`} columns={STATUS_COLUMNS} paged={statuses} rowKey={(s) => s.id} empty="No device has reported this app yet." />
      </section>
    </section>
  );
}
