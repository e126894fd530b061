/** Label–value pairs as a description list, named so a screen reader can find it. */
export function PropertyList({ label, rows }: { label: string; rows: Array<[string, string | number]> }) {
  return (
    <dl className="properties" aria-label={label}>
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
