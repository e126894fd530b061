/** A collection read page by page through @odata.nextLink, with the error of the last read. */
import { useCallback, useEffect, useState } from 'react';
import { useConsole } from '../context.js';

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/** `refresh` is the caller's own re-read counter (a page's Refresh button), besides `reload()`. */
export function usePaged<T>(path: string | null, refresh = 0): Paged<T> {
  const { graph } = useConsole();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);

  const read = useCallback(
    async (link: string, append: boolean, isCurrent: () => boolean) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await graph.page<T>(link);
        if (!isCurrent()) return;
        setItems((old) => (append ? [...old, ...page.value] : page.value));
        setNext(page.nextLink);
      } catch (e) {
        if (isCurrent()) setError(e);
      } finally {
        if (isCurrent()) setLoading(false);
      }
    },
    [graph],
  );

  useEffect(() => {
    let current = true;
    setItems([]);
    setNext(undefined);
    if (path) void read(path, false, () => current);
    return () => {
      current = false;
    };
  }, [path, generation, refresh, read]);

  return {
    items,
    loading,
    error,
    hasMore: next !== undefined,
    loadMore: () => {
      if (next) void read(next, true, () => true);
    },
    reload: () => setGeneration((g) => g + 1),
  };
}
