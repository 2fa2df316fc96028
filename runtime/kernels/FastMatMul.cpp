// Fast f32 matmul: a cache-blocked GEMM over packed panels (BLIS order:
// NC columns of B, KC-deep slices, MC rows of A, then MR x NR register
// tiles) and a GEMV path for single-row products. Work is split between
// threads over batch, M and N blocks only, never over K, so every output
// element sums its K slices in the same order whatever the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/format/PackedMatMul.h"
#include "runtime/kernels/Fast.h"

namespace lmc::kernels {
namespace {

constexpr int64_t kNr = kGemmNr;
// A's MC x KC block stays in L2, B's KC x NR micro-panels in L1. Each MC
// block re-reads B's KC x NC block; with B pre-packed (matmul_packed) that
// comes from the mapped constants, not from a packing buffer in cache, so
// MC = 132 keeps a 128-token prefill in one block (132 x 256 floats of A
// are 135 KB) and reads each weight once; it is a multiple of every
// level's MR (6 and 12).
constexpr int64_t kMc = 132, kKc = 256, kNc = 2048;
// matmul_packed's B is these very panels, read where the .bin maps it.
static_assert(kKc == format::kPackedKc && kNr == format::kPackedNr,
              "the packed layout must be the GEMM's blocking");

// Element (r, c) of a 2-D operand at p[r * rs + c * cs].
struct Matrix {
  float *p;
  int64_t rs, cs;
};

// Grow-only per-thread packing buffers: a matmul runs hundreds of times per
// model and must not allocate (or fault in fresh pages) each time.
float *scratch(std::vector<float> &buffer, size_t n) {
  if (buffer.size() < n)
    buffer.resize(n);
  return buffer.data();
}
thread_local std::vector<float> tlsPackA, tlsPackB, tlsRow;

// A[0:mc, 0:kc] as ceil(mc/MR) panels of [kc][MR], rows past mc zero.
void packA(const Matrix &a, int64_t mc, int64_t kc, int64_t MR, float *dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += kc * MR) {
    const int64_t mr = std::min(MR, mc - i0);
    for (int64_t i = 0; i < MR; ++i) {
      if (i >= mr) {
        for (int64_t k = 0; k < kc; ++k)
          dst[k * MR + i] = 0;
        continue;
      }
      const float *row = a.p + (i0 + i) * a.rs;
      for (int64_t k = 0; k < kc; ++k)
        dst[k * MR + i] = row[k * a.cs];
    }
  }
}

// B[0:kc, 0:nc] as ceil(nc/NR) panels of [kc][NR], columns past nc zero.
void packB(const Matrix &b, int64_t kc, int64_t nc, float *dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNr, dst += kc * kNr) {
    const int64_t nr = std::min(kNr, nc - j0);
    if (b.cs == 1 && nr == kNr) {
      for (int64_t k = 0; k < kc; ++k)
        std::memcpy(dst + k * kNr, b.p + k * b.rs + j0, sizeof(float) * kNr);
      continue;
    }
    // Column by column: reads contiguous memory when B is transposed.
    for (int64_t j = 0; j < kNr; ++j) {
      if (j >= nr) {
        for (int64_t k = 0; k < kc; ++k)
          dst[k * kNr + j] = 0;
        continue;
      }
      const float *col = b.p + (j0 + j) * b.cs;
      for (int64_t k = 0; k < kc; ++k)
        dst[k * kNr + j] = col[k * b.rs];
    }
  }
}

// B already packed (matmul_packed): the whole K x npad matrix at `base`,
// of which this product uses the columns from `col` (a multiple of NR).
struct Prepacked {
  const float *base;
  int64_t npad, col;
};

// C[0:M, 0:N] = A[0:M, 0:K] @ B[0:K, 0:N] on one thread; B from `b`,
// packed here, or from `pre` when it is not null.
void gemm(const SimdOps &ops, int64_t M, int64_t N, int64_t K, const Matrix &a, const Matrix &b,
          const Matrix &c, const Prepacked *pre = nullptr) {
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        c.p[i * c.rs + j * c.cs] = 0;
    return;
  }
  // The register tile: MR rows by up to `panels` panels (NC is a multiple).
  const int64_t MR = ops.gemmMr, panels = ops.gemmPanels, tileN = panels * kNr;
  float *packedB =
      pre ? nullptr : scratch(tlsPackB, size_t(kKc) * ((std::min(N, kNc) + kNr - 1) / kNr) * kNr);
  float *packedA = scratch(tlsPackA, size_t(kKc) * ((std::min(M, kMc) + MR - 1) / MR) * MR);
  for (int64_t jc = 0; jc < N; jc += kNc) {
    const int64_t nc = std::min(kNc, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKc) {
      const int64_t kc = std::min(kKc, K - pc);
      const bool accumulate = pc > 0;
      const float *blockB;
      if (pre) {
        // K block pc of the packed matrix, from its panel of column jc.
        blockB = pre->base + pc * pre->npad + (pre->col + jc) / kNr * kc * kNr;
      } else {
        packB({b.p + pc * b.rs + jc * b.cs, b.rs, b.cs}, kc, nc, packedB);
        blockB = packedB;
      }
      for (int64_t ic = 0; ic < M; ic += kMc) {
        const int64_t mc = std::min(kMc, M - ic);
        packA({a.p + ic * a.rs + pc * a.cs, a.rs, a.cs}, mc, kc, MR, packedA);
        for (int64_t jr = 0; jr < nc; jr += tileN) {
          const int64_t nr = std::min(tileN, nc - jr);
          // Only the panels this tile covers: the next may not exist.
          const int64_t np = (nr + kNr - 1) / kNr;
          const float *bp = blockB + (jr / kNr) * kc * kNr;
          // Pre-packed B comes from memory, and the first row tile of each
          // column would wait for it: every row tile asks for a slice of the
          // next column's panels (into L2) first. (A prefetch in the
          // micro-kernel's loop cost more than it saved.)
          const int64_t tiles = (mc + MR - 1) / MR;
          const float *nextB = bp + np * kc * kNr;
          const int64_t nextLines =
              jr + tileN < nc ? (std::min(tileN, nc - jr - tileN) + kNr - 1) / kNr * kc : 0;
          const int64_t slice = (nextLines + tiles - 1) / tiles;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            for (int64_t l = ir / MR * slice, end = std::min(nextLines, l + slice); l < end; ++l)
              __builtin_prefetch(nextB + l * kNr, 0, 2);
            const int64_t mr = std::min(MR, mc - ir);
            const float *ap = packedA + (ir / MR) * kc * MR;
            float *cp = c.p + (ic + ir) * c.rs + (jc + jr) * c.cs;
            if (mr == MR && nr == np * kNr && c.cs == 1) {
              ops.gemmMicro(kc, np, ap, bp, cp, c.rs, accumulate);
              continue;
            }
            // Edge or strided tile: through a buffer, with the same
            // arithmetic as a full tile.
            float tile[kGemmMaxMr * kGemmMaxPanels * kGemmNr];
            if (accumulate)
              for (int64_t i = 0; i < mr; ++i)
                for (int64_t j = 0; j < nr; ++j)
                  tile[i * tileN + j] = cp[i * c.rs + j * c.cs];
            ops.gemmMicro(kc, np, ap, bp, tile, tileN, accumulate);
            for (int64_t i = 0; i < mr; ++i)
              for (int64_t j = 0; j < nr; ++j)
                cp[i * c.rs + j * c.cs] = tile[i * tileN + j];
          }
        }
      }
    }
  }
}

// y[0:N] = x[0:K] @ B for one row x (contiguous), B with unit column or
// unit row stride.
void gemv(const SimdOps &ops, int64_t N, int64_t K, const float *x, const Matrix &b,
          const Matrix &c) {
  float *y = c.cs == 1 ? c.p : scratch(tlsRow, size_t(N));
  if (b.cs == 1)
    ops.gemvRows(K, N, x, b.p, b.rs, y);
  else
    ops.gemvCols(K, N, x, b.p, b.cs, y);
  if (c.cs != 1)
    for (int64_t j = 0; j < N; ++j)
      c.p[j * c.cs] = y[j];
}

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// How a GEMM's batches x M x N is cut into work items: N first, then M,
// into chunks aligned to the level's register tile; one item when not
// splitting. (Any NR-aligned cut gives the same results: it only decides
// which tiles run where.)
struct GemmSplit {
  int64_t nParts, mParts, nChunk, mChunk;
};

GemmSplit gemmSplit(const SimdOps &ops, bool split, int threads, int64_t batches, int64_t M,
                    int64_t N) {
  int64_t nParts = 1, mParts = 1;
  if (split && batches < 2 * threads) {
    const int64_t want = (2 * threads + batches - 1) / batches;
    nParts = std::min<int64_t>(want, (N + 63) / 64);
    mParts = std::min<int64_t>((want + nParts - 1) / nParts, (M + 23) / 24);
  }
  GemmSplit s;
  s.nChunk = roundUp((N + nParts - 1) / nParts, ops.gemmPanels * kNr);
  s.mChunk = roundUp((M + mParts - 1) / mParts, ops.gemmMr);
  s.nParts = (N + s.nChunk - 1) / s.nChunk;
  s.mParts = (M + s.mChunk - 1) / s.mChunk;
  return s;
}

// y[0:n] = x[0:K] @ B[:, col:col+n] for one contiguous row x and packed B
// (col a multiple of NR), K block by K block into whole panels.
void gemvPacked(const SimdOps &ops, int64_t K, int64_t n, const float *x, const Prepacked &b,
                float *y, int64_t ys) {
  const int64_t panels = (n + kNr - 1) / kNr;
  float *acc = scratch(tlsPackB, size_t(panels * kNr));
  for (int64_t k0 = 0; k0 < K; k0 += kKc) {
    const int64_t kc = std::min(kKc, K - k0);
    ops.gemvPanels(kc, panels, x + k0, b.base + k0 * b.npad + b.col / kNr * kc * kNr, acc,
                   k0 > 0);
  }
  for (int64_t j = 0; j < n; ++j)
    y[j * ys] = acc[j];
}

} // namespace

bool fastMatMul(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                const ExecOptions &options) {
  using format::DType;
  if (o.dtype != DType::F32 || a.dtype != DType::F32 || b.dtype != DType::F32)
    return false;
  const SimdOps &ops = simdOps(options);
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 1];
  if (M == 0 || N == 0)
    return true;
  int64_t batches = 1;
  for (int k = 0; k < r - 2; ++k)
    batches *= o.shape[k];
  if (batches == 0)
    return true;
  // Element offsets of batch `t` in o, a, b (row-major over the batch dims).
  auto batchBase = [&](int64_t t, int64_t base[3]) {
    base[0] = base[1] = base[2] = 0;
    for (int k = r - 3; k >= 0; --k) {
      const int64_t i = t % o.shape[k];
      t /= o.shape[k];
      base[0] += i * o.strides[k];
      base[1] += i * a.strides[k];
      base[2] += i * b.strides[k];
    }
  };
  float *po = typed<float>(o);
  float *pa = typed<float>(a);
  float *pb = typed<float>(b);
  const int threads = options.parallel ? options.parallel->numThreads() : 1;
  // Below this many multiply-adds a matmul is not worth splitting.
  const bool split = threads > 1 && M * N * K >= (int64_t(1) << 16);

  const bool isGemv = M == 1 && (b.strides[r - 1] == 1 || b.strides[r - 2] == 1);
  if (isGemv) {
    // Chunks of whole 64-column blocks per batch, enough for every thread.
    int64_t perBatch = 1;
    if (split && batches < 2 * threads)
      perBatch = std::min<int64_t>((2 * threads + batches - 1) / batches * 2, (N + 63) / 64);
    const int64_t chunk = roundUp((N + perBatch - 1) / perBatch, 64);
    perBatch = (N + chunk - 1) / chunk;
    parallelFor(split ? options : ExecOptions{}, batches * perBatch, 1,
                [&](int64_t begin, int64_t end) {
                  for (int64_t item = begin; item < end; ++item) {
                    int64_t base[3];
                    batchBase(item / perBatch, base);
                    const int64_t j0 = (item % perBatch) * chunk;
                    const int64_t n = std::min(chunk, N - j0);
                    const float *x = pa + base[1];
                    if (a.strides[r - 1] != 1 && K > 0) {
                      float *row = scratch(tlsPackA, size_t(K));
                      for (int64_t k = 0; k < K; ++k)
                        row[k] = x[k * a.strides[r - 1]];
                      x = row;
                    }
                    const Matrix bm{pb + base[2] + j0 * b.strides[r - 1], b.strides[r - 2],
                                    b.strides[r - 1]};
                    const Matrix cm{po + base[0] + j0 * o.strides[r - 1], o.strides[r - 2],
                                    o.strides[r - 1]};
                    if (K == 0) {
                      for (int64_t j = 0; j < n; ++j)
                        cm.p[j * cm.cs] = 0;
                      continue;
                    }
                    gemv(ops, n, K, x, bm, cm);
                  }
                });
    return true;
  }

  // GEMM: split N (B is usually the larger, weight operand, so each thread
  // packs a disjoint part of it), then M, into NR/MR-aligned blocks.
  const GemmSplit sp = gemmSplit(ops, split, threads, batches, M, N);
  const int64_t nParts = sp.nParts, mParts = sp.mParts, nChunk = sp.nChunk, mChunk = sp.mChunk;
  const int64_t perBatch = nParts * mParts;
  parallelFor(
      split ? options : ExecOptions{}, batches * perBatch, 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
          int64_t base[3];
          batchBase(item / perBatch, base);
          const int64_t part = item % perBatch;
          const int64_t i0 = (part / nParts) * mChunk, j0 = (part % nParts) * nChunk;
          const int64_t m = std::min(mChunk, M - i0), n = std::min(nChunk, N - j0);
          const Matrix am{pa + base[1] + i0 * a.strides[r - 2], a.strides[r - 2], a.strides[r - 1]};
          const Matrix bm{pb + base[2] + j0 * b.strides[r - 1], b.strides[r - 2], b.strides[r - 1]};
          const Matrix cm{po + base[0] + i0 * o.strides[r - 2] + j0 * o.strides[r - 1],
                          o.strides[r - 2], o.strides[r - 1]};
          gemm(ops, m, n, K, am, bm, cm);
        }
      });
  return true;
}

bool fastMatMulPacked(const TensorRef &o, const TensorRef &a, const TensorRef &b,
                      const ExecOptions &options) {
  using format::DType;
  if (o.dtype != DType::F32 || a.dtype != DType::F32 || b.dtype != DType::F32)
    return false;
  const SimdOps &ops = simdOps(options);
  const int r = o.rank;
  const int64_t M = a.shape[r - 2], K = a.shape[r - 1], N = o.shape[r - 1];
  int64_t batches = 1;
  for (int k = 0; k < r - 2; ++k)
    batches *= o.shape[k];
  if (M == 0 || N == 0 || batches == 0)
    return true;
  // Element offsets of batch `t` in o and a; B is shared by all batches.
  auto batchBase = [&](int64_t t, int64_t base[2]) {
    base[0] = base[1] = 0;
    for (int k = r - 3; k >= 0; --k) {
      const int64_t i = t % o.shape[k];
      t /= o.shape[k];
      base[0] += i * o.strides[k];
      base[1] += i * a.strides[k];
    }
  };
  float *po = typed<float>(o);
  float *pa = typed<float>(a);
  const float *pb = typed<float>(b);
  const int64_t npad = format::packedColumns(N);
  const int threads = options.parallel ? options.parallel->numThreads() : 1;
  const bool split = threads > 1 && M * N * K >= (int64_t(1) << 16);
  const GemmSplit sp = gemmSplit(ops, split, threads, batches, M, N);
  const int64_t perBatch = sp.nParts * sp.mParts;
  parallelFor(
      split ? options : ExecOptions{}, batches * perBatch, 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
          int64_t base[2];
          batchBase(item / perBatch, base);
          const int64_t part = item % perBatch;
          const int64_t i0 = (part / sp.nParts) * sp.mChunk, j0 = (part % sp.nParts) * sp.nChunk;
          const int64_t m = std::min(sp.mChunk, M - i0), n = std::min(sp.nChunk, N - j0);
          const Prepacked pre{pb, npad, j0};
          const Matrix cm{po + base[0] + i0 * o.strides[r - 2] + j0 * o.strides[r - 1],
                          o.strides[r - 2], o.strides[r - 1]};
          if (K == 0) {
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < n; ++j)
                cm.p[i * cm.rs + j * cm.cs] = 0;
            continue;
          }
          if (M == 1) {
            // One row: a GEMV over the panels (A's row made contiguous).
            // Only for M == 1, never an edge row, so that no output
            // element's arithmetic depends on the split.
            const float *x = pa + base[1] + i0 * a.strides[r - 2];
            if (a.strides[r - 1] != 1) {
              float *row = scratch(tlsRow, size_t(K));
              for (int64_t k = 0; k < K; ++k)
                row[k] = x[k * a.strides[r - 1]];
              x = row;
            }
            gemvPacked(ops, K, n, x, pre, cm.p, cm.cs);
            continue;
          }
          const Matrix am{pa + base[1] + i0 * a.strides[r - 2], a.strides[r - 2], a.strides[r - 1]};
          gemm(ops, m, n, K, am, Matrix{nullptr, 0, 0}, cm, &pre);
        }
      });
  return true;
}

} // namespace lmc::kernels
