// Kernel tests for cast and the hand-written f16/bf16 conversions.
#include <cmath>
#include <cstring>
#include <limits>

#include "runtime/kernels/Half.h"
#include "tests/unit/KernelTestUtil.h"

namespace lmc::testing {
namespace {

using format::Opcode;

TEST(HalfConversion, KnownValues) {
  EXPECT_EQ(kernels::floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(kernels::floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(kernels::floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(kernels::floatToHalf(65520.0f), 0x7C00);  // rounds up to inf
  EXPECT_EQ(kernels::floatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(kernels::floatToHalf(0.1f), 0x2E66);
  EXPECT_EQ(kernels::floatToHalf(5.9604645e-8f), 0x0001);  // smallest subnormal
  EXPECT_EQ(kernels::floatToHalf(2.9802322e-8f), 0x0000);  // half of it: ties to even
  EXPECT_EQ(kernels::floatToHalf(6.1035156e-5f), 0x0400);  // smallest normal
  EXPECT_EQ(kernels::floatToHalf(INFINITY), 0x7C00);
  EXPECT_TRUE(std::isnan(kernels::halfToFloat(kernels::floatToHalf(NAN))));
  EXPECT_EQ(kernels::halfToFloat(0x3555), 0.33325195f);
  EXPECT_EQ(kernels::halfToFloat(0x8001), -5.9604645e-8f);
  // 1 + 2^-11 is halfway between 1 and the next half: ties to even (1).
  EXPECT_EQ(kernels::floatToHalf(1.0f + 1.0f / 2048), 0x3C00);
  EXPECT_EQ(kernels::floatToHalf(1.0f + 3.0f / 2048), 0x3C02);
}

TEST(HalfConversion, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = kernels::halfToFloat(uint16_t(h));
    if (std::isnan(f))
      continue;
    EXPECT_EQ(kernels::floatToHalf(f), h) << std::hex << h;
  }
}

TEST(BFloat16Conversion, RoundsToNearestEven) {
  EXPECT_EQ(kernels::floatToBfloat16(1.0f), 0x3F80);
  EXPECT_EQ(kernels::bfloat16ToFloat(0x4049), 3.140625f);
  uint32_t bits = 0x3F808000;  // exactly halfway between 0x3F80 and 0x3F81
  float f;
  std::memcpy(&f, &bits, 4);
  EXPECT_EQ(kernels::floatToBfloat16(f), 0x3F80);
  bits = 0x3F818000;
  std::memcpy(&f, &bits, 4);
  EXPECT_EQ(kernels::floatToBfloat16(f), 0x3F82);
}

TEST(CastKernel, FloatToIntTruncatesAndSaturates) {
  std::vector<float> a = {2.7f, -2.7f, NAN, 1e10f, -1e10f, 0.0f};
  std::vector<int32_t> o(6);
  runOk(Opcode::Cast, {view(o, DType::I32, {6}), view(a, DType::F32, {6})});
  EXPECT_EQ(o, (std::vector<int32_t>{2, -2, 0, std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int32_t>::min(), 0}));
  std::vector<uint8_t> u(6);
  runOk(Opcode::Cast, {view(u, DType::U8, {6}), view(a, DType::F32, {6})});
  EXPECT_EQ(u, (std::vector<uint8_t>{2, 0, 0, 255, 0, 0}));
}

TEST(CastKernel, IntegerWrapsAndWidens) {
  std::vector<int32_t> a = {300, -1, 127};
  std::vector<uint8_t> u(3);
  runOk(Opcode::Cast, {view(u, DType::U8, {3}), view(a, DType::I32, {3})});
  EXPECT_EQ(u, (std::vector<uint8_t>{44, 255, 127}));
  std::vector<int8_t> s(3);
  runOk(Opcode::Cast, {view(s, DType::I8, {3}), view(a, DType::I32, {3})});
  EXPECT_EQ(s, (std::vector<int8_t>{44, -1, 127}));
  std::vector<int64_t> w(3);
  runOk(Opcode::Cast, {view(w, DType::I64, {3}), view(s, DType::I8, {3})});
  EXPECT_EQ(w, (std::vector<int64_t>{44, -1, 127}));
  std::vector<int16_t> h(3);
  runOk(Opcode::Cast, {view(h, DType::I16, {3}), view(w, DType::I64, {3})});
  EXPECT_EQ(h, (std::vector<int16_t>{44, -1, 127}));
}

TEST(CastKernel, BoolBothWays) {
  std::vector<double> a = {0.0, -0.5, NAN, 3.0};
  std::vector<uint8_t> b(4);
  runOk(Opcode::Cast, {view(b, DType::Bool, {4}), view(a, DType::F64, {4})});
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 1, 1, 1}));
  std::vector<float> f(4);
  runOk(Opcode::Cast, {view(f, DType::F32, {4}), view(b, DType::Bool, {4})});
  EXPECT_EQ(f, (std::vector<float>{0, 1, 1, 1}));
  std::vector<int64_t> i = {0, 5, -5, 0};
  runOk(Opcode::Cast, {view(b, DType::Bool, {4}), view(i, DType::I64, {4})});
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 1, 1, 0}));
}

TEST(CastKernel, HalfAndStrided) {
  std::vector<float> a = {1.0f, 0.1f, -2.0f, 65504.0f};
  std::vector<uint16_t> h(4);
  // Reverse while casting.
  runOk(Opcode::Cast, {view(h, DType::F16, {4}), view(a, DType::F32, {4}, {-1}, 3)});
  EXPECT_EQ(h, (std::vector<uint16_t>{0x7BFF, 0xC000, 0x2E66, 0x3C00}));
  std::vector<double> d(4);
  runOk(Opcode::Cast, {view(d, DType::F64, {4}), view(h, DType::F16, {4})});
  EXPECT_EQ(d[0], 65504.0);
  EXPECT_EQ(d[2], double(kernels::halfToFloat(0x2E66)));
  std::vector<int64_t> big = {(int64_t(1) << 40) + 1};
  std::vector<double> bd(1);
  runOk(Opcode::Cast, {view(bd, DType::F64, {1}), view(big, DType::I64, {1})});
  EXPECT_EQ(bd[0], double((int64_t(1) << 40) + 1));
  std::vector<uint16_t> bf(1);
  runOk(Opcode::Cast, {view(bf, DType::BF16, {1}), view(bd, DType::F64, {1})});
  EXPECT_EQ(bf[0], kernels::floatToBfloat16(float(bd[0])));
}

}  // namespace
}  // namespace lmc::testing
