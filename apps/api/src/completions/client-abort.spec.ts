import type { Request, Response } from 'express';

import { FakeResponse } from '../../test/fake-response';
import { abortWhenClientLeaves, watchClient } from './client-abort';

describe('abortWhenClientLeaves', () => {
  it('gives one signal per response, created when the request arrives, so a client leaving during authentication is seen', () => {
    const client = new FakeResponse();
    const next = jest.fn();
    watchClient({} as Request, client.res, next);
    expect(next).toHaveBeenCalled();
    // The client leaves while guards await the database: the handler's signal is already aborted.
    client.leave();
    const signal = abortWhenClientLeaves(client.res);
    expect(signal.aborted).toBe(true);
    expect(abortWhenClientLeaves(client.res)).toBe(signal);
  });

  it('is aborted at once for a response whose socket is already gone, and not when the response ends normally', () => {
    const gone = Object.assign(new FakeResponse(), { socket: { destroyed: true } });
    expect(abortWhenClientLeaves(gone as unknown as Response).aborted).toBe(true);
    const finished = new FakeResponse();
    const signal = abortWhenClientLeaves(finished.res);
    finished.writableFinished = true;
    finished.leave();
    expect(signal.aborted).toBe(false);
  });
});
