/** The diagnosis at the top (which service broke the provisioning, in which phase, with which code), then every event in order. */
import { Badge, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Title3 } from '@fluentui/react-components';
import { ErrorBar } from '../components/ErrorBar.js';
import type { Timeline } from './useTimeline.js';

export function TimelineView({ timeline }: { timeline: Timeline }) {
  const d = timeline.diagnosis;
  return (
    <section aria-labelledby="timeline-title" className="stack">
      <Title3 as="h2" id="timeline-title">
        Timeline
      </Title3>
      {timeline.loading ? <Spinner size="tiny" label="Reading the event feeds" /> : null}
      <ErrorBar error={timeline.error} />
      {timeline.unavailable.map(([service, why]) => (
        <MessageBar key={service} intent="warning">
          <MessageBarBody>
            <MessageBarTitle>{service} feed unavailable</MessageBarTitle>
            {why}
          </MessageBarBody>
        </MessageBar>
      ))}
      {d ? (
        <MessageBar intent={d.failure ? 'error' : d.outcome === 'healthy' ? 'success' : 'info'}>
          <MessageBarBody>
            <MessageBarTitle>Outcome: {d.outcome}</MessageBarTitle>
            {d.failure
              ? `${d.failure.service} / ${d.failure.phase}: ${d.failure.errorCode}. ${d.failure.meaning} ${d.failure.remediation}`
              : `${d.attempts} provisioning attempt(s); ${d.phases.length} phase(s) recorded.`}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {d && d.timeline.length > 0 ? (
        <Table aria-label="Device timeline" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Time</TableHeaderCell>
              <TableHeaderCell>Service</TableHeaderCell>
              <TableHeaderCell>Phase</TableHeaderCell>
              <TableHeaderCell>Event</TableHeaderCell>
              <TableHeaderCell>Outcome</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {d.timeline.map((e) => (
              <TableRow key={`${e.service}/${e.id}`}>
                <TableCell>{new Date(e.occurredDateTime).toLocaleString()}</TableCell>
                <TableCell>{e.service}</TableCell>
                <TableCell>{e.phase}</TableCell>
                <TableCell>{e.type}</TableCell>
                <TableCell>
                  <Badge color={e.outcome === 'failure' ? 'danger' : 'success'}>{e.outcome === 'failure' ? (e.errorCode ?? 'failure') : e.outcome}</Badge>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </section>
  );
}
