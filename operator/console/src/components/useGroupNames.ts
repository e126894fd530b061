/**
 * Display names of the groups an assignment list targets, read from identity's /groups/{id}.
 * Management stores only the id; a group identity no longer has stays named by its id.
 */
import { useEffect, useState } from 'react';
import { useConsole } from '../context.js';
import { PATHS } from '../graph/paths.js';

export function useGroupNames(ids: string[]): ReadonlyMap<string, string> {
  const { graph } = useConsole();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  // The list is rebuilt on every render; its content is what matters.
  const key = [...ids].sort().join(',');
  useEffect(() => {
    let current = true;
    const wanted = key ? key.split(',') : [];
    void Promise.all(
      wanted.map((id) =>
        graph.get<{ displayName: string }>(`${PATHS.groups}/${encodeURIComponent(id)}`).then(
          (g) => [id, g.displayName] as const,
          () => [id, `${id} (not found in the directory)`] as const,
        ),
      ),
    ).then((pairs) => current && setNames(new Map(pairs)));
    return () => {
      current = false;
    };
  }, [graph, key]);
  return names;
}
