/** A link to another console page: a real href (opens in a new tab), client-side navigation on a plain click. */
import type { ReactNode } from 'react';
import { Link } from '@fluentui/react-components';
import { useConsole } from '../context.js';
import { pathOf, type Route } from '../routes.js';

export function RouteLink({ to, children }: { to: Route; children: ReactNode }) {
  const { navigate } = useConsole();
  return (
    <Link
      href={pathOf(to)}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </Link>
  );
}
