/** A Fluent table of a collection, with a "Load more" button while @odata.nextLink says there is more. */
import type { ReactNode } from 'react';
import { Button, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { ErrorBar } from './ErrorBar.js';
import type { Paged } from './usePaged.js';

export interface Column<T> {
  key: string;
  header: string;
  render(item: T): ReactNode;
}

export function DataTable<T>({ label, columns, paged, rowKey, empty }: { label: string; columns: Column<T>[]; paged: Paged<T>; rowKey(item: T): string; empty: string }) {
  return (
    <div className="stack">
      <ErrorBar error={paged.error} />
      <Table aria-label={label} size="small">
        <TableHeader>
          <TableRow>
            {columns.map((c) => (
              <TableHeaderCell key={c.key}>{c.header}</TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {paged.items.map((item) => (
            <TableRow key={rowKey(item)}>
              {columns.map((c) => (
                <TableCell key={c.key}>{c.render(item)}</TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {paged.loading ? <Spinner size="tiny" label="Loading" /> : null}
      {!paged.loading && !paged.error && paged.items.length === 0 ? <p>{empty}</p> : null}
      {paged.hasMore ? (
        <Button onClick={paged.loadMore} disabled={paged.loading}>
          Load more
        </Button>
      ) : null}
    </div>
  );
}

export { when } from './when.js';
