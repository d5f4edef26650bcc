// Owns the native engine for the API's lifetime and reports whether it is loaded.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EngineStatus } from '@chunkserve/contracts';

import type { Environment } from '../config/environment';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native: typeof import('@chunkserve/native') = require('@chunkserve/native');

@Injectable()
export class EngineService implements OnModuleInit {
  private status?: EngineStatus;

  constructor(private readonly config: ConfigService<Environment, true>) {}

  onModuleInit(): void {
    const info = native.backendInfo(this.config.get('ENGINE_DEVICE', { infer: true }) as 'auto' | 'cpu' | 'cuda');
    this.status = { backend: info.backend, simd: info.simd, cudaCompiled: info.cudaCompiled, gpuName: info.gpuName };
  }

  isReady(): boolean {
    return this.status !== undefined;
  }

  engineStatus(): EngineStatus {
    if (!this.status) throw new Error('engine not loaded yet');
    return this.status;
  }
}
