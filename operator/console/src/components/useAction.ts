/** A write the page waits on: whether it is running, and the error of the last one. */
import { useCallback, useState } from 'react';

export interface Action {
  busy: boolean;
  error: unknown;
  /** Runs `work`; its error is kept (and shown by the caller) rather than thrown. True when it succeeded. */
  run(work: () => Promise<unknown>): Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
