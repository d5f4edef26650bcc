// The database is the source of truth for which prompt versions are pinned; this brings the
// engine's pins to match it. A pass reads the current versions, pins those not pinned yet (oldest
// first, never past the platform's pinned budget), records each result on its row only if the row
// still wants it (a version superseded or deleted meanwhile is left alone, and unpinned by the next
// pass), then unpins what no longer should be pinned (an unpin of a prefix that is not pinned counts
// as done). Passes never overlap; a write asks for a pass and waits for one that started after it.
// Versions that failed are retried every RECONCILE_INTERVAL_MS. No database connection is held
// while the engine works.
//
// Several replicas: each runs its own reconciler on its own engine against the shared rows
// (PromptChangeListener starts a pass on every prompt write), and each writes its own outcome on
// the version's row, so the status says what the last replica to act on it found: 'warm' means
// that replica pinned it (the figures are its own), 'failed' that it could not (statusDetail says
// why; it retries), and a booting replica sets every current version to 'warming' again until its
// re-warm pins it. The status is not a per-replica view: a replica that cannot pin a version
// leaves 'failed' even while the others serve it warm, until one of them records a pin again.
// What a replica holds is in its own chunk tree (/admin/stats/tree).
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { Environment } from '../config/environment';
import { isNotPinnedError } from '../engine/engine-errors';
import { EngineService } from '../engine/engine.service';
import { chunksFor, pinnedBudgetChunks } from './pin-budget';
import { PromptRepository, type PromptWithCurrent } from './prompt.repository';

interface Pin {
  tenantId: string;
  tokens: number[];
  chunks: number;
}

export interface ReconcileReport {
  /** Versions pinned by the pass. */
  pinned: number;
  /** Versions whose pin failed (engine error). */
  failed: number;
  /** Versions left unpinned because the pinned budget was full. */
  skipped: string[];
  unpinned: number;
}

@Injectable()
export class PromptReconciler implements OnApplicationShutdown {
  private readonly logger = new Logger(PromptReconciler.name);
  /** What this process pinned in the engine, by version id. */
  private readonly pins = new Map<string, Pin>();
  /** Tokens the writer already computed for a version, so the pass does not tokenize them again. */
  private readonly tokenHints = new Map<string, number[]>();
  private waiting: { resolve: (report: ReconcileReport) => void; reject: (err: unknown) => void }[] = [];
  private running: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly prompts: PromptRepository,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Retries failed versions in the background from now on. */
  startRetrying(): void {
    const interval = this.config.get('RECONCILE_INTERVAL_MS', { infer: true });
    this.timer = setInterval(() => void this.sync().catch((err) => this.logger.error(`reconcile: ${(err as Error).message}`)), interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** The tokens of a version about to be stored (saves the pass a tokenization). */
  hint(versionId: string, tokens: number[]): void {
    this.tokenHints.set(versionId, tokens);
  }

  /** Runs a pass that starts after this call; resolves with its report. */
  sync(): Promise<ReconcileReport> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Chunks pinned by this process, all tenants together. */
  pinnedChunks(): number {
    let sum = 0;
    for (const pin of this.pins.values()) sum += pin.chunks;
    return sum;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const waiters = this.waiting;
        this.waiting = [];
        try {
          if (this.closed) throw new Error('shutting down');
          const report = await this.pass();
          for (const w of waiters) w.resolve(report);
        } catch (err) {
          for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { pinned: 0, failed: 0, skipped: [], unpinned: 0 };
    const current = (await this.prompts.listWithCurrent()).filter((p) => p.current.status !== 'superseded');
    const wanted = new Set(current.map((p) => p.current.id));
    const chunkSize = this.engine.chunkSize;
    const budget = pinnedBudgetChunks(this.engine.stats().capacityChunks, this.config.get('PINNED_POOL_FRACTION', { infer: true }));
    let used = [...this.pins.entries()].reduce((sum, [id, pin]) => sum + (wanted.has(id) ? pin.chunks : 0), 0);

    // Pin first, unpin after: a new version's prefix shared with the one it replaces stays resident.
    for (const prompt of current) {
      const version = prompt.current;
      if (this.pins.has(version.id)) continue;
      const tokens = this.tokenHints.get(version.id) ?? this.engine.encodeSystemPrefix(version.content);
      const chunks = chunksFor(tokens.length, chunkSize);
      if (used + chunks > budget) {
        const detail = `skipped: pinning it would take the pinned prompts past the budget of ${budget} chunks (PINNED_POOL_FRACTION of the KV pool)`;
        await this.prompts.markFailed(version.id, detail);
        report.skipped.push(`${prompt.tenantId}/${prompt.name} v${version.version}`);
        continue;
      }
      if (await this.pin(prompt, tokens, chunks)) {
        used += chunks;
        report.pinned += 1;
      } else {
        report.failed += 1;
      }
    }
    for (const [versionId, pin] of [...this.pins.entries()]) {
      if (wanted.has(versionId)) continue;
      if (await this.unpin(versionId, pin)) report.unpinned += 1;
    }
    // Hints of versions deleted before they were pinned.
    for (const versionId of this.tokenHints.keys()) if (!wanted.has(versionId)) this.tokenHints.delete(versionId);
    if (report.skipped.length > 0) this.logger.warn(`pinned budget full: skipped ${report.skipped.join(', ')}`);
    return report;
  }

  private async pin(prompt: PromptWithCurrent, tokens: number[], chunks: number): Promise<boolean> {
    const version = prompt.current;
    let figures;
    try {
      figures = await this.engine.prewarm(prompt.tenantId, tokens);
    } catch (err) {
      const message = (err as Error).message;
      this.logger.error(`pinning prompt ${prompt.id} v${version.version} failed: ${message}`);
      await this.prompts.markFailed(version.id, `the engine could not pin it: ${message}`);
      return false;
    }
    this.pins.set(version.id, { tenantId: prompt.tenantId, tokens, chunks });
    this.tokenHints.delete(version.id);
    const recorded = await this.prompts.markWarm(version.id, { tokens: figures.tokens, cachedTokens: figures.residentTokens, chunks: figures.chunks });
    // Superseded or deleted while the engine worked: the next pass unpins it.
    if (!recorded) this.sync().catch(() => undefined);
    return true;
  }

  private async unpin(versionId: string, pin: Pin): Promise<boolean> {
    try {
      await this.engine.unpin(pin.tenantId, pin.tokens);
    } catch (err) {
      if (!isNotPinnedError(err)) {
        this.logger.error(`unpinning version ${versionId} failed (retried on the next pass): ${(err as Error).message}`);
        return false;
      }
    }
    this.pins.delete(versionId);
    this.tokenHints.delete(versionId);
    return true;
  }
}
