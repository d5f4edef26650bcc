// safetensors: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end)}, __metadata__?}, then the data.
// Only the header is read here; the addon memory-maps the data.
import * as fs from 'fs';
import { CheckpointError } from './checkpoint-error';

export type WeightDtype = 'F32' | 'F16' | 'BF16';
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** One tensor of a safetensors header. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  offset: number; // absolute byte offset in the file
  nbytes: number;
}

/** Reads and checks a safetensors header: every tensor's bytes must lie inside the file. */
export function readSafetensorsHeader(file: string): Map<string, SafetensorsEntry> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new CheckpointError(file, `cannot open (${(err as Error).message})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new CheckpointError(file, `truncated: ${size} bytes, not even the 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > size)
      throw new CheckpointError(file, `header length ${headerLen} does not fit in the file (${size} bytes): truncated or not safetensors`);
    const headerBuf = Buffer.alloc(headerLen);
    fs.readSync(fd, headerBuf, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch (err) {
      throw new CheckpointError(file, `header is not valid JSON (${(err as Error).message})`);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header))
      throw new CheckpointError(file, 'header is not a JSON object');
    const dataStart = 8 + headerLen;
    const dataLen = size - dataStart;
    const out = new Map<string, SafetensorsEntry>();
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof t?.dtype !== 'string' || !(t.dtype in DTYPE_BYTES))
        throw new CheckpointError(file, `tensor ${name} has an unknown dtype ${JSON.stringify(t?.dtype)}`);
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0))
        throw new CheckpointError(file, `tensor ${name} has a malformed shape ${JSON.stringify(t.shape)}`);
      const offs = t.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0) || offs[1] < offs[0])
        throw new CheckpointError(file, `tensor ${name} has malformed data_offsets ${JSON.stringify(offs)}`);
      const numel = (t.shape as number[]).reduce((a, b) => a * b, 1);
      const nbytes = offs[1] - offs[0];
      if (nbytes !== numel * DTYPE_BYTES[t.dtype])
        throw new CheckpointError(file, `tensor ${name}: data_offsets span ${nbytes} bytes but ${t.dtype}${JSON.stringify(t.shape)} needs ${numel * DTYPE_BYTES[t.dtype]}`);
      if (offs[1] > dataLen)
        throw new CheckpointError(file, `truncated: tensor ${name} ends at byte ${dataStart + offs[1]} but the file has ${size}`);
      out.set(name, { dtype: t.dtype, shape: t.shape as number[], offset: dataStart + offs[0], nbytes });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

export interface TensorToWrite {
  dtype: WeightDtype;
  shape: number[];
  data: Float32Array; // converted to dtype on write
}

/** Writes a safetensors file (used by the demo model and by tests). Tensors are written in order. */
export function writeSafetensors(file: string, tensors: Map<string, TensorToWrite>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = encodeTensor(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header with spaces so that the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, ...parts]));
}

function encodeTensor(t: TensorToWrite): Buffer {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`tensor data has ${t.data.length} values, shape ${JSON.stringify(t.shape)} needs ${n}`);
  if (t.dtype === 'F32') return Buffer.from(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeUInt16LE(t.dtype === 'F16' ? floatToHalf(t.data[i]) : floatToBf16(t.data[i]), i * 2);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> bfloat16 bits, round to nearest even. */
export function floatToBf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float -> IEEE half bits, round to nearest even (finite inputs in half range). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  let mant = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** The value a float becomes after a round trip through dtype (tests compare with it). */
export function roundTo(dtype: WeightDtype, x: number): number {
  if (dtype === 'F32') return Math.fround(x);
  if (dtype === 'BF16') {
    u32[0] = floatToBf16(x) << 16;
    return f32[0];
  }
  return halfToFloat(floatToHalf(x));
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
