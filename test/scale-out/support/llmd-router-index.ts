// An independent model of how llm-d's precise prefix scorer keys and indexes KV events
// (llm-d-router pkg/kvcache/kvblock/token_processor.go, extra_keys.go, pkg/kvevents/pool.go, with
// the default "cbor-fnv" hashing): a block key is FNV-64a over the canonical CBOR of
// [parent key, token ids, extra], the first parent is hash(FNV-64a(hashSeed), nil, model), and a
// request's cache_salt is folded into its first block's extra as [{Hash: salt}], as a root
// BlockStored's extra_keys [[salt]] is. Blocks are as large as the engine's chunks
// (tokenProcessorConfig.blockSizeTokens = CHUNK_SIZE, docs/scale-out.md).

type Cbor = bigint | number | string | null | Cbor[] | { [key: string]: Cbor };

/** RFC 8949 deterministic encoding of the shapes llm-d hashes: unsigned ints, text, null, arrays, maps. */
function cbor(value: Cbor, out: number[] = []): number[] {
  const head = (major: number, n: bigint) => {
    const m = major << 5;
    if (n < 24n) out.push(m | Number(n));
    else {
      const bytes = n < 0x100n ? 1 : n < 0x10000n ? 2 : n < 0x100000000n ? 4 : 8;
      out.push(m | { 1: 24, 2: 25, 4: 26, 8: 27 }[bytes]!);
      for (let i = bytes - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
    }
  };
  if (value === null) out.push(0xf6);
  else if (typeof value === 'bigint' || typeof value === 'number') head(0, BigInt(value));
  else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    head(3, BigInt(bytes.length));
    out.push(...bytes);
  } else if (Array.isArray(value)) {
    head(4, BigInt(value.length));
    for (const v of value) cbor(v, out);
  } else {
    const keys = Object.keys(value).sort();
    head(5, BigInt(keys.length));
    for (const k of keys) cbor(k, out), cbor(value[k], out);
  }
  return out;
}

function fnv64a(bytes: number[]): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

const blockKey = (parent: bigint, tokens: number[] | null, extra: Cbor): bigint => fnv64a(cbor([parent, tokens, extra]));
const saltExtra = (salt: string | undefined): Cbor => (salt === undefined ? null : [{ Hash: salt }]);

/** The keys of a request's full blocks (hashSeed ""), with its cache_salt if any. */
export function requestKeys(model: string, tokens: number[], blockSize: number, cacheSalt?: string): bigint[] {
  let parent = blockKey(fnv64a([]), null, model);
  const keys: bigint[] = [];
  for (let i = 0; i + blockSize <= tokens.length; i += blockSize) {
    parent = blockKey(parent, tokens.slice(i, i + blockSize), keys.length === 0 ? saltExtra(cacheSalt) : null);
    keys.push(parent);
  }
  return keys;
}

/** A decoded vLLM event: [tag, ...fields]. */
export type DecodedEvent = unknown[];

/** One pod's entries of the index, fed with its events in order. */
export class RouterIndex {
  private readonly requestKeyOf = new Map<bigint, bigint>();
  private readonly present = new Set<bigint>();

  constructor(private readonly model: string) {}

  apply(event: DecodedEvent): void {
    const [tag] = event;
    if (tag === 'AllBlocksCleared') {
      this.requestKeyOf.clear();
      this.present.clear();
    } else if (tag === 'BlockRemoved') {
      for (const hash of event[1] as bigint[]) {
        const key = this.requestKeyOf.get(hash);
        this.requestKeyOf.delete(hash);
        if (key !== undefined) this.present.delete(key);
      }
    } else if (tag === 'BlockStored') {
      const [, hashes, parentHash, tokens, , , , , extraKeys] = event as [string, bigint[], bigint | null, number[], number, null, string, null, string[][] | null];
      let parent = parentHash === null ? blockKey(fnv64a([]), null, this.model) : this.requestKeyOf.get(parentHash);
      if (parent === undefined) return; // llm-d skips a block whose parent it does not know
      const blockSize = tokens.length / hashes.length;
      hashes.forEach((hash, i) => {
        const extras = extraKeys?.[i];
        parent = blockKey(parent!, tokens.slice(i * blockSize, (i + 1) * blockSize), extras ? extras.map((s) => ({ Hash: s })) : null);
        this.requestKeyOf.set(hash, parent);
        this.present.add(parent);
      });
    }
  }

  /** Whether the pod holds the block of this request key. */
  has(key: bigint): boolean {
    return this.present.has(key);
  }

  /** Leading request keys found: the blocks the scorer counts as a hit on this pod. */
  matchedBlocks(keys: bigint[]): number {
    let n = 0;
    while (n < keys.length && this.present.has(keys[n])) n++;
    return n;
  }
}
