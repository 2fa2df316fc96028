/* The C API exercised from C: compiled as C99, called by c_api_main_test.cpp
 * with the paths of .bin files that test wrote. Each function returns 0 on
 * success or writes what failed into `err`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/include/lmc/lmc_runtime.h"

#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      snprintf(err, errSize, __VA_ARGS__);            \
      goto fail;                                      \
    }                                                 \
  } while (0)

int lmcCApiRunTiny(const char *path, char *err, size_t errSize) {
  lmc_model *model = NULL;
  lmc_tensor_info info;
  size_t index = 99;
  const float x[6] = {1, 2, 3, -1, -2, -3};
  float y[4] = {0};
  const void *data = NULL;
  size_t bytes = 0;
  /* Reference: relu(x @ [[1,2],[3,4],[5,6]] + [-10, 0.5]). */
  const float expected[4] = {12.0f, 28.5f, 0.0f, 0.0f};
  int i;

  CHECK(lmc_open(path, &model) == LMC_OK, "lmc_open: %s", lmc_last_error());
  CHECK(lmc_num_inputs(model) == 1 && lmc_num_outputs(model) == 1, "wrong IO counts");
  CHECK(lmc_input_info(model, 0, &info) == LMC_OK, "input_info: %s", lmc_last_error());
  CHECK(strcmp(info.name, "x") == 0 && info.dtype == LMC_DTYPE_F32 && info.rank == 2 &&
            info.shape[0] == 2 && info.shape[1] == 3 && info.shape[2] == 1 &&
            info.byte_size == 24,
        "input info is wrong: %s rank %d", info.name, (int)info.rank);
  CHECK(lmc_output_info(model, 0, &info) == LMC_OK && strcmp(info.name, "y") == 0 &&
            info.byte_size == 16,
        "output info is wrong");
  CHECK(strcmp(lmc_dtype_name(info.dtype), "f32") == 0 && lmc_dtype_size(info.dtype) == 4,
        "dtype helpers");
  CHECK(lmc_find_input(model, "x", &index) == LMC_OK && index == 0, "find_input x");
  CHECK(lmc_find_output(model, "y", &index) == LMC_OK && index == 0, "find_output y");

  /* Errors come back as codes with a message, never an abort. */
  CHECK(lmc_find_input(model, "nope", &index) == LMC_ERROR_INVALID_ARGUMENT &&
            strstr(lmc_last_error(), "no input named 'nope'") != NULL,
        "find_input nope: %s", lmc_last_error());
  CHECK(lmc_input_info(model, 5, &info) == LMC_ERROR_INVALID_ARGUMENT, "input_info 5");
  CHECK(lmc_run(model) == LMC_ERROR_NOT_READY &&
            strstr(lmc_last_error(), "input 'x' is not bound") != NULL,
        "run before binding: %s", lmc_last_error());
  CHECK(lmc_bind_input(model, 0, x, 20) == LMC_ERROR_INVALID_ARGUMENT &&
            strstr(lmc_last_error(), "takes 24 bytes, got 20") != NULL,
        "bind with a wrong size: %s", lmc_last_error());
  CHECK(lmc_bind_input(model, 3, x, 24) == LMC_ERROR_INVALID_ARGUMENT, "bind index 3");
  CHECK(lmc_run(NULL) == LMC_ERROR_INVALID_ARGUMENT, "run(NULL)");

  CHECK(lmc_bind_input_by_name(model, "x", x, sizeof(x)) == LMC_OK, "bind: %s", lmc_last_error());
  /* Run twice: the second run starts from zeroed working memory again. */
  for (i = 0; i < 2; ++i)
    CHECK(lmc_run(model) == LMC_OK, "run: %s", lmc_last_error());
  CHECK(lmc_copy_output(model, 0, y, sizeof(y)) == LMC_OK, "copy_output: %s", lmc_last_error());
  for (i = 0; i < 4; ++i)
    CHECK(fabsf(y[i] - expected[i]) < 1e-5f, "y[%d] = %g, expected %g", i, (double)y[i],
          (double)expected[i]);
  /* Any thread count gives the same output; negative counts are errors. */
  CHECK(lmc_set_num_threads(model, 3) == LMC_OK, "set_num_threads 3: %s", lmc_last_error());
  CHECK(lmc_run(model) == LMC_OK, "run on 3 threads: %s", lmc_last_error());
  CHECK(lmc_output_data(model, 0, &data, &bytes) == LMC_OK &&
            memcmp(data, y, sizeof(y)) == 0,
        "3 threads changed the output");
  CHECK(lmc_set_num_threads(model, -1) == LMC_ERROR_INVALID_ARGUMENT &&
            strstr(lmc_last_error(), "-1 threads") != NULL,
        "set_num_threads -1: %s", lmc_last_error());
  CHECK(lmc_set_num_threads(NULL, 1) == LMC_ERROR_INVALID_ARGUMENT, "set_num_threads(NULL)");
  CHECK(lmc_set_num_threads(model, 0) == LMC_OK, "set_num_threads 0");
  CHECK(lmc_copy_output(model, 0, y, 8) == LMC_ERROR_INVALID_ARGUMENT, "copy into a short buffer");
  CHECK(lmc_output_data(model, 0, &data, &bytes) == LMC_OK && bytes == 16 &&
            ((const float *)data)[1] == y[1],
        "output_data");
  lmc_close(model);
  return 0;
fail:
  lmc_close(model);
  return 1;
}

int lmcCApiGatherError(const char *path, char *err, size_t errSize) {
  lmc_model *model = NULL;
  const int64_t good[3] = {3, 0, -1};
  const int64_t bad[3] = {0, 7, 1};
  float out[6];

  CHECK(lmc_open("/nonexistent/model.bin", &model) == LMC_ERROR_IO && model == NULL &&
            strstr(lmc_last_error(), "cannot open") != NULL,
        "open of a missing file: %s", lmc_last_error());
  CHECK(lmc_open(path, &model) == LMC_OK, "lmc_open: %s", lmc_last_error());
  CHECK(lmc_bind_input(model, 0, good, sizeof(good)) == LMC_OK, "bind: %s", lmc_last_error());
  CHECK(lmc_run(model) == LMC_OK, "run: %s", lmc_last_error());
  CHECK(lmc_copy_output(model, 0, out, sizeof(out)) == LMC_OK, "copy");
  CHECK(out[0] == 30 && out[1] == 31 && out[2] == 0 && out[4] == 30, "gathered %g %g %g",
        (double)out[0], (double)out[1], (double)out[2]);
  CHECK(lmc_bind_input(model, 0, bad, sizeof(bad)) == LMC_OK, "bind bad");
  CHECK(lmc_run(model) == LMC_ERROR_RUNTIME, "run with index 7 must fail");
  CHECK(strstr(lmc_last_error(), "instruction 0 'gather'") != NULL &&
            strstr(lmc_last_error(), "node 'embed' (Gather)") != NULL &&
            strstr(lmc_last_error(), "gather index 7") != NULL,
        "error does not name the instruction and node: %s", lmc_last_error());
  lmc_close(model);
  return 0;
fail:
  lmc_close(model);
  return 1;
}

int lmcCApiRejectsCorruptFile(const char *path, char *err, size_t errSize) {
  lmc_model *model = (lmc_model *)1;
  CHECK(lmc_open(path, &model) == LMC_ERROR_INVALID_FILE && model == NULL,
        "corrupt file was not rejected");
  CHECK(strstr(lmc_last_error(), "invalid .bin (F4") != NULL, "message: %s", lmc_last_error());
  return 0;
fail:
  return 1;
}

/* One decode step per run; the state persists until lmc_reset_state. */
static int cacheStep(lmc_model *model, int64_t token, int64_t position, float *y) {
  if (lmc_bind_input_by_name(model, "tokens", &token, sizeof(token)) != LMC_OK ||
      lmc_bind_input_by_name(model, "position", &position, sizeof(position)) != LMC_OK)
    return 0;
  if (lmc_run(model) != LMC_OK)
    return 0;
  return lmc_copy_output(model, 0, y, sizeof(*y)) == LMC_OK;
}

int lmcCApiKvCache(const char *cachePath, const char *tinyPath, char *err, size_t errSize) {
  lmc_model *model = NULL;
  lmc_kv_cache_info kv;
  float y = -1;

  CHECK(lmc_open(tinyPath, &model) == LMC_OK, "lmc_open: %s", lmc_last_error());
  CHECK(lmc_kv_cache(model, &kv) == LMC_OK && kv.is_decoder == 0 && kv.max_context == 0 &&
            strcmp(kv.position_input, "") == 0,
        "a model without a cache reports one");
  CHECK(lmc_kv_cache(model, NULL) == LMC_ERROR_INVALID_ARGUMENT, "kv_cache(NULL info)");
  lmc_close(model);
  model = NULL;

  CHECK(lmc_open(cachePath, &model) == LMC_OK, "lmc_open: %s", lmc_last_error());
  CHECK(lmc_kv_cache(model, &kv) == LMC_OK && kv.is_decoder == 1 && kv.max_context == 4 &&
            kv.tokens_per_step == 1 && strcmp(kv.tokens_input, "tokens") == 0 &&
            strcmp(kv.position_input, "position") == 0 && kv.state_bytes == 64,
        "kv cache info: decoder %d, %lld positions", (int)kv.is_decoder,
        (long long)kv.max_context);
  CHECK(lmc_num_inputs(model) == 2 && lmc_num_outputs(model) == 1,
        "the cache must not be an input or output");
  /* The state starts zeroed and accumulates: 5, then 5 + 7. */
  CHECK(cacheStep(model, 5, 0, &y) && y == 5.0f, "step 0: %g (%s)", (double)y, lmc_last_error());
  CHECK(cacheStep(model, 7, 1, &y) && y == 12.0f, "step 1: %g (%s)", (double)y, lmc_last_error());
  /* Rewriting a position replaces its entry. */
  CHECK(cacheStep(model, 1, 1, &y) && y == 6.0f, "step 1 again: %g", (double)y);
  /* A new sequence. */
  CHECK(lmc_reset_state(model) == LMC_OK, "reset: %s", lmc_last_error());
  CHECK(cacheStep(model, 2, 0, &y) && y == 2.0f, "after reset: %g", (double)y);
  /* A position past the cache fails before anything runs. */
  CHECK(!cacheStep(model, 3, 4, &y) && strstr(lmc_last_error(), "position 4") != NULL &&
            strstr(lmc_last_error(), "does not fit the KV cache of 4 positions") != NULL,
        "position 4: %s", lmc_last_error());
  CHECK(!cacheStep(model, 3, -1, &y), "position -1 must fail");
  CHECK(cacheStep(model, 3, 3, &y) && y == 5.0f, "step 3: %g (%s)", (double)y, lmc_last_error());
  CHECK(lmc_reset_state(NULL) == LMC_ERROR_INVALID_ARGUMENT, "reset_state(NULL)");
  /* The state moves to another session of the same layout (a prefill .bin
   * handing over to a decode .bin): the sum so far is 2 + 3. */
  {
    lmc_model *other = NULL, *tiny = NULL;
    int ok = lmc_open(cachePath, &other) == LMC_OK;
    ok = ok && lmc_copy_state(other, model) == LMC_OK;
    ok = ok && cacheStep(other, 0, 1, &y) && y == 5.0f;
    ok = ok && lmc_open(tinyPath, &tiny) == LMC_OK;
    ok = ok && lmc_copy_state(tiny, model) == LMC_ERROR_INVALID_ARGUMENT &&
         strstr(lmc_last_error(), "cannot copy the state of") != NULL &&
         strstr(lmc_last_error(), "the source's state holds 64 bytes, the destination's 0") != NULL;
    ok = ok && lmc_copy_state(NULL, model) == LMC_ERROR_INVALID_ARGUMENT;
    lmc_close(tiny);
    lmc_close(other);
    CHECK(ok, "copy_state: y = %g (%s)", (double)y, lmc_last_error());
  }
  lmc_close(model);
  return 0;
fail:
  lmc_close(model);
  return 1;
}
