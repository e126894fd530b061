/**
 * A policy's or app's assignments, each target named as the portal names it: groups by the
 * display name identity gives them, "All devices" and "All users" by those words. Apps add
 * their intent (required, available, uninstall) as a column.
 */
import { Title3 } from '@fluentui/react-components';
import { DataTable, type Column } from './DataTable.js';
import { usePaged } from './usePaged.js';
import { useGroupNames } from './useGroupNames.js';
import { groupIdsOf, intentLabel, targetMode, targetName, type AssignmentTarget } from '../views/assignment-text.js';

interface Assignment {
  id: string;
  intent?: string;
  target: AssignmentTarget;
}

export function AssignmentsSection({ path, owner, withIntent = false }: { path: string; owner: string; withIntent?: boolean }) {
  const assignments = usePaged<Assignment>(path);
  const names = useGroupNames(groupIdsOf(assignments.items.map((a) => a.target)));
  const columns: Column<Assignment>[] = [
    ...(withIntent ? [{ key: 'intent', header: 'Intent', render: (a: Assignment) => intentLabel(a.intent ?? '') }] : []),
    { key: 'target', header: 'Target', render: (a) => targetName(a.target, a.target.groupId ? names.get(a.target.groupId) : undefined) },
    { key: 'mode', header: 'Included or excluded', render: (a) => targetMode(a.target) },
  ];
  return (
    <section aria-labelledby="assignments-title" className="stack">
      <Title3 as="h2" id="assignments-title">
        Assignments
      </Title3>
      <DataTable label={`Assignments of ${owner}`} columns={columns} paged={assignments} rowKey={(a) => a.id} empty="Not assigned." />
    </section>
  );
}
