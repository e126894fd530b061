/** What every view needs: the Graph client and a way to move to another page. */
import { createContext, useContext } from 'react';
import type { Graph } from './graph/client.js';
import type { Route } from './routes.js';

export interface ConsoleContext {
  graph: Graph;
  navigate(route: Route): void;
  /** The administrator's token, for the event feeds. */
  token(): Promise<string>;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside the console');
  return value;
}
