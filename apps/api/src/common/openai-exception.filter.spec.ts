import { NotFoundException } from '@nestjs/common';

import { EngineCapacityError } from '../engine/engine-errors';
import { ServerDrainingError } from '../lifecycle/server-draining.error';
import { OpenAiExceptionFilter, toOpenAiError } from './openai-exception.filter';

describe('toOpenAiError', () => {
  it('never echoes a credential from the URL of an unknown route', () => {
    const key = `cs_live_AbCdEfGhIjKl_${'s'.repeat(43)}`;
    const { status, body } = toOpenAiError(new NotFoundException(`Cannot GET /v1/stream?api_key=${key}`));
    expect(status).toBe(404);
    expect(body.error.message).toBe('Cannot GET /v1/stream?api_key=[REDACTED]');
    expect(JSON.stringify(body)).not.toContain('s'.repeat(43));
  });
});

describe('OpenAiExceptionFilter', () => {
  it('answers a full engine pool with 503 engine_overloaded and Retry-After', () => {
    const headers: Record<string, string> = {};
    const res = { headersSent: false, setHeader: (k: string, v: string) => (headers[k] = v), status: jest.fn().mockReturnThis(), json: jest.fn() };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ path: '/v1/chat/completions' }) }) };
    new OpenAiExceptionFilter().catch(new EngineCapacityError('pool full'), host as never);
    expect(res.status).toHaveBeenCalledWith(503);
    expect(res.json).toHaveBeenCalledWith({ error: expect.objectContaining({ code: 'engine_overloaded', type: 'server_error' }) });
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('answers a draining server with 503 server_draining and Retry-After; mid-stream, as the last event', () => {
    const headers: Record<string, string> = {};
    const res = { headersSent: false, writableEnded: false, setHeader: (k: string, v: string) => (headers[k] = v), status: jest.fn().mockReturnThis(), json: jest.fn(), end: jest.fn() };
    const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ path: '/v1/completions' }) }) };
    new OpenAiExceptionFilter().catch(new ServerDrainingError(), host as never);
    expect(res.status).toHaveBeenCalledWith(503);
    expect(res.json).toHaveBeenCalledWith({ error: expect.objectContaining({ code: 'server_draining', type: 'server_error' }) });
    expect(headers['Retry-After']).toBe('1');

    res.headersSent = true;
    new OpenAiExceptionFilter().catch(new ServerDrainingError('cut'), host as never);
    expect(res.end).toHaveBeenCalledWith(`data: ${JSON.stringify({ error: { message: 'cut', type: 'server_error', code: 'server_draining', param: null } })}\n\n`);
  });
});
