// Small .bin files built with the Writer, shared by the reader, C API and
// CLI tests.
#ifndef LMC_TESTS_UNIT_TESTMODELS_H
#define LMC_TESTS_UNIT_TESTMODELS_H

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/format/Writer.h"

namespace lmc::testing {

// y = relu(x @ w + b): input x f32[2,3], output y f32[2,2].
// w = [[1,2],[3,4],[5,6]] and b = [-10, 0.5] live in the constants.
//   0 matmul dram[0] f32[2,2] <- io.in0 x, const w     node 'mm' (MatMul)
//   1 add    io.out0 y <- dram[0], const b (strides [0,1])  node 'add' (Add)
//   2 relu   io.out0 y <- io.out0 y (in place)          node 'relu' (Relu)
void buildTinyModel(format::Writer &w);
std::vector<uint8_t> tinyModelBytes();
// The expected output of the tiny model for input `x` (6 floats).
std::vector<float> tinyModelReference(const std::vector<float> &x);

// out f32[3,2] = gather(table f32[4,2], ids i64[3]) on axis 0.
//   0 gather io.out0 out <- const table, io.in0 ids    node 'embed' (Gather)
void buildGatherModel(format::Writer &w);

// logits f32[1,5,2] = gather(table f32[100,2], tokens i64[1,5]) on axis 0:
// a prefill-shaped model whose every token id in [0, 100) is valid.
void buildTokenModel(format::Writer &w);

// logits f32[1,seq,vocab] = gather(table f32[vocab,vocab], tokens i64[1,seq]):
// the logits after token i peak at (i + 1) % vocab, so greedy generation
// counts up from the last prompt token.
void buildCountingModel(format::Writer &w, int64_t seq, int64_t vocab);

// A fresh temporary directory for one test, removed by the caller if needed.
// A KV-cache "decoder" of 4 positions: state f32 [4, 1] (past.0.key), inputs
// tokens i64 [1, 1] and position i64 [1]; each run writes float(token) at
// the position (scatter) and outputs y f32 [1, 1] = the sum of the cache,
// i.e. of the tokens written since the state was last reset.
void buildCacheModel(format::Writer &w);

// y f32[4] = 2 x, input x f32[4], through SRAM bytes megabytes apart:
//   0 add sram[1 MiB] s <- s, io.in0 x     (s accumulates: x once s starts at 0)
//   1 add io.out0 y <- s, io.in0 x
//   2 add io.out0 y <- y, sram[3 MiB] t    (t: never written, 0)
// in a 4 MiB SRAM space, most of it written by no instruction.
void buildSparseSramModel(format::Writer &w);

std::string makeTempDir();

}  // namespace lmc::testing

#endif  // LMC_TESTS_UNIT_TESTMODELS_H
