/**
 * The device page's compliance policy states and configuration states: each policy or profile
 * that reaches the device, its state and how many settings it carries, its name linking to its page.
 */
import { Title3 } from '@fluentui/react-components';
import { DataTable, type Column } from '../components/DataTable.js';
import { RouteLink } from '../components/RouteLink.js';
import { usePaged } from '../components/usePaged.js';
import { PATHS } from '../graph/paths.js';
import type { Route } from '../routes.js';

interface PolicyState {
  id: string;
  displayName: string;
  state: string;
  settingCount?: number;
  version?: number;
}

function columns(page: (id: string) => Route): Column<PolicyState>[] {
  return [
    { key: 'name', header: 'Name', render: (s) => <RouteLink to={page(s.id)}>{s.displayName}</RouteLink> },
    { key: 'state', header: 'State', render: (s) => s.state },
    { key: 'settings', header: 'Settings', render: (s) => s.settingCount ?? '—' },
    { key: 'version', header: 'Version', render: (s) => s.version ?? '—' },
  ];
}

const COMPLIANCE_COLUMNS = columns((id) => ({ page: 'compliancePolicy', id }));
const CONFIGURATION_COLUMNS = columns((id) => ({ page: 'configurationProfile', id }));

export function DevicePolicyStates({ id, generation }: { id: string; generation: number }) {
  const base = `${PATHS.managedDevices}/${encodeURIComponent(id)}`;
  // Both lists are read again on the device page's Refresh, with its generation.
  const compliance = usePaged<PolicyState>(`${base}/deviceCompliancePolicyStates`, generation);
  const configuration = usePaged<PolicyState>(`${base}/deviceConfigurationStates`, generation);
  return (
    <>
      <section aria-labelledby="compliance-states-title" className="stack">
        <Title3 as="h2" id="compliance-states-title">
          Device compliance
        </Title3>
        <DataTable label="Compliance policy states" columns={COMPLIANCE_COLUMNS} paged={compliance} rowKey={(s) => s.id} empty="No compliance policy applies to this device." />
      </section>
      <section aria-labelledby="configuration-states-title" className="stack">
        <Title3 as="h2" id="configuration-states-title">
          Device configuration
        </Title3>
        <DataTable label="Configuration profile states" columns={CONFIGURATION_COLUMNS} paged={configuration} rowKey={(s) => s.id} empty="No configuration profile applies to this device." />
      </section>
    </>
  );
}
