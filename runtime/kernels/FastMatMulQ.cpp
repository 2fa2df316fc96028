// matmul_q's fast path: every row of A quantized once (bit for bit
// quantizeActivationRow), then exact integer dot products against B's
// panels read in place (FORMAT.md "Quantized B") by the SIMD level's tile
// routine, and the f32 group scaling. Rows of every batch share B, so the
// batches are just more rows. Work is split between threads over row blocks
// and panel chunks, never over K.
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/kernels/Fast.h"
#include "runtime/kernels/FastQuant.h"

namespace lmc::kernels {
namespace {

using format::QuantScheme;

// Rows per work item: a 128-token prefill is one block, so each panel comes
// from memory once while the block's quantized rows (128 x K bytes) stay in
// L2.
constexpr int64_t kRowBlock = 128;
// Panels per work item when one thread has all the work; bounds the output
// tile (rows x 16 x kPanelChunk floats) of the items that cannot write
// into o directly.
constexpr int64_t kPanelChunk = 32;
// Multiples of these keep the tile routines on their widest register tiles
// when the work is split (4 panels for one row; 6 rows on AVX-512).
constexpr int64_t kPanelAlign = 4, kRowAlign = 6;

// Grow-only buffers: a matmul_q runs hundreds of times per model.
template <typename T> T *scratch(std::vector<T> &buffer, size_t n) {
  if (buffer.size() < n)
    buffer.resize(n);
  return buffer.data();
}
// The calling thread's quantized rows (read by every worker) and the
// workers' own row copies and output tiles.
thread_local std::vector<int8_t> tlsQ;
thread_local std::vector<int32_t> tlsSums;
thread_local std::vector<float> tlsScale, tlsEdgeScales, tlsRow, tlsTile;

int64_t ceilDiv(int64_t x, int64_t m) { return (x + m - 1) / m; }
int64_t roundUp(int64_t x, int64_t m) { return ceilDiv(x, m) * m; }

// Element offset of batch `t` (row-major over the batch dims) in `x`.
int64_t batchOffset(const TensorRef &shapeOf, const TensorRef &x, int64_t t) {
  int64_t offset = 0;
  for (int k = shapeOf.rank - 3; k >= 0; --k) {
    offset += t % shapeOf.shape[k] * x.strides[k];
    t /= shapeOf.shape[k];
  }
  return offset;
}

// How the rows x panels of the output are cut into work items.
struct Split {
  int64_t rowBlock, panelChunk, rowParts, panelParts;
};

// Panels first (each thread then streams its own part of B), rows when
// there are too few panels; about four items per thread.
Split splitWork(int64_t rows, int64_t panels, int threads) {
  Split s{std::min(rows, kRowBlock), std::min(panels, kPanelChunk), 0, 0};
  s.rowParts = ceilDiv(rows, s.rowBlock);
  s.panelParts = ceilDiv(panels, s.panelChunk);
  const int64_t want = 4 * int64_t(threads);
  if (threads > 1 && s.rowParts * s.panelParts < want) {
    s.panelParts = std::min(ceilDiv(panels, kPanelAlign), ceilDiv(want, s.rowParts));
    s.panelChunk = roundUp(ceilDiv(panels, s.panelParts), kPanelAlign);
    s.panelParts = ceilDiv(panels, s.panelChunk);
    if (s.rowParts * s.panelParts < want) {
      s.rowParts = std::min(ceilDiv(rows, kRowAlign), ceilDiv(want, s.panelParts));
      s.rowBlock = roundUp(ceilDiv(rows, s.rowParts), kRowAlign);
      s.rowParts = ceilDiv(rows, s.rowBlock);
    }
  }
  return s;
}

}  // namespace

const QuantOps &quantOps(const ExecOptions &options) {
  switch (simdLevel(options)) {
  case SimdLevel::Avx512:
    if (const QuantOps *ops = avx512QuantOps(); ops && cpuHasAvx512Vnni())
      return *ops;
    [[fallthrough]];
  case SimdLevel::Avx2Vnni:
    if (const QuantOps *ops = avxVnniQuantOps(); ops && cpuHasAvxVnni())
      return *ops;
    [[fallthrough]];
  case SimdLevel::Avx2:
    if (const QuantOps *ops = avx2QuantOps())
      return *ops;
    [[fallthrough]];
  case SimdLevel::Portable:
    break;
  }
  return portableQuantOps();
}

bool fastMatMulQ(const TensorRef &o, const TensorRef &a, const TensorRef &b, const TensorRef &c,
                 const int64_t *imms, const ExecOptions &options) {
  using format::DType;
  if (o.dtype != DType::F32 || a.dtype != DType::F32 || b.dtype != DType::U8 ||
      c.dtype != DType::F32 || c.rank != 2)
    return false;
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = o.shape[r - 1];
  if (!format::checkQuantParams(imms[0], K, N, imms[1]).empty())
    return false;
  int64_t batches = 1;
  for (int k = 0; k < r - 2; ++k)
    batches *= o.shape[k];
  const int64_t R = batches * M;
  if (R == 0 || N == 0)
    return true;
  const auto scheme = static_cast<QuantScheme>(imms[0]);
  const int64_t G = imms[1], groups = format::quantGroups(K, G);
  const QuantShape shape{scheme,  K, format::quantPaddedK(scheme, K), G, groups,
                         format::quantPanelBytes(scheme, K)};
  const QuantOps &ops = quantOps(options);
  const int threads = options.parallel ? options.parallel->numThreads() : 1;
  // Below this many multiply-adds a matmul is not worth splitting.
  const bool split = threads > 1 && R * N * K >= (int64_t(1) << 16);
  const ExecOptions serial;
  const ExecOptions &par = split ? options : serial;

  // Every row quantized once, for all the panels. Rows are 64-aligned and
  // zero-padded to Kp, as the panels are.
  const int64_t qStride = roundUp(shape.Kp, 64);
  int8_t *q = scratch(tlsQ, size_t(R * qStride));
  int32_t *sums = scratch(tlsSums, size_t(R * groups));
  float *scale = scratch(tlsScale, size_t(R));
  const float *pa = typed<float>(a);
  const int64_t sam = a.strides[r - 2], sak = a.strides[r - 1];
  parallelFor(par, R, std::max<int64_t>(1, 4096 / K), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const float *x = pa + batchOffset(o, a, row / M) + row % M * sam;
      if (sak != 1) {
        float *copy = scratch(tlsRow, size_t(K));
        for (int64_t k = 0; k < K; ++k)
          copy[k] = x[k * sak];
        x = copy;
      }
      int8_t *qr = q + row * qStride;
      scale[row] = ops.quantizeRow(x, K, qr);
      std::memset(qr + K, 0, size_t(qStride - K));
      for (int64_t g = 0; g < groups; ++g) {
        int32_t sum = 0;
        for (int64_t k = g * G; k < std::min(K, (g + 1) * G); ++k)
          sum += qr[k];
        sums[row * groups + g] = sum;
      }
    }
  });

  // The scales of a last, partial panel, zero-padded to 16 columns: the
  // tile routines read whole panels and c ends at column N.
  const int64_t panels = ceilDiv(N, format::kQuantPanel), fullPanels = N / format::kQuantPanel;
  const float *pc = typed<float>(c);
  const int64_t scaleRow = c.strides[0];
  float *edgeScales = nullptr;
  if (fullPanels < panels) {
    edgeScales = scratch(tlsEdgeScales, size_t(groups * format::kQuantPanel));
    std::fill(edgeScales, edgeScales + groups * format::kQuantPanel, 0.0f);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < N - fullPanels * format::kQuantPanel; ++j)
        edgeScales[g * format::kQuantPanel + j] =
            pc[g * scaleRow + (fullPanels * format::kQuantPanel + j) * c.strides[1]];
  }

  const Split sp = splitWork(R, panels, split ? threads : 1);
  float *po = typed<float>(o);
  const int64_t som = o.strides[r - 2], son = o.strides[r - 1];
  parallelFor(par, sp.rowParts * sp.panelParts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r0 = item / sp.panelParts * sp.rowBlock, rows = std::min(sp.rowBlock, R - r0);
      const int64_t p0 = item % sp.panelParts * sp.panelChunk,
                    p1 = std::min(panels, p0 + sp.panelChunk);
      const QuantRows rowsView{q + r0 * qStride, qStride, sums + r0 * groups, scale + r0};
      const int64_t full = std::min(p1, fullPanels) - p0;
      const int64_t n0 = p0 * format::kQuantPanel, n = std::min(N, p1 * format::kQuantPanel) - n0;
      // Whole panels of a block inside one batch go straight into a
      // unit-stride o; the rest through a tile, then into o's layout
      // without the padding columns.
      const bool direct = son == 1 && r0 / M == (r0 + rows - 1) / M;
      float *dst = po + batchOffset(o, o, r0 / M) + r0 % M * som + n0;
      if (direct && full > 0)
        ops.tile(shape, rowsView,
                 {b.data + p0 * shape.panelBytes, pc + p0 * format::kQuantPanel, scaleRow, dst,
                  som, rows, full});
      const int64_t first = direct ? full : 0;  // panels done in place
      if (p0 + first == p1)
        continue;
      const int64_t ldo = (p1 - p0 - first) * format::kQuantPanel;
      float *out = scratch(tlsTile, size_t(rows * ldo));
      if (full > first)
        ops.tile(shape, rowsView,
                 {b.data + (p0 + first) * shape.panelBytes,
                  pc + (p0 + first) * format::kQuantPanel, scaleRow, out, ldo, rows, full - first});
      if (p1 > fullPanels)
        ops.tile(shape, rowsView,
                 {b.data + fullPanels * shape.panelBytes, edgeScales, format::kQuantPanel,
                  out + (fullPanels - p0 - first) * format::kQuantPanel, ldo, rows, 1});
      const int64_t c0 = first * format::kQuantPanel;
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t row = r0 + i;
        float *d = po + batchOffset(o, o, row / M) + row % M * som + (n0 + c0) * son;
        const float *src = out + i * ldo;
        if (son == 1) {
          std::memcpy(d, src, sizeof(float) * size_t(n - c0));
          continue;
        }
        for (int64_t j = 0; j < n - c0; ++j)
          d[j * son] = src[j];
      }
    }
  });
  return true;
}

}  // namespace lmc::kernels
