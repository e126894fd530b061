/** One directory group: how its members are chosen (assigned, or the dynamic rule) and its members, users and devices told apart. */
import { Badge, Spinner, Title3 } from '@fluentui/react-components';
import { DataTable, type Column } from '../components/DataTable.js';
import { ErrorBar } from '../components/ErrorBar.js';
import { PropertyList } from '../components/PropertyList.js';
import { RouteLink } from '../components/RouteLink.js';
import { useEntity } from '../components/useEntity.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/paths.js';
import { memberDetail, memberKind, type DirectoryObject } from './member-kind.js';

interface Group {
  id: string;
  displayName: string;
  description?: string | null;
  groupTypes?: string[];
  membershipRule?: string | null;
  membershipRuleProcessingState?: string | null;
  securityEnabled?: boolean;
}

const MEMBER_COLUMNS: Column<DirectoryObject>[] = [
  { key: 'kind', header: 'Kind', render: (m) => <Badge appearance="outline">{memberKind(m)}</Badge> },
  { key: 'name', header: 'Display name', render: (m) => m.displayName || m.id },
  { key: 'detail', header: 'User principal name or device id', render: memberDetail },
];

export function GroupPage({ id }: { id: string }) {
  const base = `${PATHS.groups}/${encodeURIComponent(id)}`;
  const group = useEntity<Group>(base);
  const members = usePaged<DirectoryObject>(`${base}/members`);
  if (group.error) return <ErrorBar error={group.error} />;
  const g = group.value;
  if (!g) return <Spinner label="Loading the group" />;
  const dynamic = g.groupTypes?.includes('DynamicMembership') === true;
  return (
    <section aria-labelledby="group-title" className="stack">
      <RouteLink to={{ page: 'directory' }}>Directory</RouteLink>
      <Title3 as="h1" id="group-title">
        {g.displayName}
      </Title3>
      <PropertyList
        label="Properties"
        rows={[
          ['Membership type', dynamic ? 'Dynamic' : 'Assigned'],
          ['Security enabled', g.securityEnabled === false ? 'No' : 'Yes'],
          ['Description', g.description || '—'],
          ...(dynamic ? ([['Rule processing', g.membershipRuleProcessingState ?? '—']] as Array<[string, string]>) : []),
        ]}
      />
      {dynamic && g.membershipRule ? (
        <section aria-labelledby="rule-title" className="stack">
          <Title3 as="h2" id="rule-title">
            Dynamic membership rule
          </Title3>
          <pre className="rule">{g.membershipRule}</pre>
        </section>
      ) : null}
      <section aria-labelledby="members-title" className="stack">
        <Title3 as="h2" id="members-title">
          Members
        </Title3>
        <DataTable label={`Members of ${g.displayName}`} columns={MEMBER_COLUMNS} paged={members} rowKey={(m) => m.id} empty="No members." />
      </section>
    </section>
  );
}
