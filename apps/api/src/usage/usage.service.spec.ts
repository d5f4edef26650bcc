import { automock } from '../../test/automock';
import { UsageRepository, type NewUsageRecord } from './usage.repository';
import { UsageService } from './usage.service';

const record: NewUsageRecord = {
  tenantId: 't1',
  promptId: null,
  endpoint: 'chat.completions',
  promptTokens: 10,
  cachedTokens: 8,
  completionTokens: 4,
  ttftMs: 3,
  durationMs: 9,
  finishReason: 'stop',
};

describe('UsageService', () => {
  let usage: ReturnType<typeof automock<UsageRepository>>;
  let service: UsageService;

  beforeEach(() => {
    usage = automock(UsageRepository);
    service = new UsageService(usage as unknown as UsageRepository);
  });

  it('writes without delaying the caller; flush waits for the writes', async () => {
    let finish!: () => void;
    usage.insert.mockReturnValue(new Promise<void>((resolve) => (finish = resolve)));
    service.record(record);
    expect(usage.insert).toHaveBeenCalledWith(record);

    let flushed = false;
    const flush = service.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false);
    finish();
    await flush;
    expect(flushed).toBe(true);
  });

  it('logs a failed write instead of throwing', async () => {
    const error = jest.spyOn((service as unknown as { logger: { error: () => void } }).logger, 'error').mockImplementation(() => undefined);
    usage.insert.mockRejectedValue(new Error('db down'));
    service.record(record);
    await service.beforeApplicationShutdown();
    expect(error).toHaveBeenCalledWith('usage record not written: db down');
  });
});
