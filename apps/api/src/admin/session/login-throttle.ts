// Failed admin logins, counted per key over a fixed window: once a key reaches its limit, further
// attempts are refused until the window ends. In memory (one API process), pruned as it goes.

export interface ThrottleRule {
  /** Failures allowed per window. */
  limit: number;
  windowMs: number;
}

interface Window {
  failures: number;
  endsAt: number;
}

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly rule: ThrottleRule) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfterSeconds(key: string, now: number): number {
    const window = this.current(key, now);
    return window && window.failures >= this.rule.limit ? Math.ceil((window.endsAt - now) / 1000) : 0;
  }

  fail(key: string, now: number): void {
    const window = this.current(key, now) ?? { failures: 0, endsAt: now + this.rule.windowMs };
    window.failures += 1;
    this.windows.set(key, window);
    if (this.windows.size > 10_000) this.prune(now);
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.endsAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
