import { EventEmitter } from 'events';
import type { Response } from 'express';

/** Enough of an Express response for the response sinks: what is written, and the client leaving. */
export class FakeResponse extends EventEmitter {
  written: string[] = [];
  headers: Record<string, string> = {};
  statusCode = 0;
  json = jest.fn();
  writableEnded = false;
  writableFinished = false;

  get res(): Response {
    return this as unknown as Response;
  }

  status(code: number) {
    this.statusCode = code;
    return this;
  }

  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }

  flushHeaders() {}

  write(text: string) {
    this.written.push(text);
    return true;
  }

  end(text: string) {
    this.written.push(text);
    this.writableEnded = true;
  }

  /** The client goes away. */
  leave() {
    this.emit('close');
  }

  /** The server-sent events' data, parsed. */
  events() {
    return this.written.map((w) => w.replace(/^data: /, '').trim()).map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
  }
}
