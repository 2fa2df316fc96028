// The C API (include/lmc/lmc_runtime.h) over runtime::Session.
#include "runtime/include/lmc/lmc_runtime.h"

#include <cstring>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/src/Session.h"

#ifndef LMC_VERSION_STRING
#define LMC_VERSION_STRING "unknown"
#endif

struct lmc_model {
  std::unique_ptr<lmc::runtime::Session> session;
};

namespace {

thread_local std::string lastError;

lmc_status fail(lmc_status code, std::string message) {
  lastError = std::move(message);
  return code;
}

lmc_status fromStatus(const absl::Status &s, lmc_status fallback) {
  if (s.ok())
    return LMC_OK;
  lmc_status code = fallback;
  switch (s.code()) {
  case absl::StatusCode::kNotFound:
  case absl::StatusCode::kUnavailable:
  case absl::StatusCode::kInternal:
    code = LMC_ERROR_IO;
    break;
  case absl::StatusCode::kResourceExhausted:
    code = LMC_ERROR_OUT_OF_MEMORY;
    break;
  case absl::StatusCode::kFailedPrecondition:
    code = LMC_ERROR_NOT_READY;
    break;
  default:
    break;
  }
  return fail(code, std::string(s.message()));
}

lmc_status badModel(const char *fn) {
  return fail(LMC_ERROR_INVALID_ARGUMENT, absl::StrCat(fn, ": model is null"));
}

lmc_status fillInfo(const lmc::format::TensorInfo &t, lmc_tensor_info *info) {
  info->name = t.name().c_str();
  info->dtype = static_cast<lmc_dtype>(t.dtype());
  info->rank = t.shape_size();
  size_t bytes = lmc::format::dtypeSize(static_cast<lmc::format::DType>(t.dtype()));
  for (int k = 0; k < LMC_MAX_RANK; ++k) {
    info->shape[k] = k < t.shape_size() ? t.shape(k) : 1;
    if (k < t.shape_size())
      bytes *= static_cast<size_t>(t.shape(k));
  }
  info->byte_size = bytes;
  return LMC_OK;
}

}  // namespace

extern "C" {

const char *lmc_version(void) { return LMC_VERSION_STRING; }

const char *lmc_last_error(void) { return lastError.c_str(); }

const char *lmc_dtype_name(int32_t dtype) {
  return lmc::format::dtypeName(static_cast<lmc::format::DType>(dtype));
}

size_t lmc_dtype_size(int32_t dtype) {
  return lmc::format::dtypeSize(static_cast<lmc::format::DType>(dtype));
}

lmc_status lmc_open(const char *path, lmc_model **model) {
  if (!model)
    return fail(LMC_ERROR_INVALID_ARGUMENT, "lmc_open: model is null");
  *model = nullptr;
  if (!path)
    return fail(LMC_ERROR_INVALID_ARGUMENT, "lmc_open: path is null");
  absl::StatusOr<std::unique_ptr<lmc::runtime::Session>> session;
  try {
    session = lmc::runtime::openSession(path);
  } catch (const std::bad_alloc &) {
    return fail(LMC_ERROR_OUT_OF_MEMORY, absl::StrCat(path, ": out of memory"));
  }
  if (!session.ok())
    return fromStatus(session.status(), LMC_ERROR_INVALID_FILE);
  lmc_model *m = new (std::nothrow) lmc_model;
  if (!m)
    return fail(LMC_ERROR_OUT_OF_MEMORY, absl::StrCat(path, ": out of memory"));
  m->session = std::move(*session);
  *model = m;
  return LMC_OK;
}

void lmc_close(lmc_model *model) { delete model; }

size_t lmc_num_inputs(const lmc_model *model) { return model ? model->session->numInputs() : 0; }

size_t lmc_num_outputs(const lmc_model *model) {
  return model ? model->session->numOutputs() : 0;
}

lmc_status lmc_input_info(const lmc_model *model, size_t index, lmc_tensor_info *info) {
  if (!model)
    return badModel("lmc_input_info");
  if (!info || index >= model->session->numInputs())
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat("lmc_input_info: no input ", index, " (the model has ",
                             model->session->numInputs(), ") or info is null"));
  return fillInfo(model->session->inputInfo(index), info);
}

lmc_status lmc_output_info(const lmc_model *model, size_t index, lmc_tensor_info *info) {
  if (!model)
    return badModel("lmc_output_info");
  if (!info || index >= model->session->numOutputs())
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat("lmc_output_info: no output ", index, " (the model has ",
                             model->session->numOutputs(), ") or info is null"));
  return fillInfo(model->session->outputInfo(index), info);
}

lmc_status lmc_find_input(const lmc_model *model, const char *name, size_t *index) {
  if (!model)
    return badModel("lmc_find_input");
  if (!name || !index)
    return fail(LMC_ERROR_INVALID_ARGUMENT, "lmc_find_input: name or index is null");
  std::optional<size_t> i = model->session->findInput(name);
  if (!i)
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat(model->session->file().path(), ": no input named '", name, "'"));
  *index = *i;
  return LMC_OK;
}

lmc_status lmc_find_output(const lmc_model *model, const char *name, size_t *index) {
  if (!model)
    return badModel("lmc_find_output");
  if (!name || !index)
    return fail(LMC_ERROR_INVALID_ARGUMENT, "lmc_find_output: name or index is null");
  std::optional<size_t> i = model->session->findOutput(name);
  if (!i)
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat(model->session->file().path(), ": no output named '", name, "'"));
  *index = *i;
  return LMC_OK;
}

lmc_status lmc_bind_input(lmc_model *model, size_t index, const void *data, size_t byte_size) {
  if (!model)
    return badModel("lmc_bind_input");
  return fromStatus(model->session->bindInput(index, data, byte_size),
                    LMC_ERROR_INVALID_ARGUMENT);
}

lmc_status lmc_bind_input_by_name(lmc_model *model, const char *name, const void *data,
                                  size_t byte_size) {
  size_t index = 0;
  if (lmc_status s = lmc_find_input(model, name, &index); s != LMC_OK)
    return s;
  return lmc_bind_input(model, index, data, byte_size);
}

lmc_status lmc_run(lmc_model *model) {
  if (!model)
    return badModel("lmc_run");
  try {
    return fromStatus(model->session->run(), LMC_ERROR_RUNTIME);
  } catch (const std::bad_alloc &) {
    return fail(LMC_ERROR_OUT_OF_MEMORY,
                absl::StrCat(model->session->file().path(), ": out of memory during the run"));
  }
}

lmc_status lmc_output_data(const lmc_model *model, size_t index, const void **data,
                           size_t *byte_size) {
  if (!model)
    return badModel("lmc_output_data");
  if (!data || !byte_size || index >= model->session->numOutputs())
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat("lmc_output_data: no output ", index, " (the model has ",
                             model->session->numOutputs(), ") or a null pointer"));
  *data = model->session->outputData(index);
  *byte_size = model->session->outputBytes(index);
  return LMC_OK;
}

lmc_status lmc_copy_output(const lmc_model *model, size_t index, void *dst, size_t byte_size) {
  const void *src = nullptr;
  size_t size = 0;
  if (lmc_status s = lmc_output_data(model, index, &src, &size); s != LMC_OK)
    return s;
  if (byte_size < size || (size && !dst))
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat("lmc_copy_output: output ", index, " has ", size,
                             " bytes; the destination holds ", byte_size));
  if (size)
    std::memcpy(dst, src, size);
  return LMC_OK;
}

lmc_status lmc_reset_state(lmc_model *model) {
  if (!model)
    return badModel("lmc_reset_state");
  model->session->resetState();
  return LMC_OK;
}

lmc_status lmc_kv_cache(const lmc_model *model, lmc_kv_cache_info *info) {
  if (!model)
    return badModel("lmc_kv_cache");
  if (!info)
    return fail(LMC_ERROR_INVALID_ARGUMENT, "lmc_kv_cache: info is null");
  const lmc::format::Metadata &m = model->session->file().metadata();
  const lmc::format::KvCache &kv = m.kv_cache();
  info->is_decoder = m.has_kv_cache() ? 1 : 0;
  info->max_context = static_cast<int64_t>(kv.max_context());
  info->tokens_per_step = static_cast<int64_t>(kv.tokens_per_step());
  info->tokens_input = kv.tokens_input().c_str();
  info->position_input = kv.position_input().c_str();
  info->state_bytes = static_cast<size_t>(model->session->stateBytes());
  return LMC_OK;
}

lmc_status lmc_copy_state(lmc_model *dst, const lmc_model *src) {
  if (!dst || !src)
    return badModel("lmc_copy_state");
  return fromStatus(dst->session->copyStateFrom(*src->session), LMC_ERROR_INVALID_ARGUMENT);
}

lmc_status lmc_set_num_threads(lmc_model *model, int32_t num_threads) {
  if (!model)
    return badModel("lmc_set_num_threads");
  if (num_threads < 0)
    return fail(LMC_ERROR_INVALID_ARGUMENT,
                absl::StrCat("lmc_set_num_threads: ", num_threads,
                             " threads; pass a positive count or 0 for the default"));
  model->session->setNumThreads(num_threads);
  return LMC_OK;
}

}  // extern "C"
