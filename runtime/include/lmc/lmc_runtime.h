/* The lmc CPU runtime's C API: open a compiled .bin, bind inputs, run, read
 * outputs. Usable from C and C++. Every function that can fail returns an
 * lmc_status; on failure lmc_last_error() gives a one-line message. Nothing
 * here aborts or exits. A model handle is not thread-safe: use one per thread. */
#ifndef LMC_RUNTIME_H
#define LMC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lmc_status {
  LMC_OK = 0,
  LMC_ERROR_INVALID_ARGUMENT = 1, /* bad index, name, size or null pointer */
  LMC_ERROR_IO = 2,               /* the file cannot be opened or read */
  LMC_ERROR_INVALID_FILE = 3,     /* the file breaks a rule of FORMAT.md */
  LMC_ERROR_OUT_OF_MEMORY = 4,    /* the working spaces cannot be allocated */
  LMC_ERROR_NOT_READY = 5,        /* e.g. run with an unbound input */
  LMC_ERROR_RUNTIME = 6           /* a kernel failed (gather index out of range, ...) */
} lmc_status;

/* Element types; the values are those of lmc::format::DType. */
typedef enum lmc_dtype {
  LMC_DTYPE_F32 = 1,
  LMC_DTYPE_F16 = 2,
  LMC_DTYPE_BF16 = 3,
  LMC_DTYPE_F64 = 4,
  LMC_DTYPE_I8 = 5,
  LMC_DTYPE_U8 = 6,
  LMC_DTYPE_I16 = 7,
  LMC_DTYPE_I32 = 8,
  LMC_DTYPE_I64 = 9,
  LMC_DTYPE_BOOL = 10, /* one byte, 0 or 1 */
  LMC_DTYPE_U16 = 11,
  LMC_DTYPE_U32 = 12,
  LMC_DTYPE_U64 = 13
} lmc_dtype;

#define LMC_MAX_RANK 6

/* An input or output of the model. Pointers stay valid until lmc_close. */
typedef struct lmc_tensor_info {
  const char *name;
  lmc_dtype dtype;
  int32_t rank;
  int64_t shape[LMC_MAX_RANK]; /* entries past rank are 1 */
  size_t byte_size;            /* elements * element size, row-major, packed */
} lmc_tensor_info;

typedef struct lmc_model lmc_model;

/* The runtime's version, e.g. "0.1.0". */
const char *lmc_version(void);

/* Message of the last failed call on this thread ("" if none). Valid until
 * the next lmc call on this thread. */
const char *lmc_last_error(void);

/* "f32", "i64", ...; "?" for an unknown value. */
const char *lmc_dtype_name(int32_t dtype);
/* Bytes per element; 0 for an unknown value. */
size_t lmc_dtype_size(int32_t dtype);

/* Opens and verifies `path`; *model is NULL on failure. */
lmc_status lmc_open(const char *path, lmc_model **model);
/* Releases everything; NULL is allowed. */
void lmc_close(lmc_model *model);

size_t lmc_num_inputs(const lmc_model *model);
size_t lmc_num_outputs(const lmc_model *model);
lmc_status lmc_input_info(const lmc_model *model, size_t index, lmc_tensor_info *info);
lmc_status lmc_output_info(const lmc_model *model, size_t index, lmc_tensor_info *info);
/* Index of the input or output called `name`. */
lmc_status lmc_find_input(const lmc_model *model, const char *name, size_t *index);
lmc_status lmc_find_output(const lmc_model *model, const char *name, size_t *index);

/* Copies `byte_size` bytes (exactly the input's byte_size) of row-major data
 * of the input's dtype. The binding lasts until rebound. */
lmc_status lmc_bind_input(lmc_model *model, size_t index, const void *data, size_t byte_size);
lmc_status lmc_bind_input_by_name(lmc_model *model, const char *name, const void *data,
                                  size_t byte_size);

/* Runs the model once; every input must be bound. */
lmc_status lmc_run(lmc_model *model);

/* The output's bytes from the last run; valid until the next lmc_run or
 * lmc_close. */
lmc_status lmc_output_data(const lmc_model *model, size_t index, const void **data,
                           size_t *byte_size);
/* Copies output `index` into `dst`, which holds `byte_size` bytes (at least
 * the output's byte_size). */
lmc_status lmc_copy_output(const lmc_model *model, size_t index, void *dst, size_t byte_size);

/* Zeroes the persistent state (KV cache) to start a new sequence. The state
 * is also zero when the model is opened. */
lmc_status lmc_reset_state(lmc_model *model);

/* A KV-cache decoder (compiled with `lmc compile --kv-cache`): one lmc_run
 * is one decode step. Bind `tokens_input` ([1, tokens_per_step] ids) and
 * `position_input` (the position of the step's first token), run, read the
 * outputs; the cache persists in the model's state from step to step, so
 * the next step continues at position + tokens_per_step. lmc_run fails
 * (LMC_ERROR_RUNTIME) when the step would not fit in the max_context
 * positions; lmc_reset_state starts a new sequence at position 0. */
typedef struct lmc_kv_cache_info {
  int32_t is_decoder;         /* 0: the model has no KV cache (the rest is 0 / "") */
  int64_t max_context;        /* positions of the cache */
  int64_t tokens_per_step;    /* tokens one lmc_run consumes */
  const char *tokens_input;   /* the token ids input; "" if not recognized */
  const char *position_input; /* "" when the model has no position input */
  size_t state_bytes;         /* bytes of the persistent state (all caches) */
} lmc_kv_cache_info;
/* Fills `info`; strings stay valid until lmc_close. */
lmc_status lmc_kv_cache(const lmc_model *model, lmc_kv_cache_info *info);

/* Copies the state (every KV cache) of `src` into `dst`: e.g. after a
 * prompt was prefilled by a .bin of S tokens per step, continue with the
 * 1-token .bin of the same model at position = the prompt's length. Both
 * must lay out their state alike (compiled from one model with --kv-cache;
 * LMC_ERROR_INVALID_ARGUMENT otherwise). */
lmc_status lmc_copy_state(lmc_model *dst, const lmc_model *src);

/* Threads lmc_run may use (the calling thread included); 0 means one per
 * hardware thread, the default. Integer results are identical for every
 * count, f32 results agree within 1e-5 (relative). */
lmc_status lmc_set_num_threads(lmc_model *model, int32_t num_threads);

#ifdef __cplusplus
}
#endif

#endif /* LMC_RUNTIME_H */
