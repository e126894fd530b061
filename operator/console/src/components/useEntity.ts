/** One Graph entity read when its path changes (or on reload), with the error of that read. */
import { useEffect, useState } from 'react';
import { useConsole } from '../context.js';

export interface Entity<T> {
  value: T | undefined;
  error: unknown;
}

export function useEntity<T>(path: string | null, generation = 0): Entity<T> {
  const { graph } = useConsole();
  const [read, setRead] = useState<Entity<T>>({ value: undefined, error: undefined });
  useEffect(() => {
    let current = true;
    setRead({ value: undefined, error: undefined });
    if (path) {
      graph.get<T>(path).then(
        (value) => current && setRead({ value, error: undefined }),
        (error: unknown) => current && setRead({ value: undefined, error }),
      );
    }
    // An answer that lands after the page moved on must not overwrite the newer read.
    return () => {
      current = false;
    };
  }, [graph, path, generation]);
  return read;
}
