// Admission of the HTTP generation endpoints: refused with 503 server_draining while the server
// drains (Retry-After is set by OpenAiExceptionFilter); otherwise counted in flight until the
// response closes, from before authentication and prompt lookup to the last byte.
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { DrainService } from './drain.service';

@Injectable()
export class DrainMiddleware implements NestMiddleware {
  constructor(private readonly drain: DrainService) {}

  use(_req: Request, res: Response, next: NextFunction): void {
    const admission = this.drain.admit();
    res.once('close', () => admission.end());
    next();
  }
}
