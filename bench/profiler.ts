/** A benchmark process's own CPU profiler, started and stopped around one phase. */
import { writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector';

/** `stop` writes the profile (Chrome DevTools' .cpuprofile format) to `file`. */
export function cpuProfiler(): { start(): Promise<void>; stop(file: string): Promise<void> } {
  const inspector = new InspectorSession();
  inspector.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => inspector.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    async stop(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}
