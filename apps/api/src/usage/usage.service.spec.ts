import { Logger } from '@nestjs/common';

import { automock } from '../../test/automock';
import { UsageRepository, type NewUsageRecord } from './usage.repository';
import { UsageService } from './usage.service';

const record: NewUsageRecord = {
  tenantId: 't1',
  promptId: null,
  promptVersion: null,
  endpoint: 'chat.completions',
  promptTokens: 10,
  cachedTokens: 8,
  completionTokens: 4,
  ttftMs: 3,
  durationMs: 9,
  finishReason: 'stop',
};

describe('UsageService', () => {
  const usage = automock(UsageRepository);
  const service = new UsageService(usage);

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
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    usage.insert.mockRejectedValue(new Error('db down'));
    service.record(record);
    await service.beforeApplicationShutdown();
    expect(error).toHaveBeenCalledWith('usage record not written: db down');
  });
});
