// Builders of the small test models (see TestModels.h).
#include "tests/unit/TestModels.h"

#include <cstdlib>

namespace lmc::testing {

using format::DType;
using format::makeRegion;
using format::Opcode;
using format::Space;
using format::Unit;

namespace {

void addTensor(google::protobuf::RepeatedPtrField<format::TensorInfo> *list,
               const std::string &name, DType dtype, const std::vector<int64_t> &shape) {
  format::TensorInfo *t = list->Add();
  t->set_name(name);
  t->set_dtype(static_cast<uint32_t>(dtype));
  for (int64_t d : shape)
    t->add_shape(d);
}

}  // namespace

void buildTinyModel(format::Writer &w) {
  w.metadata().set_source("tiny.onnx");
  w.metadata().set_graph_name("tiny");
  w.metadata().mutable_target()->set_name("cpu");
  w.metadata().mutable_target()->set_granularity(format::Target::OPERATOR);
  w.metadata().set_dram_bytes(64);
  addTensor(w.io().mutable_inputs(), "x", DType::F32, {2, 3});
  addTensor(w.io().mutable_outputs(), "y", DType::F32, {2, 2});
  const float weights[6] = {1, 2, 3, 4, 5, 6};
  const float bias[2] = {-10, 0.5f};
  uint64_t wOff = w.addConstant(weights, sizeof(weights));
  uint64_t bOff = w.addConstant(bias, sizeof(bias));
  uint32_t mm = w.addLocation("mm", "MatMul");
  uint32_t add = w.addLocation("add", "Add");
  uint32_t relu = w.addLocation("relu", "Relu");
  format::Region tmp = makeRegion(Space::Dram, DType::F32, {2, 2}, 0);
  format::Region x = makeRegion(Space::Io, DType::F32, {2, 3}, 0, 0);
  format::Region y = makeRegion(Space::Io, DType::F32, {2, 2}, 0, 1);
  format::Region wr = makeRegion(Space::Const, DType::F32, {3, 2}, wOff);
  format::Region br = makeRegion(Space::Const, DType::F32, {2, 2}, bOff);
  br.strides[0] = 0;  // broadcast the bias over rows
  w.addInstruction(Opcode::MatMul, Unit::Cpu, 0, mm, {tmp, x, wr}, {});
  w.addInstruction(Opcode::Add, Unit::Cpu, 0, add, {y, tmp, br}, {});
  w.addInstruction(Opcode::Relu, Unit::Cpu, 0, relu, {y, y}, {});
}

std::vector<uint8_t> tinyModelBytes() {
  format::Writer w;
  buildTinyModel(w);
  return w.finish("test");
}

std::vector<float> tinyModelReference(const std::vector<float> &x) {
  const float weights[6] = {1, 2, 3, 4, 5, 6};
  const float bias[2] = {-10, 0.5f};
  std::vector<float> y(4);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      float acc = 0;
      for (int k = 0; k < 3; ++k)
        acc += x[i * 3 + k] * weights[k * 2 + j];
      acc += bias[j];
      y[i * 2 + j] = acc > 0 ? acc : 0;
    }
  return y;
}

void buildGatherModel(format::Writer &w) {
  w.metadata().set_source("gather.onnx");
  addTensor(w.io().mutable_inputs(), "ids", DType::I64, {3});
  addTensor(w.io().mutable_outputs(), "out", DType::F32, {3, 2});
  const float table[8] = {0, 1, 10, 11, 20, 21, 30, 31};
  uint64_t tOff = w.addConstant(table, sizeof(table));
  uint32_t loc = w.addLocation("embed", "Gather");
  w.addInstruction(Opcode::Gather, Unit::Cpu, 0, loc,
                   {makeRegion(Space::Io, DType::F32, {3, 2}, 0, 1),
                    makeRegion(Space::Const, DType::F32, {4, 2}, tOff),
                    makeRegion(Space::Io, DType::I64, {3}, 0, 0)},
                   {0});
}

void buildTokenModel(format::Writer &w) {
  w.metadata().set_source("tokens.onnx");
  addTensor(w.io().mutable_inputs(), "tokens", DType::I64, {1, 5});
  addTensor(w.io().mutable_outputs(), "logits", DType::F32, {1, 5, 2});
  std::vector<float> table(200);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = static_cast<float>(i);
  uint64_t tOff = w.addConstant(table.data(), table.size() * sizeof(float));
  uint32_t loc = w.addLocation("wte", "Gather");
  w.addInstruction(Opcode::Gather, Unit::Cpu, 0, loc,
                   {makeRegion(Space::Io, DType::F32, {1, 5, 2}, 0, 1),
                    makeRegion(Space::Const, DType::F32, {100, 2}, tOff),
                    makeRegion(Space::Io, DType::I64, {1, 5}, 0, 0)},
                   {0});
}

void buildCountingModel(format::Writer &w, int64_t seq, int64_t vocab) {
  w.metadata().set_source("counting.onnx");
  addTensor(w.io().mutable_inputs(), "tokens", DType::I64, {1, seq});
  addTensor(w.io().mutable_outputs(), "logits", DType::F32, {1, seq, vocab});
  // Row i: 1 at (i + 1) % vocab, -1 at i, 0 elsewhere.
  std::vector<float> table(size_t(vocab * vocab), 0.0f);
  for (int64_t i = 0; i < vocab; ++i) {
    table[size_t(i * vocab + (i + 1) % vocab)] = 1.0f;
    table[size_t(i * vocab + i)] = -1.0f;
  }
  uint64_t tOff = w.addConstant(table.data(), table.size() * sizeof(float));
  uint32_t loc = w.addLocation("wte", "Gather");
  w.addInstruction(Opcode::Gather, Unit::Cpu, 0, loc,
                   {makeRegion(Space::Io, DType::F32, {1, seq, vocab}, 0, 1),
                    makeRegion(Space::Const, DType::F32, {vocab, vocab}, tOff),
                    makeRegion(Space::Io, DType::I64, {1, seq}, 0, 0)},
                   {0});
}

void buildCacheModel(format::Writer &w) {
  w.metadata().set_source("cache.onnx");
  w.metadata().set_dram_bytes(64);
  w.metadata().set_state_bytes(64);
  format::StateTensor *st = w.metadata().add_state();
  st->set_name("past.0.key");
  st->set_output("present.0.key");
  st->set_dtype(static_cast<uint32_t>(DType::F32));
  st->add_shape(4);
  st->add_shape(1);
  format::KvCache *kv = w.metadata().mutable_kv_cache();
  kv->set_max_context(4);
  kv->set_tokens_per_step(1);
  kv->set_tokens_input("tokens");
  kv->set_position_input("position");
  addTensor(w.io().mutable_inputs(), "tokens", DType::I64, {1, 1});
  addTensor(w.io().mutable_inputs(), "position", DType::I64, {1});
  addTensor(w.io().mutable_outputs(), "y", DType::F32, {1, 1});
  format::Region value = makeRegion(Space::Dram, DType::F32, {1, 1}, 0);
  format::Region position = makeRegion(Space::Io, DType::I64, {1, 1}, 0, 1);
  position.strides[1] = 0;  // [1] viewed as [1, 1]
  w.addInstruction(Opcode::Cast, Unit::Cpu, 0, w.addLocation("cast", "Cast"),
                   {value, makeRegion(Space::Io, DType::I64, {1, 1}, 0, 0)}, {});
  w.addInstruction(Opcode::Scatter, Unit::Cpu, 0, w.addLocation("write", "ScatterElements"),
                   {makeRegion(Space::State, DType::F32, {4, 1}, 0), position, value}, {0});
  w.addInstruction(Opcode::ReduceSum, Unit::Cpu, 0, w.addLocation("sum", "ReduceSum"),
                   {makeRegion(Space::Io, DType::F32, {1, 1}, 0, 2),
                    makeRegion(Space::State, DType::F32, {4, 1}, 0)},
                   {});
}

void buildSparseSramModel(format::Writer &w) {
  w.metadata().set_source("sparse.onnx");
  w.metadata().mutable_target()->set_name("cpu");
  w.metadata().mutable_target()->set_granularity(format::Target::OPERATOR);
  w.metadata().set_sram_bytes(4 << 20);
  addTensor(w.io().mutable_inputs(), "x", DType::F32, {4});
  addTensor(w.io().mutable_outputs(), "y", DType::F32, {4});
  const format::Region x = makeRegion(Space::Io, DType::F32, {4}, 0, 0);
  const format::Region y = makeRegion(Space::Io, DType::F32, {4}, 0, 1);
  const format::Region s = makeRegion(Space::Sram, DType::F32, {4}, 1 << 20);
  const format::Region t = makeRegion(Space::Sram, DType::F32, {4}, 3 << 20);
  w.addInstruction(Opcode::Add, Unit::Cpu, 0, 0, {s, s, x}, {});
  w.addInstruction(Opcode::Add, Unit::Cpu, 0, 0, {y, s, x}, {});
  w.addInstruction(Opcode::Add, Unit::Cpu, 0, 0, {y, y, t}, {});
}

std::string makeTempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/lmc_test_XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const char *dir = mkdtemp(buf.data());
  return dir ? std::string(dir) : std::string();
}

}  // namespace lmc::testing
