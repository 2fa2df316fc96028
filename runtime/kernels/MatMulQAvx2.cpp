// matmul_q's AVX2 + FMA routines: MatMulQAvx2.inc compiled for that target.
#define LMC_QUANT_TARGET "avx2,fma"
#define LMC_QUANT_VNNI 0
#define LMC_QUANT_NAME "avx2+fma"
#define LMC_QUANT_OPS avx2QuantOps
#include "runtime/kernels/MatMulQAvx2.inc"
