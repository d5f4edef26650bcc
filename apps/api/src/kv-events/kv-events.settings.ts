// KV events (docs/scale-out.md): off unless KV_EVENTS_ENDPOINT is set.
import { Transform } from 'class-transformer';
import { IsInt, IsIP, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

import { emptyToUndefined, readSettings, toInt } from '../metrics/env-settings';

const ZMQ_ENDPOINT = /^(tcp|ipc|inproc):\/\/\S+$/;
const ZMQ_ENDPOINT_MESSAGE = 'must be a ZeroMQ endpoint such as tcp://*:5557';

export class KvEventsSettings {
  /** The PUB socket: `tcp://*:5557` binds (a wildcard host), `tcp://indexer:5557` connects. Unset: no KV events. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(ZMQ_ENDPOINT, { message: ZMQ_ENDPOINT_MESSAGE })
  KV_EVENTS_ENDPOINT?: string = undefined;

  /** The ROUTER socket answering replay requests (binds). Unset: no replay. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(ZMQ_ENDPOINT, { message: ZMQ_ENDPOINT_MESSAGE })
  KV_EVENTS_REPLAY_ENDPOINT?: string = undefined;

  /** Unset: `kv@<POD_IP>:<PORT>@<model id>`, the topic llm-d's vLLM adapter parses. */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(1)
  KV_EVENTS_TOPIC?: string = undefined;

  /** Event batches kept for replay. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  KV_EVENTS_REPLAY_BUFFER = 10_000;

  /** This replica's address in the default topic (Kubernetes: the Downward API's status.podIP). Unset: the first non-internal IPv4 address. */
  @Transform(emptyToUndefined) @IsOptional() @IsIP()
  POD_IP?: string = undefined;
}

export function kvEventsSettings(raw: Record<string, unknown> = process.env): KvEventsSettings {
  return readSettings(KvEventsSettings, raw);
}
