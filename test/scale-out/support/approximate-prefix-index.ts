// A model of the Gateway API Inference Extension's approximate prefix-cache scorer
// (pkg/epp/scheduling/framework/plugins/multi/prefix/plugin.go and indexer.go): the router never
// hears from the model servers; it guesses what each one caches from where it sent requests.
//
// - The prompt's bytes are cut into blocks of 64 (16 tokens x 4 characters, the plugin's
//   DefaultHashBlockSize); a last partial block is ignored; at most 256 blocks.
// - hash[0] = xxhash64(model name + cache_salt); hash[i] = xxhash64(block i bytes ++ hash[i-1] as
//   8 little-endian bytes). The model hash counts as a block, as in the plugin.
// - Per server, an LRU of the hashes routed there (DefaultLRUCapacityPerServer = 31,250 entries).
// - Score of a server = (blocks matched from the start) / (all blocks); after the pick, every
//   hash of the request is added to the picked server's LRU (the plugin's PreRequest).
//
// For chat requests the "prompt" is the messages as JSON (how the extension flattens a chat body).
import xxhash from 'xxhash-wasm';

export const HASH_BLOCK_BYTES = 64;
export const MAX_PREFIX_BLOCKS = 256;
export const LRU_CAPACITY_PER_SERVER = 31_250;

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Hasher | undefined;

/** Loads the xxhash WebAssembly module once (call before hashPrompt). */
export async function loadXxhash(): Promise<void> {
  hasher ??= await xxhash();
}

function h64(bytes: Uint8Array): bigint {
  if (!hasher) throw new Error('call loadXxhash() first');
  return hasher.h64Raw(bytes);
}

/** The request's block hashes, model hash first. Empty when the prompt is shorter than one block. */
export function hashPrompt(model: string, prompt: string, cacheSalt = ''): bigint[] {
  let bytes = Buffer.from(prompt, 'utf8');
  if (bytes.length < HASH_BLOCK_BYTES) return [];
  bytes = bytes.subarray(0, MAX_PREFIX_BLOCKS * HASH_BLOCK_BYTES);
  const hashes = [h64(Buffer.from(model + cacheSalt, 'utf8'))];
  const previous = Buffer.alloc(8);
  for (let i = 0; i + HASH_BLOCK_BYTES <= bytes.length; i += HASH_BLOCK_BYTES) {
    previous.writeBigUInt64LE(hashes[hashes.length - 1]);
    hashes.push(h64(Buffer.concat([bytes.subarray(i, i + HASH_BLOCK_BYTES), previous])));
  }
  return hashes;
}

/** The router's guess of every server's cache: one LRU of block hashes per server. */
export class ApproximatePrefixIndex {
  private readonly lru: Map<bigint, true>[];

  constructor(servers: number, private readonly capacity = LRU_CAPACITY_PER_SERVER) {
    this.lru = Array.from({ length: servers }, () => new Map());
  }

  /** Blocks matched per server, walking the hashes until no server has one (matchLongestPrefix). */
  matched(hashes: bigint[]): number[] {
    const counts = this.lru.map(() => 0);
    for (const hash of hashes) {
      let any = false;
      this.lru.forEach((entries, server) => {
        if (entries.has(hash)) (counts[server] += 1), (any = true);
      });
      if (!any) break;
    }
    return counts;
  }

  /** Scores in [0, 1]: matched / all blocks (0 for a prompt shorter than a block). */
  scores(hashes: bigint[]): number[] {
    return this.matched(hashes).map((m) => (hashes.length === 0 ? 0 : m / hashes.length));
  }

  /** The request went to `server`: its hashes are now the most recent there. */
  record(hashes: bigint[], server: number): void {
    const entries = this.lru[server];
    for (const hash of hashes) {
      entries.delete(hash);
      entries.set(hash, true);
    }
    while (entries.size > this.capacity) entries.delete(entries.keys().next().value as bigint);
  }
}
