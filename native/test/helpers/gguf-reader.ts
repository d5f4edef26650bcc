// A minimal GGUF reader, written from the format description (ggml/docs/gguf.md) apart from the
// benchmark's writer, so that tests can check what the writer puts in a file.

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** Dimensions as GGUF lists them: innermost (ne[0]) first. */
  dims: number[];
  type: number;
  /** Offset relative to the start of the tensor data section. */
  offset: number;
}

export interface GgufFile {
  magic: string;
  version: number;
  metadata: Map<string, { type: number; value: GgufValue }>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the tensor data section. */
  dataStart: number;
  bytes: Buffer;
}

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

export function readGguf(bytes: Buffer): GgufFile {
  let at = 0;
  const u32 = () => {
    const v = bytes.readUInt32LE(at);
    at += 4;
    return v;
  };
  const u64 = () => {
    const v = bytes.readBigUInt64LE(at);
    at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`u64 ${v} too large`);
    return Number(v);
  };
  const str = () => {
    const n = u64();
    const s = bytes.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const value = (type: number): GgufValue => {
    if (type === STRING) return str();
    if (type === ARRAY) {
      const itemType = u32();
      const n = u64();
      return Array.from({ length: n }, () => value(itemType));
    }
    const size = SCALAR_SIZE[type];
    if (!size) throw new Error(`unknown value type ${type}`);
    const p = at;
    at += size;
    switch (type) {
      case 0: return bytes.readUInt8(p);
      case 1: return bytes.readInt8(p);
      case 2: return bytes.readUInt16LE(p);
      case 3: return bytes.readInt16LE(p);
      case 4: return bytes.readUInt32LE(p);
      case 5: return bytes.readInt32LE(p);
      case 6: return bytes.readFloatLE(p);
      case 7: return bytes.readUInt8(p) !== 0;
      case 10: return bytes.readBigUInt64LE(p);
      case 11: return bytes.readBigInt64LE(p);
      default: return bytes.readDoubleLE(p);
    }
  };

  const magic = bytes.toString('latin1', 0, 4);
  at = 4;
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const metadata = new Map<string, { type: number; value: GgufValue }>();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    metadata.set(key, { type, value: value(type) });
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = (metadata.get('general.alignment')?.value as number | undefined) ?? 32;
  const dataStart = Math.ceil(at / alignment) * alignment;
  return { magic, version, metadata, tensors, alignment, dataStart, bytes };
}

/** The F32 values of a tensor (GGML type 0). */
export function tensorF32(file: GgufFile, name: string): Float32Array {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  if (t.type !== 0) throw new Error(`${name} is type ${t.type}, not F32`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const start = file.dataStart + t.offset;
  if (start + 4 * n > file.bytes.length) throw new Error(`${name} runs past the end of the file`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = file.bytes.readFloatLE(start + 4 * i);
  return out;
}
