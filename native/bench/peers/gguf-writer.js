// A GGUF (version 3) writer: header, typed metadata key/value pairs, tensor infos and tensor
// data at the file's alignment, little-endian, as llama.cpp's ggml/docs/gguf.md specifies. Only
// what the peer benchmark needs: scalar, string and array metadata, F32 tensors.
'use strict';
const fs = require('fs');
const os = require('os');

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const DEFAULT_ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

/** GGUF metadata value types (gguf_type). */
const ValueType = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 };

// Typed metadata values: GGUF stores the type with every value.
const u32 = (value) => ({ type: 'u32', value });
const i32 = (value) => ({ type: 'i32', value });
const f32 = (value) => ({ type: 'f32', value });
const bool = (value) => ({ type: 'bool', value });
const str = (value) => ({ type: 'string', value });
/** An array of one item type ('string', 'f32', 'i32', ...). */
const array = (itemType, value) => ({ type: 'array', itemType, value });

/** Appends little-endian values to a growing buffer. */
class ByteSink {
  constructor() {
    this.buf = Buffer.alloc(1 << 16);
    this.len = 0;
  }
  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  scalar(type, v) {
    const size = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8 }[type];
    if (!size) throw new Error(`gguf: unknown scalar type ${type}`);
    this.reserve(size);
    const at = this.len;
    const b = this.buf;
    switch (type) {
      case 'u8': b.writeUInt8(v, at); break;
      case 'i8': b.writeInt8(v, at); break;
      case 'bool': b.writeUInt8(v ? 1 : 0, at); break;
      case 'u16': b.writeUInt16LE(v, at); break;
      case 'i16': b.writeInt16LE(v, at); break;
      case 'u32': b.writeUInt32LE(v, at); break;
      case 'i32': b.writeInt32LE(v, at); break;
      case 'f32': b.writeFloatLE(v, at); break;
      case 'u64': b.writeBigUInt64LE(BigInt(v), at); break;
      case 'i64': b.writeBigInt64LE(BigInt(v), at); break;
      case 'f64': b.writeDoubleLE(v, at); break;
    }
    this.len += size;
  }
  string(s) {
    const bytes = Buffer.from(s, 'utf8');
    this.scalar('u64', bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
  }
  value(v) {
    if (v.type === 'string') return this.string(v.value);
    if (v.type !== 'array') return this.scalar(v.type, v.value);
    if (!(v.itemType in ValueType) || v.itemType === 'array') throw new Error(`gguf: unsupported array item type ${v.itemType}`);
    this.scalar('u32', ValueType[v.itemType]);
    this.scalar('u64', v.value.length);
    for (const item of v.value) this.value({ type: v.itemType, value: item });
  }
  bytes() {
    return this.buf.subarray(0, this.len);
  }
}

const alignUp = (n, a) => Math.ceil(n / a) * a;

/**
 * Writes a GGUF file. metadata: [key, typed value] pairs in file order (general.alignment is
 * added when alignment is not the default). tensors: { name, shape (outermost first, as PyTorch
 * and safetensors list it), data: Float32Array }; GGUF lists dimensions innermost first.
 * Returns where each tensor's data starts (absolute file offsets) and the data section's start.
 */
function writeGguf(file, { metadata, tensors, alignment = DEFAULT_ALIGNMENT }) {
  if (os.endianness() !== 'LE') throw new Error('gguf: this writer needs a little-endian machine');
  const kv = alignment === DEFAULT_ALIGNMENT ? metadata : [...metadata, ['general.alignment', u32(alignment)]];
  const head = new ByteSink();
  head.scalar('u32', GGUF_MAGIC);
  head.scalar('u32', GGUF_VERSION);
  head.scalar('u64', tensors.length);
  head.scalar('u64', kv.length);
  for (const [key, v] of kv) {
    head.string(key);
    head.scalar('u32', ValueType[v.type]);
    head.value(v);
  }
  let offset = 0; // relative to the data section
  const relative = [];
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== count) throw new Error(`gguf: ${t.name} needs a Float32Array of ${count} values`);
    head.string(t.name);
    head.scalar('u32', t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) head.scalar('u64', t.shape[d]);
    head.scalar('u32', GGML_TYPE_F32);
    head.scalar('u64', offset);
    relative.push(offset);
    offset = alignUp(offset + t.data.byteLength, alignment);
  }
  const dataStart = alignUp(head.len, alignment);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, head.bytes());
    fs.writeSync(fd, Buffer.alloc(dataStart - head.len));
    let at = dataStart;
    tensors.forEach((t, i) => {
      const want = dataStart + relative[i];
      if (want > at) fs.writeSync(fd, Buffer.alloc(want - at));
      fs.writeSync(fd, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      at = want + t.data.byteLength;
    });
    if (dataStart + offset > at) fs.writeSync(fd, Buffer.alloc(dataStart + offset - at));
  } finally {
    fs.closeSync(fd);
  }
  return { dataStart, offsets: relative.map((r) => dataStart + r) };
}

module.exports = { writeGguf, u32, i32, f32, bool, str, array, ValueType, GGUF_MAGIC, GGUF_VERSION, GGML_TYPE_F32 };
