// Kernel tests for data movement: copy, concat, gather, trilu, scatter, window, where.
#include <algorithm>
#include <limits>

#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;

TEST(CopyKernel, TransposeViaStrides) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6};  // [2,3]
  std::vector<float> o(6, -1);
  // o[3,2] = a^T: read a with strides [1,3].
  runOk(Opcode::Copy, {view(o, DType::F32, {3, 2}), view(a, DType::F32, {3, 2}, {1, 3})});
  EXPECT_EQ(o, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(CopyKernel, NegativeStridesReverse) {
  std::vector<int64_t> a = {10, 11, 12, 13, 14};
  std::vector<int64_t> o(5);
  runOk(Opcode::Copy, {view(o, DType::I64, {5}), view(a, DType::I64, {5}, {-1}, 4)});
  EXPECT_EQ(o, (std::vector<int64_t>{14, 13, 12, 11, 10}));
}

TEST(CopyKernel, BroadcastAndOddRank5) {
  std::vector<uint16_t> a = {7, 8, 9};  // f16 bit patterns: moved by size
  std::vector<uint16_t> o(2 * 1 * 3 * 1 * 2);
  // o[2,1,3,1,2][i,0,j,0,k] = a[j]
  runOk(Opcode::Copy,
        {view(o, DType::F16, {2, 1, 3, 1, 2}), view(a, DType::F16, {2, 1, 3, 1, 2}, {0, 0, 1, 0, 0})});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k)
        EXPECT_EQ(o[(i * 3 + j) * 2 + k], a[j]);
}

TEST(CopyKernel, Rank0AndEmpty) {
  std::vector<int32_t> a = {42}, o = {0};
  runOk(Opcode::Copy, {view(o, DType::I32, {}), view(a, DType::I32, {})});
  EXPECT_EQ(o[0], 42);
  std::vector<int32_t> e = {5};
  runOk(Opcode::Copy, {view(e, DType::I32, {0, 3}), view(a, DType::I32, {0, 3})});
  EXPECT_EQ(e[0], 5);
}

TEST(ConcatKernel, AxisOneOddSizes) {
  std::vector<int32_t> a = {1, 2, 3, 4};          // [2,2]
  std::vector<int32_t> b = {5, 6, 7, 8, 9, 10};   // [2,3]
  std::vector<int32_t> c = {11, 12};              // [2,1]
  std::vector<int32_t> o(12);
  runOk(Opcode::Concat,
        {view(o, DType::I32, {2, 6}), view(a, DType::I32, {2, 2}), view(b, DType::I32, {2, 3}),
         view(c, DType::I32, {2, 1})},
        {1});
  EXPECT_EQ(o, (std::vector<int32_t>{1, 2, 5, 6, 7, 11, 3, 4, 8, 9, 10, 12}));
}

TEST(ConcatKernel, AxisZeroIntoStridedOutput) {
  std::vector<float> a = {1, 2}, b = {3, 4, 5, 6};
  std::vector<float> o(6);
  // o is [3,2] stored transposed (column-major).
  runOk(Opcode::Concat,
        {view(o, DType::F32, {3, 2}, {1, 3}), view(a, DType::F32, {1, 2}),
         view(b, DType::F32, {2, 2})},
        {0});
  EXPECT_EQ(o, (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST(GatherKernel, EmbeddingWithNegativeIndices) {
  std::vector<float> table(5 * 3);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = float(i);
  std::vector<int64_t> ids = {0, 4, -1, 2};  // [2,2]
  std::vector<float> o(2 * 2 * 3);
  runOk(Opcode::Gather,
        {view(o, DType::F32, {2, 2, 3}), view(table, DType::F32, {5, 3}),
         view(ids, DType::I64, {2, 2})},
        {0});
  for (int t = 0; t < 4; ++t) {
    int64_t row = ids[t] < 0 ? ids[t] + 5 : ids[t];
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ(o[t * 3 + d], table[row * 3 + d]) << t << "," << d;
  }
}

TEST(GatherKernel, InnerAxisWithI32Indices) {
  std::vector<int64_t> a = {1, 2, 3, 4, 5, 6};  // [2,3]
  std::vector<int32_t> ids = {2, 0};
  std::vector<int64_t> o(4);
  runOk(Opcode::Gather,
        {view(o, DType::I64, {2, 2}), view(a, DType::I64, {2, 3}), view(ids, DType::I32, {2})},
        {1});
  EXPECT_EQ(o, (std::vector<int64_t>{3, 1, 6, 4}));
}

TEST(GatherKernel, IndexOutOfRangeIsAnError) {
  std::vector<float> table(6, 1.0f);
  std::vector<int64_t> ids = {1, 3};
  std::vector<float> o(4, -7.0f);
  absl::Status s = run(Opcode::Gather,
                       {view(o, DType::F32, {2, 2}), view(table, DType::F32, {3, 2}),
                        view(ids, DType::I64, {2})},
                       {0});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gather index 3 at [1]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("[-3, 3)"), std::string::npos) << s;
  EXPECT_EQ(o[0], -7.0f) << "the output must stay untouched";
}

// A naive ScatterElements (ONNX's definition, indices in row-major order)
// over a row-major [d0, d1, d2] tensor.
std::vector<float> scatterReference(std::vector<float> data, const int64_t *dims,
                                    const std::vector<int64_t> &idx, const int64_t *idims,
                                    const std::vector<float> &upd, int axis) {
  for (int64_t i = 0; i < idims[0]; ++i)
    for (int64_t j = 0; j < idims[1]; ++j)
      for (int64_t k = 0; k < idims[2]; ++k) {
        int64_t e = (i * idims[1] + j) * idims[2] + k;
        int64_t at[3] = {i, j, k};
        int64_t v = idx[e];
        at[axis] = v < 0 ? v + dims[axis] : v;
        data[(at[0] * dims[1] + at[1]) * dims[2] + at[2]] = upd[e];
      }
  return data;
}

TEST(ScatterKernel, EveryAxisAgainstNaiveLoops) {
  const int64_t dims[3] = {2, 5, 3};
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t idims[3] = {axis == 0 ? 2 : 1, axis == 1 ? 4 : 2, axis == 2 ? 3 : 2};
    const int64_t n = dims[axis], count = idims[0] * idims[1] * idims[2];
    std::vector<float> data = randomFloats(30, 2.0f, 3 + axis);
    std::vector<float> upd = randomFloats(size_t(count), 2.0f, 7 + axis);
    std::vector<int64_t> idx(static_cast<size_t>(count));
    for (int64_t e = 0; e < count; ++e)
      idx[e] = (e * 3 + axis) % n - (e % 2 ? n : 0);  // negative ones too
    std::vector<float> o = data;
    runOk(Opcode::Scatter,
          {view(o, DType::F32, {2, 5, 3}), view(idx, DType::I64, {idims[0], idims[1], idims[2]}),
           view(upd, DType::F32, {idims[0], idims[1], idims[2]})},
          {axis});
    EXPECT_EQ(o, scatterReference(data, dims, idx, idims, upd, axis)) << "axis " << axis;
  }
}

TEST(ScatterKernel, KvCacheRowsThroughBroadcastIndices) {
  // The KV-cache update: a [1, H=2, N=6, hd=3] cache, S = 2 new rows at
  // positions 3 and 4 broadcast over heads and head dims (zero strides).
  std::vector<float> cache(2 * 6 * 3, 0.5f), rows(2 * 2 * 3);
  for (size_t i = 0; i < rows.size(); ++i)
    rows[i] = float(i + 1);
  std::vector<int32_t> positions = {3, 4};
  runOk(Opcode::Scatter,
        {view(cache, DType::F32, {1, 2, 6, 3}),
         view(positions, DType::I32, {1, 2, 2, 3}, {0, 0, 1, 0}),
         view(rows, DType::F32, {1, 2, 2, 3})},
        {2});
  for (int h = 0; h < 2; ++h)
    for (int slot = 0; slot < 6; ++slot)
      for (int d = 0; d < 3; ++d) {
        float want = slot == 3 || slot == 4 ? rows[(h * 2 + slot - 3) * 3 + d] : 0.5f;
        EXPECT_EQ(cache[(h * 6 + slot) * 3 + d], want) << h << "," << slot << "," << d;
      }
}

TEST(ScatterKernel, DuplicatesLastWinsAndBadIndexLeavesOutputUntouched) {
  std::vector<int16_t> o = {1, 2, 3, 4};
  std::vector<int64_t> idx = {2, 2};
  std::vector<int16_t> upd = {7, 9};
  runOk(Opcode::Scatter, {view(o, DType::I16, {4}), view(idx, DType::I64, {2}),
                          view(upd, DType::I16, {2})},
        {0});
  EXPECT_EQ(o, (std::vector<int16_t>{1, 2, 9, 4}));
  std::vector<int64_t> bad = {1, 4};
  absl::Status s = run(Opcode::Scatter, {view(o, DType::I16, {4}), view(bad, DType::I64, {2}),
                                         view(upd, DType::I16, {2})},
                       {0});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("scatter index 4 at [1]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("[-4, 4)"), std::string::npos) << s;
  EXPECT_EQ(o, (std::vector<int16_t>{1, 2, 9, 4})) << "the output must stay untouched";
}

TEST(TriluKernel, UpperAndLowerWithBatch) {
  const int B = 2, M = 3, N = 4;
  std::vector<float> a(B * M * N);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float(i + 1);
  for (int upper = 0; upper <= 1; ++upper)
    for (int64_t k : {-1, 0, 2}) {
      std::vector<float> o(a.size(), -1);
      runOk(Opcode::Trilu, {view(o, DType::F32, {B, M, N}), view(a, DType::F32, {B, M, N})},
            {k, upper});
      for (int b = 0; b < B; ++b)
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < N; ++j) {
            bool keep = upper ? (j - i >= k) : (j - i <= k);
            size_t at = (b * M + i) * N + j;
            EXPECT_EQ(o[at], keep ? a[at] : 0.0f) << "upper=" << upper << " k=" << k;
          }
    }
}

TEST(TriluKernel, InPlaceI64) {
  std::vector<int64_t> a = {1, 2, 3, 4};
  runOk(Opcode::Trilu, {view(a, DType::I64, {2, 2}), view(a, DType::I64, {2, 2})}, {0, 0});
  EXPECT_EQ(a, (std::vector<int64_t>{1, 0, 3, 4}));
}

// The window geometry of one spatial axis: kernel, stride, dilation, pad,
// input dilation, output size.
struct Axis {
  int64_t k, s, d, p, u, out;
};

// window's imms for up to 3 axes (the rest 1, 1, 1, 0, 1, 1) and pad bits.
std::vector<int64_t> windowImms(const std::vector<Axis> &axes, int64_t padBits) {
  std::vector<int64_t> imms;
  for (size_t i = 0; i < 3; ++i) {
    Axis a = i < axes.size() ? axes[i] : Axis{1, 1, 1, 0, 1, 1};
    imms.insert(imms.end(), {a.k, a.s, a.d, a.p, a.u, a.out});
  }
  imms.push_back(padBits);
  return imms;
}

// The naive definition, computed another way: materialize the input
// dilated (zeros become `pad`) and padded on both sides, then read each
// window from it.
std::vector<float> naiveWindow(const std::vector<float> &a, int64_t n, int64_t c,
                               const std::vector<int64_t> &dims, const std::vector<Axis> &axes,
                               float pad) {
  const size_t s = dims.size();
  std::vector<int64_t> big(s), before(s);
  for (size_t i = 0; i < s; ++i) {
    // Enough padding for every read; negative pads crop by reading further in.
    before[i] = std::max<int64_t>(axes[i].p, 0);
    int64_t last = (axes[i].out - 1) * axes[i].s + (axes[i].k - 1) * axes[i].d - axes[i].p;
    int64_t dilated = (dims[i] - 1) * axes[i].u + 1;
    big[i] = before[i] + std::max(dilated, last + 1);
  }
  int64_t bigCount = 1, k = 1, p = 1;
  for (size_t i = 0; i < s; ++i) {
    bigCount *= big[i];
    k *= axes[i].k;
    p *= axes[i].out;
  }
  std::vector<float> o(size_t(n * c * k * p));
  for (int64_t b = 0; b < n * c; ++b) {
    std::vector<float> padded(size_t(bigCount), pad);
    int64_t inCount = 1;
    for (int64_t d : dims)
      inCount *= d;
    for (int64_t e = 0; e < inCount; ++e) {
      int64_t rest = e, at = 0;
      std::vector<int64_t> idx(s);
      for (size_t i = s; i-- > 0;) {
        idx[i] = rest % dims[i];
        rest /= dims[i];
      }
      for (size_t i = 0; i < s; ++i)
        at = at * big[i] + before[i] + idx[i] * axes[i].u;
      padded[size_t(at)] = a[size_t(b * inCount + e)];
    }
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t pp = 0; pp < p; ++pp) {
        int64_t kr = kk, pr = pp, at = 0;
        std::vector<int64_t> j(s), q(s);
        for (size_t i = s; i-- > 0;) {
          j[i] = kr % axes[i].k;
          kr /= axes[i].k;
          q[i] = pr % axes[i].out;
          pr /= axes[i].out;
        }
        bool inside = true;
        for (size_t i = 0; i < s; ++i) {
          int64_t x = before[i] + q[i] * axes[i].s + j[i] * axes[i].d - axes[i].p;
          inside = inside && x >= 0 && x < big[i];
          at = at * big[i] + x;
        }
        o[size_t((b * k + kk) * p + pp)] = inside ? padded[size_t(at)] : pad;
      }
  }
  return o;
}

void checkWindow(int64_t n, int64_t c, const std::vector<int64_t> &dims,
                 const std::vector<Axis> &axes, float pad) {
  int64_t count = n * c, k = 1, p = 1;
  for (int64_t d : dims)
    count *= d;
  for (const Axis &a : axes) {
    k *= a.k;
    p *= a.out;
  }
  std::vector<float> a = randomFloats(size_t(count), 2.0f, uint32_t(count));
  std::vector<float> o(size_t(n * c * k * p), 12345.0f);
  std::vector<int64_t> shape{n, c};
  shape.insert(shape.end(), dims.begin(), dims.end());
  uint32_t bits;
  std::memcpy(&bits, &pad, sizeof bits);
  runOk(Opcode::Window, {view(o, DType::F32, {n, c, k, p}), view(a, DType::F32, shape)},
        windowImms(axes, bits));
  EXPECT_EQ(o, naiveWindow(a, n, c, dims, axes, pad));
}

TEST(WindowKernel, Conv1dStridedPadded) {
  checkWindow(2, 3, {7}, {{3, 2, 1, 1, 1, 4}}, 0.0f);
}

TEST(WindowKernel, Pool2dDilatedAsymmetricPadsMinusInfinity) {
  // 5x6 input, 3x2 kernel, strides 2x1, dilations 2x3, pads (2, 1) before;
  // outputs past the end read the pad value (ceil_mode).
  checkWindow(1, 2, {5, 6}, {{3, 2, 2, 2, 1, 3}, {2, 1, 3, 1, 1, 5}},
              -std::numeric_limits<float>::infinity());
}

TEST(WindowKernel, TransposedConvInputDilationAndCrop) {
  // ConvTranspose stride 3 = input dilation 3; a negative pad crops.
  checkWindow(1, 2, {4, 3}, {{2, 1, 1, 1, 3, 11}, {3, 1, 2, -1, 2, 3}}, 0.0f);
}

TEST(WindowKernel, Conv3d) {
  checkWindow(1, 2, {3, 4, 5}, {{2, 1, 1, 0, 1, 2}, {3, 1, 1, 1, 1, 4}, {2, 2, 1, 1, 1, 3}}, 0.0f);
}

TEST(WindowKernel, U8PadBitsAndStridedOutput) {
  // u8 [1, 1, 4] with kernel 2, pad 1: the pad value is its low byte.
  std::vector<uint8_t> a = {1, 2, 3, 4};
  std::vector<uint8_t> o(2 * 5, 0);
  // o [1, 1, 2, 5] stored transposed: strides [10, 10, 1, 2].
  runOk(Opcode::Window,
        {view(o, DType::U8, {1, 1, 2, 5}, {10, 10, 1, 2}), view(a, DType::U8, {1, 1, 4})},
        windowImms({{2, 1, 1, 1, 1, 5}}, 0x1FF));
  EXPECT_EQ(o, (std::vector<uint8_t>{255, 1, 1, 2, 2, 3, 3, 4, 4, 255}));
}

TEST(WindowKernel, RejectsBadGeometry) {
  std::vector<float> a(8), o(16);
  auto check = [&](std::vector<int64_t> imms, std::vector<int64_t> oShape) {
    std::vector<format::Region> r = {regionOf(view(o, DType::F32, oShape)),
                                     regionOf(view(a, DType::F32, {1, 1, 8}))};
    return format::checkOperands(Opcode::Window, r.data(), 2, imms.data());
  };
  EXPECT_EQ(check(windowImms({{2, 1, 1, 0, 1, 7}}, 0), {1, 1, 2, 7}), "");
  EXPECT_NE(check(windowImms({{2, 0, 1, 0, 1, 7}}, 0), {1, 1, 2, 7}), "");  // stride 0
  EXPECT_NE(check(windowImms({{2, 1, 1, 0, 1, 6}}, 0), {1, 1, 2, 7}), "");  // P mismatch
  EXPECT_NE(check(windowImms({{2, 1, 1, 0, 1, 7}, {2, 1, 1, 0, 1, 1}}, 0), {1, 1, 4, 7}),
            "");  // a second axis the input lacks
}

TEST(WhereKernel, BroadcastCondition) {
  std::vector<uint8_t> cond = {1, 0, 1};  // broadcast over rows
  std::vector<int64_t> a = {1, 2, 3, 4, 5, 6}, b = {-1, -2, -3, -4, -5, -6};
  std::vector<int64_t> o(6);
  runOk(Opcode::Where,
        {view(o, DType::I64, {2, 3}), view(cond, DType::Bool, {2, 3}, {0, 1}),
         view(a, DType::I64, {2, 3}), view(b, DType::I64, {2, 3})});
  EXPECT_EQ(o, (std::vector<int64_t>{1, -2, 3, 4, -5, 6}));
}

TEST(WhereKernel, F32ScalarBroadcastValue) {
  std::vector<uint8_t> cond = {0, 1, 1, 0};
  std::vector<float> a = {9}, b = {1, 2, 3, 4};
  std::vector<float> o(4);
  runOk(Opcode::Where,
        {view(o, DType::F32, {4}), view(cond, DType::Bool, {4}), view(a, DType::F32, {4}, {0}),
         view(b, DType::F32, {4})});
  EXPECT_EQ(o, (std::vector<float>{1, 9, 9, 4}));
}

}  // namespace
}  // namespace lmc::testing
