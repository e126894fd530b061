/**
 * Fixed-window counters kept in the process. A replica counts only what it sees; with N
 * replicas an attacker gets at most N times the limit, and lockout (stored) still holds.
 */
export interface LimitVerdict {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterS: number;
}

interface Window {
  start: number;
  count: number;
}

const MAX_KEYS = 100_000;

export class WindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private current(key: string): Window {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private verdict(window: Window, allowed: boolean): LimitVerdict {
    return { allowed, retryAfterS: Math.max(1, Math.ceil((window.start + this.windowMs - this.now()) / 1000)) };
  }

  /** Whether another event would still be within the limit, without counting one. */
  check(key: string): LimitVerdict {
    const window = this.current(key);
    return this.verdict(window, window.count < this.limit);
  }

  /** Counts an event; refused when the window already holds `limit` events. */
  hit(key: string): LimitVerdict {
    const window = this.current(key);
    if (window.count >= this.limit) return this.verdict(window, false);
    window.count += 1;
    return this.verdict(window, true);
  }

  private sweep(now: number) {
    for (const [key, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(key);
    // Still full of live windows: drop the oldest half rather than grow without bound.
    if (this.windows.size >= MAX_KEYS) {
      let drop = this.windows.size / 2;
      for (const key of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(key);
      }
    }
  }
}
