import { DrainService } from './drain.service';
import { ServerDrainingError } from './server-draining.error';

describe('DrainService', () => {
  it('counts admitted work until it ends; ending twice counts once', () => {
    const drain = new DrainService();
    const a = drain.admit();
    const b = drain.admit();
    expect(drain.inFlight).toBe(2);
    a.end();
    a.end();
    expect(drain.inFlight).toBe(1);
    b.end();
    expect(drain.inFlight).toBe(0);
    expect(drain.isDraining).toBe(false);
  });

  it('finishes at once when nothing is in flight', async () => {
    const drain = new DrainService();
    await expect(drain.drain(60_000)).resolves.toMatchObject({ inFlight: 0, cancelled: 0, left: 0 });
    expect(drain.isDraining).toBe(true);
  });

  it('refuses new work with 503 server_draining while draining', async () => {
    const drain = new DrainService();
    const admitted = drain.admit();
    const draining = drain.drain(60_000);
    expect(drain.isDraining).toBe(true);
    let refusal: unknown;
    try {
      drain.admit();
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(ServerDrainingError);
    expect(refusal).toMatchObject({ status: 503, type: 'server_error', code: 'server_draining', retryAfterSeconds: 1 });
    expect(drain.inFlight).toBe(1);
    admitted.end();
    await expect(draining).resolves.toMatchObject({ inFlight: 1, cancelled: 0, left: 0 });
  });

  it('waits for the work in flight, never cancelling generations that end before the deadline', async () => {
    const drain = new DrainService();
    const admission = drain.admit();
    const generation = drain.bindToDeadline(new AbortController().signal);
    setTimeout(() => {
      generation.release();
      admission.end();
    }, 30);
    const report = await drain.drain(5000);
    expect(report).toMatchObject({ inFlight: 1, cancelled: 0, left: 0 });
    expect(report.waitedMs).toBeGreaterThanOrEqual(25);
    expect(generation.signal.aborted).toBe(false);
  });

  it("binds a generation's signal: it follows its own signal, and no longer once released", () => {
    const drain = new DrainService();
    const client = new AbortController();
    const bound = drain.bindToDeadline(client.signal);
    client.abort(new Error('client left'));
    expect(bound.signal.aborted).toBe(true);
    expect(bound.signal.reason).toEqual(new Error('client left'));

    const other = new AbortController();
    const released = drain.bindToDeadline(other.signal);
    released.release();
    other.abort();
    expect(released.signal.aborted).toBe(false);
    const gone = new AbortController();
    gone.abort();
    expect(drain.bindToDeadline(gone.signal).signal.aborted).toBe(true);
  });

  it('cancels the generations still running at the deadline with a server_draining reason, and waits for them to end within the grace', async () => {
    const drain = new DrainService();
    const admission = drain.admit();
    const slow = drain.bindToDeadline(new AbortController().signal);
    const done = drain.bindToDeadline(new AbortController().signal);
    done.release();
    slow.signal.addEventListener('abort', () =>
      setTimeout(() => {
        slow.release();
        admission.end();
      }, 10),
    );
    const report = await drain.drain(20, 5000);
    expect(report).toMatchObject({ inFlight: 1, cancelled: 1, left: 0 });
    expect(slow.signal.reason).toBeInstanceOf(ServerDrainingError);
    expect(slow.signal.reason.message).toMatch(/DRAIN_TIMEOUT_MS/);
    expect(done.signal.aborted).toBe(false);
    // A generation of a request admitted before the drain but starting after its deadline starts cancelled.
    expect(drain.bindToDeadline(new AbortController().signal).signal.reason).toBeInstanceOf(ServerDrainingError);
  });

  it('gives up after the grace on work that does not end when cancelled', async () => {
    const drain = new DrainService();
    drain.admit();
    const stuck = drain.bindToDeadline(new AbortController().signal);
    const started = Date.now();
    const report = await drain.drain(10, 30);
    expect(report).toMatchObject({ inFlight: 1, cancelled: 1, left: 1 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stuck.signal.aborted).toBe(true);
  });
});
