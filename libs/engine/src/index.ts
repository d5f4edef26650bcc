// @chunkserve/engine: the model runtime for the API (see docs/model-runtime.md).
export { LlmEngine, DEFAULT_MAX_BUFFERED_EVENTS } from './llm-engine';
export { EngineError, engineErrorCode } from './engine-error';
export type { EngineErrorCode } from './engine-error';
export type { BackendInfo, DeviceStatus } from './llm-engine';
export * from './types';
export { CheckpointError } from './checkpoint/checkpoint-error';
export { loadCheckpoint } from './checkpoint/load-checkpoint';
export { parseModelConfig } from './checkpoint/model-config';
export { readSafetensorsHeader, writeSafetensors } from './checkpoint/safetensors';
export { TextTokenizer } from './text/text-tokenizer';
export { StreamDecoder } from './text/stream-decoder';
export { DEMO_MODEL_ID, DEMO_SPEC, ensureDemoModel } from './demo/demo-model';
export { writeRandomLlama, randomLlamaTensors, randomLlamaConfig, seededRandom } from './demo/random-llama';
export type { RandomLlamaSpec } from './demo/random-llama';
