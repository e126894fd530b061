/** The device's deviceActionResults: management keeps the latest request of each Graph action. */
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { when } from './when.js';
import { resultLabel } from '../views/actions.js';

export interface ActionResult {
  actionName: string;
  actionState: string;
  startDateTime: string;
  lastUpdatedDateTime: string;
}

export function ActionResults({ results }: { results: ActionResult[] }) {
  if (results.length === 0) return <p>No remote action has been sent to this device.</p>;
  return (
    <Table aria-label="Device action results" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Action</TableHeaderCell>
          <TableHeaderCell>Graph action</TableHeaderCell>
          <TableHeaderCell>State</TableHeaderCell>
          <TableHeaderCell>Started</TableHeaderCell>
          <TableHeaderCell>Last updated</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {results.map((r) => (
          <TableRow key={`${r.actionName}-${r.startDateTime}`}>
            <TableCell>{resultLabel(r.actionName)}</TableCell>
            <TableCell>
              <code>{r.actionName}</code>
            </TableCell>
            <TableCell>{r.actionState}</TableCell>
            <TableCell>{when(r.startDateTime)}</TableCell>
            <TableCell>{when(r.lastUpdatedDateTime)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
