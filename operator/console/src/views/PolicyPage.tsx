/**
 * One compliance policy or configuration profile: its properties, its assignments, the counts
 * of its deviceStatusOverview and the per-device deviceStatuses behind them.
 */
import { Spinner, Title3 } from '@fluentui/react-components';
import { AssignmentsSection } from '../components/AssignmentsSection.js';
import { CountSection } from '../components/CountSection.js';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { PropertyList } from '../components/PropertyList.js';
import { RouteLink } from '../components/RouteLink.js';
import { useEntity } from '../components/useEntity.js';
import { usePaged } from '../components/usePaged.js';
import { policyPath, type PolicyKind } from './policy-kinds.js';
import type { Policy } from './Policies.js';
import { overviewRows, type Overview } from './status-counts.js';
import { typeName } from './type-names.js';

interface DeviceStatus {
  id: string;
  deviceDisplayName: string;
  userPrincipalName?: string | null;
  status: string;
  lastReportedDateTime?: string;
}

const STATUS_COLUMNS: Column<DeviceStatus>[] = [
  { key: 'device', header: 'Device', render: (s) => s.deviceDisplayName },
  { key: 'user', header: 'User', render: (s) => s.userPrincipalName || '—' },
  { key: 'status', header: 'Status', render: (s) => s.status },
  { key: 'reported', header: 'Last reported', render: (s) => when(s.lastReportedDateTime) },
];

export function PolicyPage({ kind, id }: { kind: PolicyKind; id: string }) {
  const policy = useEntity<Policy>(policyPath(kind, id));
  const overview = useEntity<Overview>(policyPath(kind, id, 'deviceStatusOverview'));
  const statuses = usePaged<DeviceStatus>(policyPath(kind, id, 'deviceStatuses'));
  if (policy.error) return <ErrorBar error={policy.error} />;
  const p = policy.value;
  if (!p) return <Spinner label={`Loading the ${kind.noun}`} />;
  return (
    <section aria-labelledby="policy-title" className="stack">
      <RouteLink to={kind.list}>{kind.title}</RouteLink>
      <Title3 as="h1" id="policy-title">
        {p.displayName}
      </Title3>
      <PropertyList
        label="Properties"
        rows={[
          ['Type', typeName(p['@odata.type'])],
          ['Description', p.description || '—'],
          ['Created', when(p.createdDateTime)],
          ['Last modified', when(p.lastModifiedDateTime)],
          ['Version', p.version ?? '—'],
        ]}
      />
      <AssignmentsSection
        path={policyPath(kind, id, 'assignments')}
        owner={p.displayName}
        editing={{ assignPath: policyPath(kind, id, 'assign'), assignmentType: kind.assignmentType }}
      />
      <CountSection id="overview-title" title="Device status overview" read={overview} rows={(o) => overviewRows(o, kind.kind)} />
      <section aria-labelledby="statuses-title" className="stack">
        <Title3 as="h2" id="statuses-title">
          Device status
        </Title3>
        <DataTable label={`Device status of ${p.displayName}`} columns={STATUS_COLUMNS} paged={statuses} rowKey={(s) => s.id} empty="No device has reported this yet." />
      </section>
    </section>
  );
}
