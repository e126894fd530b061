/** Management's compliance policies or configuration profiles: name (to the policy's page), type, created and modified; a new compliance policy's form. */
import { Title3 } from '@fluentui/react-components';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { RouteLink } from '../components/RouteLink.js';
import { usePaged } from '../components/usePaged.js';
import { NewCompliancePolicy } from './NewCompliancePolicy.js';
import { typeName } from './type-names.js';
import type { PolicyKind } from './policy-kinds.js';

export interface Policy {
  id: string;
  '@odata.type'?: string;
  displayName: string;
  description?: string | null;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  version?: number;
}

export function Policies({ kind }: { kind: PolicyKind }) {
  const paged = usePaged<Policy>(kind.path);
  const columns: Column<Policy>[] = [
    { key: 'name', header: 'Name', render: (p) => <RouteLink to={kind.page(p.id)}>{p.displayName}</RouteLink> },
    { key: 'type', header: 'Type', render: (p) => typeName(p['@odata.type']) },
    { key: 'created', header: 'Created', render: (p) => when(p.createdDateTime) },
    { key: 'modified', header: 'Last modified', render: (p) => when(p.lastModifiedDateTime) },
  ];
  const id = `${kind.kind}-title`;
  return (
    <section aria-labelledby={id} className="stack">
      <Title3 as="h1" id={id}>
        {kind.title}
      </Title3>
      <DataTable label={kind.title} columns={columns} paged={paged} rowKey={(p) => p.id} empty={`No ${kind.title.toLowerCase()}.`} />
      {kind.kind === 'compliance' ? <NewCompliancePolicy /> : null}
    </section>
  );
}
