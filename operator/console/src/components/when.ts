// Dates as the console shows them, in a module of their own so pure logic can use them without React.
/** A date as the administrator's locale writes it; Graph's "never" (0001-01-01) as a dash. */
export function when(value: unknown): string {
  if (typeof value !== 'string' || value.startsWith('0001-')) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
