/**
 * The benchmark's server children and how the client process talks to them: each child is
 * bench/omadm.ts run again with `--serve <role>`, and answers requests over Node's IPC
 * channel (one request, one reply with the same id).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuProfiler } from '../profiler.js';

type Request = { id: number; op: string; args?: unknown };
export type Handlers = Record<string, (args: unknown) => Promise<unknown> | unknown>;

/** Child side: answers the parent's requests with `handlers`. */
export function serveIpc(handlers: Handlers): void {
  process.on('message', (m: Request) => {
    void (async () => {
      try {
        process.send!({ id: m.id, result: await handlers[m.op]!(m.args) });
      } catch (error) {
        process.send!({ id: m.id, error: String(error) });
      }
    })();
  });
}

/** The CPU profiler of this process, started and stopped over IPC around one phase. */
export function profilerHandlers(): Handlers {
  const profiler = cpuProfiler();
  return {
    'profile-start': () => profiler.start(),
    'profile-stop': (file) => profiler.stop(file as string),
  };
}

/** The CPU this process has used so far, in microseconds: read before and after a phase. */
export const cpuHandler = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Parent side: a server child and a typed way to call it. */
export class Server {
  private next = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly ready: Promise<unknown>;

  constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (m: { ready?: unknown; id?: number; result?: unknown; error?: string }) => {
        if (m.ready !== undefined) return resolve(m.ready);
        const w = this.waiting.get(m.id!);
        this.waiting.delete(m.id!);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve(m.result);
      });
      child.on('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
  }

  /** Runs bench/omadm.ts again as the `role` child, with this run's flags. */
  static start(role: string): Server {
    const entry = fileURLToPath(new URL('../omadm.ts', import.meta.url));
    return new Server(fork(entry, ['--serve', role, ...process.argv.slice(2)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
  }

  call<T>(op: string, args?: unknown): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args });
    });
  }
}
