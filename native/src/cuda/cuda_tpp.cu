// CUDA backend host code: device buffers, the device chunk pool, lazy work-list upload, K/V
// writes and the launches of the TPP kernel (tpp_kernels.cuh).
#include "cuda/cuda_tpp.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cuda/tpp_launch.h"

namespace chunkserve {

namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(err));
  }
}

cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

template <typename T> __device__ __forceinline__ T to_storage(float x);
template <> __device__ __forceinline__ __half to_storage<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 to_storage<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// Decode append: block (DFS position i, KV head h) writes row seq_len[i] - 1 of K and V.
// k, v: [n_seqs][n_kv_heads][head_dim] fp32, batch order (q_row maps DFS -> batch).
template <typename T>
__global__ void append_decode_kernel(T* pool, int64_t chunk_elems, int64_t layer_offset, int c, int D, int n_kv,
                                     const TppPiece* seq_first, const TppChunkRef* refs, const int32_t* seq_len,
                                     const int32_t* q_row, const float* k, const float* v) {
  const int i = blockIdx.x, h = blockIdx.y;
  const int len = seq_len[i];
  const int ref = find_append_ref(refs, seq_first[i], len, c);
  if (ref < 0) return;  // excluded on the host (CudaTppDecoder::append_kv)
  const TppChunkRef r = refs[ref];
  T* kd = pool + r.chunk * chunk_elems + layer_offset + (static_cast<int64_t>(h) * c + (len - 1 - r.pos)) * D;
  T* vd = kd + static_cast<int64_t>(n_kv) * c * D;
  const int64_t src = (static_cast<int64_t>(q_row[i]) * n_kv + h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kd[d] = to_storage<T>(k[src + d]);
    vd[d] = to_storage<T>(v[src + d]);
  }
}

// Prefill store: block (token t, KV head h) writes position pos0 + t of the path (refs[k] is the
// path's chunk k). k, v: [n_q][n_kv_heads][head_dim] fp32.
template <typename T>
__global__ void write_rows_kernel(T* pool, int64_t chunk_elems, int64_t layer_offset, int c, int D, int n_kv,
                                  const TppChunkRef* path, int pos0, const float* k, const float* v) {
  const int t = blockIdx.x, h = blockIdx.y;
  const int pos = pos0 + t;
  T* kd = pool + path[pos / c].chunk * chunk_elems + layer_offset + (static_cast<int64_t>(h) * c + pos % c) * D;
  T* vd = kd + static_cast<int64_t>(n_kv) * c * D;
  const int64_t src = (static_cast<int64_t>(t) * n_kv + h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kd[d] = to_storage<T>(k[src + d]);
    vd[d] = to_storage<T>(v[src + d]);
  }
}

size_t align16(size_t n) { return (n + 15) & ~size_t(15); }

// Packs a plan's arrays into one buffer: [chunk_first | seq_first | refs | merge_rows | q_row].
struct PlanOffsets {
  size_t cf = 0, sf = 0, refs = 0, merge = 0, qrow = 0, total = 0;
};
PlanOffsets plan_offsets(const TppDevicePlan& p) {
  PlanOffsets o;
  o.sf = o.cf + align16(p.chunk_first.size() * sizeof(TppPiece));
  o.refs = o.sf + align16(p.seq_first.size() * sizeof(TppPiece));
  o.merge = o.refs + align16(p.refs.size() * sizeof(TppChunkRef));
  o.qrow = o.merge + align16(p.merge_rows.size() * sizeof(int32_t));
  o.total = o.qrow + align16(p.q_row.size() * sizeof(int32_t));
  return o;
}
std::vector<uint8_t> pack_plan(const TppDevicePlan& p, const PlanOffsets& o) {
  std::vector<uint8_t> bytes(std::max<size_t>(o.total, 16), 0);
  auto put = [&](size_t off, const void* src, size_t n) {
    if (n) std::memcpy(bytes.data() + off, src, n);
  };
  put(o.cf, p.chunk_first.data(), p.chunk_first.size() * sizeof(TppPiece));
  put(o.sf, p.seq_first.data(), p.seq_first.size() * sizeof(TppPiece));
  put(o.refs, p.refs.data(), p.refs.size() * sizeof(TppChunkRef));
  put(o.merge, p.merge_rows.data(), p.merge_rows.size() * sizeof(int32_t));
  put(o.qrow, p.q_row.data(), p.q_row.size() * sizeof(int32_t));
  return bytes;
}

bool same_structure(const DecodeWorkList& a, const DecodeWorkList& b) {
  return a.chunk_size == b.chunk_size && a.dfs_row == b.dfs_row && a.shared_chunk == b.shared_chunk &&
         a.shared_begin == b.shared_begin && a.shared_end == b.shared_end && a.seq_chunk_offset == b.seq_chunk_offset &&
         a.seq_chunks == b.seq_chunks && a.seq_chunk_index == b.seq_chunk_index;
}
bool same_layout(const ChunkLayout& a, const ChunkLayout& b) {
  return a.n_layers == b.n_layers && a.n_kv_heads == b.n_kv_heads && a.head_dim == b.head_dim &&
         a.chunk_size == b.chunk_size && a.dtype == b.dtype;
}

TppKernelArgs base_args(const CudaChunkStorage& pool, int layer, int n_heads) {
  const ChunkLayout& L = pool.layout();
  if (layer < 0 || layer >= L.n_layers)
    throw std::invalid_argument("CUDA attention: layer " + std::to_string(layer) + " out of range [0, " +
                                std::to_string(L.n_layers) + ")");
  TppKernelArgs a;
  a.pool = pool.device_base();
  a.chunk_elems = static_cast<int64_t>(L.chunk_elems());
  a.layer_offset = static_cast<int64_t>(L.plane_offset(layer, 0, 0));
  a.chunk_size = L.chunk_size;
  a.n_heads = n_heads;
  a.n_kv_heads = L.n_kv_heads;
  a.group = n_heads / L.n_kv_heads;
  a.scale_log2 = static_cast<float>(1.4426950408889634 / std::sqrt(static_cast<double>(L.head_dim)));
  return a;
}

int row_blocks(int rows) { return std::max(1, (rows + kTppRowsPerBlock - 1) / kTppRowsPerBlock); }

}  // namespace

int launch_tpp_tiles(DType dtype, int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces,
                     int row_blocks, bool programmatic, void* stream) {
  if (dtype == DType::F16)
    return launch_tpp_tiles_f16(head_dim, mode, args, n_pieces, row_blocks, programmatic, stream);
  if (dtype == DType::BF16)
    return launch_tpp_tiles_bf16(head_dim, mode, args, n_pieces, row_blocks, programmatic, stream);
  return cudaErrorInvalidValue;
}

// ---- DeviceBuffer ---------------------------------------------------------------------------
DeviceBuffer::DeviceBuffer(size_t bytes) { reserve(bytes); }
DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}
void DeviceBuffer::reserve(size_t bytes) {
  if (bytes <= bytes_ && ptr_) return;
  if (ptr_) cudaFree(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
  cudaError_t err = cudaMalloc(&ptr_, std::max<size_t>(bytes, 16));
  if (err != cudaSuccess) {
    ptr_ = nullptr;
    check(err, ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
  }
  bytes_ = bytes;
}
void DeviceBuffer::upload(const void* host, size_t bytes, size_t offset) {
  if (offset + bytes > bytes_) throw std::invalid_argument("DeviceBuffer::upload past the end of the buffer");
  if (bytes) check(cudaMemcpy(static_cast<uint8_t*>(ptr_) + offset, host, bytes, cudaMemcpyHostToDevice), "upload");
}
void DeviceBuffer::download(void* host, size_t bytes, size_t offset) const {
  if (offset + bytes > bytes_) throw std::invalid_argument("DeviceBuffer::download past the end of the buffer");
  if (bytes) check(cudaMemcpy(host, static_cast<const uint8_t*>(ptr_) + offset, bytes, cudaMemcpyDeviceToHost), "download");
}

void DeviceBuffer::fill_bytes(int value, size_t bytes) {
  if (bytes > bytes_) throw std::invalid_argument("DeviceBuffer::fill_bytes past the end of the buffer");
  if (bytes) check(cudaMemset(ptr_, value, bytes), "memset");
}

// ---- CudaChunkStorage -------------------------------------------------------------------------
CudaChunkStorage::CudaChunkStorage(const ChunkLayout& layout, size_t pool_bytes) : layout_(layout) {
  if (layout.dtype != DType::F16 && layout.dtype != DType::BF16)
    throw std::invalid_argument("CUDA chunk pool: storage dtype must be fp16 or bf16");
  if (layout.chunk_bytes() == 0 || pool_bytes < layout.chunk_bytes())
    throw std::invalid_argument("CUDA chunk pool: pool_bytes is smaller than one chunk");
  const size_t n = pool_bytes / layout.chunk_bytes();
  if (n > static_cast<size_t>(INT32_MAX)) throw std::invalid_argument("CUDA chunk pool: more than 2^31 chunks");
  capacity_ = static_cast<int32_t>(n);
  buf_.reserve(n * layout.chunk_bytes());
}

void CudaChunkStorage::copy_prefix(int32_t src, int32_t dst, int n_tokens) {
  if (src < 0 || src >= capacity_ || dst < 0 || dst >= capacity_ || n_tokens < 0 || n_tokens > layout_.chunk_size)
    throw std::invalid_argument("CUDA chunk pool: copy_prefix arguments out of range");
  if (n_tokens == 0 || src == dst) return;
  // Every (layer, K|V, head) plane: rows [0, n_tokens) -> one strided 2-D copy.
  const size_t plane_bytes = layout_.plane_elems() * layout_.elem_bytes();
  const size_t row_bytes = static_cast<size_t>(n_tokens) * layout_.head_dim * layout_.elem_bytes();
  uint8_t* base = static_cast<uint8_t*>(buf_.get());
  check(cudaMemcpy2D(base + dst * layout_.chunk_bytes(), plane_bytes, base + src * layout_.chunk_bytes(), plane_bytes,
                     row_bytes, static_cast<size_t>(layout_.n_layers) * 2 * layout_.n_kv_heads, cudaMemcpyDeviceToDevice),
        "copy_prefix");
}

void CudaChunkStorage::upload_chunks(int32_t first, int32_t n, const void* host) {
  if (first < 0 || n < 0 || first + static_cast<int64_t>(n) > capacity_)
    throw std::invalid_argument("CUDA chunk pool: upload_chunks range out of the pool");
  buf_.upload(host, static_cast<size_t>(n) * layout_.chunk_bytes(), static_cast<size_t>(first) * layout_.chunk_bytes());
}
void CudaChunkStorage::download_chunks(int32_t first, int32_t n, void* host) const {
  if (first < 0 || n < 0 || first + static_cast<int64_t>(n) > capacity_)
    throw std::invalid_argument("CUDA chunk pool: download_chunks range out of the pool");
  buf_.download(host, static_cast<size_t>(n) * layout_.chunk_bytes(), static_cast<size_t>(first) * layout_.chunk_bytes());
}

// ---- CudaTppDecoder -----------------------------------------------------------------------------
CudaTppDecoder::CudaTppDecoder(int target_blocks) : target_blocks_(target_blocks) {
  if (target_blocks_ <= 0) target_blocks_ = 2 * cuda_multiprocessors();
  int dev = 0, major = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev), "compute capability");
  const char* env = std::getenv("CHUNKSERVE_CUDA_PDL");
  pdl_supported_ = major >= 9;
  programmatic_launch_ = pdl_supported_ && !(env != nullptr && std::string(env) == "0");
}
CudaTppDecoder::~CudaTppDecoder() = default;

bool CudaTppDecoder::prepare(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads) {
  const bool rebuild = !planned_ || n_heads != n_heads_ || !same_layout(layout, layout_) || !same_structure(work, key_);
  valid_ = false;  // until this step's plan and lengths are on the device
  if (rebuild) {
    planned_ = false;  // a failed rebuild leaves no usable plan
    TppDevicePlan plan = build_tpp_device_plan(work, layout, n_heads, target_blocks_);
    const PlanOffsets o = plan_offsets(plan);
    const std::vector<uint8_t> bytes = pack_plan(plan, o);
    plan_buf_.reserve(bytes.size());
    plan_buf_.upload(bytes.data(), bytes.size());
    const size_t D = layout.head_dim;
    part_o_.reserve(static_cast<size_t>(plan.n_partial_rows) * n_heads * D * sizeof(float));
    part_ml_.reserve(static_cast<size_t>(plan.n_partial_rows) * n_heads * 2 * sizeof(float));
    len_buf_.reserve(std::max<size_t>(1, plan.n_seqs) * sizeof(int32_t));
    off_cf_ = o.cf, off_sf_ = o.sf, off_refs_ = o.refs, off_merge_ = o.merge, off_qrow_ = o.qrow;
    plan_ = std::move(plan);
    key_ = work;
    key_.seq_len.clear();
    layout_ = layout;
    n_heads_ = n_heads;
    planned_ = true;
    ++plan_uploads_;
  }
  check_step_lengths(plan_, work.seq_len);
  len_buf_.upload(work.seq_len.data(), work.seq_len.size() * sizeof(int32_t));
  host_len_ = work.seq_len;
  valid_ = true;
  return rebuild;
}

void CudaTppDecoder::append_kv(const CudaChunkStorage& pool, int layer, const float* k, const float* v, void* stream) {
  if (!valid_) throw std::logic_error("CudaTppDecoder::append_kv before prepare");
  if (!same_layout(pool.layout(), layout_)) throw std::invalid_argument("CUDA append: pool layout differs from the plan's");
  const TppKernelArgs a = base_args(pool, layer, n_heads_);
  // Lengths were validated in prepare(); also require an own chunk for the new position.
  const std::vector<int32_t>& len = host_len_;
  for (int i = 0; i < plan_.n_seqs; ++i)
    if (len[i] < 1 || find_append_ref(plan_.refs.data(), plan_.seq_first[i], len[i], layout_.chunk_size) < 0)
      throw std::invalid_argument("CUDA append: DFS position " + std::to_string(i) + " has no own chunk for position " +
                                  std::to_string(len[i] - 1));
  if (plan_.n_seqs == 0) return;
  const uint8_t* pb = static_cast<const uint8_t*>(plan_buf_.get());
  const dim3 grid(plan_.n_seqs, layout_.n_kv_heads);
  const auto* sf = reinterpret_cast<const TppPiece*>(pb + off_sf_);
  const auto* refs = reinterpret_cast<const TppChunkRef*>(pb + off_refs_);
  const auto* qrow = reinterpret_cast<const int32_t*>(pb + off_qrow_);
  const auto* lens = static_cast<const int32_t*>(len_buf_.get());
  if (layout_.dtype == DType::F16)
    append_decode_kernel<__half><<<grid, 128, 0, as_stream(stream)>>>(
        static_cast<__half*>(pool.device_base()), a.chunk_elems, a.layer_offset, a.chunk_size, layout_.head_dim,
        a.n_kv_heads, sf, refs, lens, qrow, k, v);
  else
    append_decode_kernel<__nv_bfloat16><<<grid, 128, 0, as_stream(stream)>>>(
        static_cast<__nv_bfloat16*>(pool.device_base()), a.chunk_elems, a.layer_offset, a.chunk_size,
        layout_.head_dim, a.n_kv_heads, sf, refs, lens, qrow, k, v);
  check(cudaGetLastError(), "append_decode_kernel launch");
}

void CudaTppDecoder::decode(const CudaChunkStorage& pool, int layer, const float* q, float* out, void* stream) {
  if (!valid_) throw std::logic_error("CudaTppDecoder::decode before prepare");
  if (!same_layout(pool.layout(), layout_)) throw std::invalid_argument("CUDA decode: pool layout differs from the plan's");
  TppKernelArgs a = base_args(pool, layer, n_heads_);
  const uint8_t* pb = static_cast<const uint8_t*>(plan_buf_.get());
  a.refs = reinterpret_cast<const TppChunkRef*>(pb + off_refs_);
  a.merge_rows = reinterpret_cast<const int32_t*>(pb + off_merge_);
  a.q_row = reinterpret_cast<const int32_t*>(pb + off_qrow_);
  a.seq_len = static_cast<const int32_t*>(len_buf_.get());
  a.q = q;
  a.out = out;
  a.part_o = static_cast<float*>(part_o_.get());
  a.part_ml = static_cast<float*>(part_ml_.get());
  if (!plan_.chunk_first.empty()) {
    a.pieces = reinterpret_cast<const TppPiece*>(pb + off_cf_);
    check(static_cast<cudaError_t>(launch_tpp_tiles(layout_.dtype, layout_.head_dim, TppMode::Partial, a,
                                                    static_cast<int>(plan_.chunk_first.size()),
                                                    row_blocks(plan_.max_chunk_first_rows), false, stream)),
          "TPP chunk-first launch");
  }
  if (plan_.n_seqs > 0) {
    a.pieces = reinterpret_cast<const TppPiece*>(pb + off_sf_);
    const bool programmatic = programmatic_launch_ && !plan_.chunk_first.empty();
    auto launch = [&](bool pdl) {
      return static_cast<cudaError_t>(launch_tpp_tiles(layout_.dtype, layout_.head_dim, TppMode::FinalDecode, a,
                                                       plan_.n_seqs, row_blocks(a.group), pdl, stream));
    };
    cudaError_t err = launch(programmatic);
    if (err != cudaSuccess && programmatic) {
      // The runtime refused the programmatic launch (a configuration error, reported before
      // anything ran): use plain launches from now on; programmatic_launch() reports it.
      cudaGetLastError();
      programmatic_launch_ = false;
      err = launch(false);
    }
    check(err, "TPP sequence-first launch");
  }
}

// ---- prefill --------------------------------------------------------------------------------------
void cuda_prefill(const CudaChunkStorage& pool, const std::vector<int32_t>& path, int layer, int n_heads,
                  int32_t pos0, int32_t n_q, const float* q, const float* k, const float* v, float* out, void* stream) {
  const ChunkLayout& L = pool.layout();
  const TppDevicePlan plan = build_tpp_prefill_plan(path, L, n_heads, pos0, n_q);
  for (const TppChunkRef& r : plan.refs)
    if (r.chunk >= pool.capacity()) throw std::invalid_argument("CUDA prefill: chunk id outside the pool");
  TppKernelArgs a = base_args(pool, layer, n_heads);
  const PlanOffsets o = plan_offsets(plan);
  const std::vector<uint8_t> bytes = pack_plan(plan, o);
  DeviceBuffer buf(bytes.size());  // the packed prefill plan (plan_offsets)
  buf.upload(bytes.data(), bytes.size());
  const uint8_t* pb = static_cast<const uint8_t*>(buf.get());
  const auto* refs = reinterpret_cast<const TppChunkRef*>(pb + o.refs);
  if (k != nullptr || v != nullptr) {
    if (k == nullptr || v == nullptr) throw std::invalid_argument("CUDA prefill: pass both k and v, or neither");
    const dim3 grid(n_q, L.n_kv_heads);
    if (L.dtype == DType::F16)
      write_rows_kernel<__half><<<grid, 128, 0, as_stream(stream)>>>(static_cast<__half*>(pool.device_base()),
                                                                      a.chunk_elems, a.layer_offset, L.chunk_size,
                                                                      L.head_dim, L.n_kv_heads, refs, pos0, k, v);
    else
      write_rows_kernel<__nv_bfloat16><<<grid, 128, 0, as_stream(stream)>>>(
          static_cast<__nv_bfloat16*>(pool.device_base()), a.chunk_elems, a.layer_offset, L.chunk_size, L.head_dim,
          L.n_kv_heads, refs, pos0, k, v);
    check(cudaGetLastError(), "write_rows_kernel launch");
  }
  a.pieces = reinterpret_cast<const TppPiece*>(pb + o.sf);
  a.refs = refs;
  a.q_row = reinterpret_cast<const int32_t*>(pb + o.qrow);
  a.q = q;
  a.out = out;
  a.q_pos0 = pos0;
  check(static_cast<cudaError_t>(launch_tpp_tiles(L.dtype, L.head_dim, TppMode::FinalPrefill, a, 1,
                                                  row_blocks(n_q * a.group), false, stream)),
        "TPP prefill launch");
  check(cudaStreamSynchronize(as_stream(stream)), "prefill");  // the plan buffer is freed on return
}

// ---- device queries -----------------------------------------------------------------------------------
int cuda_multiprocessors() {
  int dev = 0, n = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev), "multiprocessor count");
  return n;
}

double cuda_copy_bandwidth(size_t bytes, int reps) {
  DeviceBuffer src(bytes), dst(bytes);  // [bytes] each
  check(cudaMemset(src.get(), 1, bytes), "memset");
  cudaEvent_t e0, e1;
  check(cudaEventCreate(&e0), "event");
  check(cudaEventCreate(&e1), "event");
  std::vector<float> ms;
  for (int r = 0; r < reps + 2; ++r) {  // two warm-ups
    check(cudaEventRecord(e0), "event record");
    check(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice), "copy");
    check(cudaEventRecord(e1), "event record");
    check(cudaEventSynchronize(e1), "event sync");
    float t = 0.f;
    check(cudaEventElapsedTime(&t, e0, e1), "elapsed");
    if (r >= 2) ms.push_back(t);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  std::sort(ms.begin(), ms.end());
  return 2.0 * static_cast<double>(bytes) / (ms[ms.size() / 2] * 1e-3);
}

void cuda_synchronize(const char* what) { check(cudaDeviceSynchronize(), what); }

}  // namespace chunkserve
