// The CPU session's working spaces between runs (runtime/src/Session.cpp).
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/format/Reader.h"
#include "runtime/src/Session.h"
#include "tests/unit/TestModels.h"

namespace lmc {
namespace {

// A run clears what the last one wrote, however far apart in a mostly
// unwritten SRAM space (a plan spread over stripe groups, which the
// session clears only where instructions write): y = 2x on every run when
// the written bytes start at zero, 3x, 4x, ... if they did not.
TEST(Session, EachRunStartsFromZeroedWorkingSpace) {
  format::Writer w;
  testing::buildSparseSramModel(w);
  std::vector<uint8_t> bytes = w.finish("test");
  auto file = format::BinFile::fromBytes("t.bin", bytes.data(), bytes.size());
  ASSERT_TRUE(file.ok()) << file.status();
  auto session = runtime::Session::create(std::shared_ptr<const format::BinFile>(std::move(*file)));
  ASSERT_TRUE(session.ok()) << session.status();
  const float values[4] = {1, -2, 0.5f, 8};
  ASSERT_TRUE((*session)->bindInput(0, values, sizeof values).ok());
  for (int run = 0; run < 3; ++run) {
    ASSERT_TRUE((*session)->run().ok());
    float got[4];
    std::memcpy(got, (*session)->outputData(0), sizeof got);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(got[i], 2 * values[i]) << "run " << run << " element " << i;
  }
}

}  // namespace
}  // namespace lmc
