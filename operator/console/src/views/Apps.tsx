/** Management's apps (deviceAppManagement/mobileApps): name (to the app's page), type, publisher, whether assigned. */
import { Title3 } from '@fluentui/react-components';
import { DataTable, when, type Column } from '../components/DataTable.js';
import { RouteLink } from '../components/RouteLink.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/paths.js';
import { typeName } from './type-names.js';

export interface MobileApp {
  id: string;
  '@odata.type'?: string;
  displayName: string;
  description?: string | null;
  publisher?: string | null;
  isAssigned?: boolean;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
}

const COLUMNS: Column<MobileApp>[] = [
  { key: 'name', header: 'Name', render: (a) => <RouteLink to={{ page: 'app', id: a.id }}>{a.displayName}</RouteLink> },
  { key: 'type', header: 'Type', render: (a) => typeName(a['@odata.type']) },
  { key: 'publisher', header: 'Publisher', render: (a) => a.publisher || '—' },
  { key: 'assigned', header: 'Assigned', render: (a) => (a.isAssigned === undefined ? '—' : a.isAssigned ? 'Yes' : 'No') },
  { key: 'modified', header: 'Last modified', render: (a) => when(a.lastModifiedDateTime) },
];

export function Apps() {
  const paged = usePaged<MobileApp>(PATHS.mobileApps);
  return (
    <section aria-labelledby="apps-title" className="stack">
      <Title3 as="h1" id="apps-title">
        Apps
      </Title3>
      <DataTable label="Apps" columns={COLUMNS} paged={paged} rowKey={(a) => a.id} empty="No apps." />
    </section>
  );
}
