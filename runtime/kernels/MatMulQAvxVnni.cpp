// matmul_q's AVX2 + FMA + AVX-VNNI (vpdpbusd on ymm: Alder Lake and later, Zen 5) routines: MatMulQAvx2.inc compiled for that target.
#define LMC_QUANT_TARGET "avx2,fma,avxvnni"
#define LMC_QUANT_VNNI 1
#define LMC_QUANT_NAME "avx2+vnni"
#define LMC_QUANT_OPS avxVnniQuantOps
#include "runtime/kernels/MatMulQAvx2.inc"
