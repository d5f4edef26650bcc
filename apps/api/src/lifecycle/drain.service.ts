// Graceful drain on SIGTERM/SIGINT (main.ts). New generations are admitted here, by the HTTP
// middleware (DrainMiddleware) and the WebSocket gateway alike, and counted until their response
// (or WebSocket generation) ends. Draining refuses admissions (503 server_draining), makes /readyz
// 503 (DrainHealthIndicator), waits for what was admitted up to the deadline (DRAIN_TIMEOUT_MS),
// then cancels the generations still running (GenerationRunner binds each to the deadline), so
// their clients get an error rather than a hang or a cut connection, and gives that a short grace
// to reach them before the app closes.
import { Injectable } from '@nestjs/common';

import { ServerDrainingError } from './server-draining.error';

/** How long cancelled generations get to send their error and end, after the drain deadline. */
export const CANCEL_GRACE_MS = 5000;

/** An admitted request (or WebSocket generation), counted until end(). */
export interface Admission {
  /** Idempotent. */
  end(): void;
}

/** A generation's signal bound to the drain deadline: release() when the generation is over. */
export interface DeadlineBinding {
  /** Aborted with the generation's own signal, or at the drain deadline with a ServerDrainingError as its reason. */
  readonly signal: AbortSignal;
  release(): void;
}

export interface DrainReport {
  /** Admitted requests in flight when the drain began. */
  inFlight: number;
  /** Generations cancelled at the deadline. */
  cancelled: number;
  /** Admitted requests not ended after the grace that followed the cancellation. */
  left: number;
  waitedMs: number;
}

@Injectable()
export class DrainService {
  private draining = false;
  /** Past the deadline: generations bound from now on start cancelled. */
  private cut = false;
  private readonly admitted = new Set<object>();
  private readonly generations = new Set<AbortController>();
  private readonly idleWaiters = new Set<() => void>();

  get isDraining(): boolean {
    return this.draining;
  }

  /** Admitted requests and WebSocket generations in flight. */
  get inFlight(): number {
    return this.admitted.size;
  }

  /**
   * A new generation request (HTTP or WebSocket): refused with 503 server_draining while draining,
   * else counted until end(), from before authentication and prompt lookup, so a request accepted
   * just before the signal is served and waited for.
   */
  admit(): Admission {
    if (this.draining) throw new ServerDrainingError();
    const token = {};
    this.admitted.add(token);
    return {
      end: () => {
        if (!this.admitted.delete(token) || this.admitted.size > 0) return;
        for (const wake of [...this.idleWaiters]) wake();
      },
    };
  }

  /** A signal that follows `signal` and is also aborted at the drain deadline (GenerationRunner). */
  bindToDeadline(signal: AbortSignal): DeadlineBinding {
    const controller = new AbortController();
    const follow = () => controller.abort(signal.reason);
    if (this.cut) controller.abort(cancelled());
    else if (signal.aborted) follow();
    else signal.addEventListener('abort', follow, { once: true });
    this.generations.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        signal.removeEventListener('abort', follow);
        this.generations.delete(controller);
      },
    };
  }

  /**
   * Stops admitting, waits up to timeoutMs for what was admitted, then cancels the generations
   * still running and waits up to graceMs for their requests to end. Resolves when nothing is in
   * flight or both waits are over.
   */
  async drain(timeoutMs: number, graceMs = CANCEL_GRACE_MS): Promise<DrainReport> {
    const started = Date.now();
    this.draining = true;
    const inFlight = this.admitted.size;
    let cancelledCount = 0;
    if (!(await this.idleWithin(timeoutMs))) {
      this.cut = true;
      for (const controller of this.generations) {
        if (controller.signal.aborted) continue;
        controller.abort(cancelled());
        cancelledCount += 1;
      }
      await this.idleWithin(graceMs);
    }
    return { inFlight, cancelled: cancelledCount, left: this.admitted.size, waitedMs: Date.now() - started };
  }

  /** true once nothing admitted is in flight, false when ms pass first. */
  private idleWithin(ms: number): Promise<boolean> {
    if (this.admitted.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(wake);
        resolve(false);
      }, ms);
      this.idleWaiters.add(wake);
    });
  }
}

function cancelled(): ServerDrainingError {
  return new ServerDrainingError('The server shut down before this generation finished (its drain deadline, DRAIN_TIMEOUT_MS, passed).');
}
