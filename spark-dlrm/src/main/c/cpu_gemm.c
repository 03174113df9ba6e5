// Row-batch affine map y[n x out] = x[n x in] * W[in x out] + b for the DLRM MLPs
// (org.sparkfusion.dlrm.core.NativeGemm), in the same library as the pooling kernel.
//
// Why native: the Vector API kernel (VectorGemm) reaches about 40 % of this CPU's fp32 peak, because C2 keeps few of
// its accumulators in registers and re-checks bounds in the inner loop; PyTorch's MKL sgemm reaches about 80 %.
// Here a 12-row x 32-column block of outputs lives in 24 AVX-512 registers (6 x 16 with AVX2) while the loop walks
// the inputs, so every weight vector loaded feeds 12 (6) fused multiply-adds.
//
// Exactness: every output starts from its bias and accumulates x[r][i] * W[i][c] for i = 0, 1, ... in order with one
// fused multiply-add per step, in every variant and in the tails, exactly as VectorGemm and the fma() loop do; the
// blocking only changes which outputs are computed together, so results are bit-identical across variants.
// The AVX-512 and AVX2 variants are compiled with target attributes and chosen at load time.
#include <immintrin.h>
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef void (*gemm_fn)(int n, int in, int out, const float *x, const float *w, const float *b, float *y);

// One output column block [c, c + width) of rows [r0, r1) with the scalar fma() chain (tails and the generic path).
static void gemm_cols_scalar(int r0, int r1, int c0, int c1, int in, int out, const float *x, const float *w,
                             const float *b, float *y) {
  for (int r = r0; r < r1; r++) {
    const float *xr = x + (int64_t)r * in;
    for (int c = c0; c < c1; c++) {
      float s = b[c];
      for (int i = 0; i < in; i++) s = fmaf(xr[i], w[(int64_t)i * out + c], s);
      y[(int64_t)r * out + c] = s;
    }
  }
}

static void gemm_generic(int n, int in, int out, const float *x, const float *w, const float *b, float *y) {
  gemm_cols_scalar(0, n, 0, out, in, out, x, w, b, y);
}

// ---------------------------------------------------------------- AVX-512: 12 rows x 32 columns per block

#define ROWS512 12
__attribute__((target("avx512f,fma"))) static void block512(int rows, int in, int out, const float *x,
                                                             const float *w, const float *b, float *y, int c) {
  __m512 acc[ROWS512][2];
  __m512 b0 = _mm512_loadu_ps(b + c), b1 = _mm512_loadu_ps(b + c + 16);
  for (int r = 0; r < ROWS512; r++) {
    acc[r][0] = b0;
    acc[r][1] = b1;
  }
  if (rows == ROWS512) {  // the common case, fully unrolled by the compiler
    for (int i = 0; i < in; i++) {
      const float *wi = w + (int64_t)i * out + c;
      __m512 w0 = _mm512_loadu_ps(wi), w1 = _mm512_loadu_ps(wi + 16);
      for (int r = 0; r < ROWS512; r++) {
        __m512 v = _mm512_set1_ps(x[(int64_t)r * in + i]);
        acc[r][0] = _mm512_fmadd_ps(v, w0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(v, w1, acc[r][1]);
      }
    }
  } else {
    for (int i = 0; i < in; i++) {
      const float *wi = w + (int64_t)i * out + c;
      __m512 w0 = _mm512_loadu_ps(wi), w1 = _mm512_loadu_ps(wi + 16);
      for (int r = 0; r < rows; r++) {
        __m512 v = _mm512_set1_ps(x[(int64_t)r * in + i]);
        acc[r][0] = _mm512_fmadd_ps(v, w0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(v, w1, acc[r][1]);
      }
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm512_storeu_ps(y + (int64_t)r * out + c, acc[r][0]);
    _mm512_storeu_ps(y + (int64_t)r * out + c + 16, acc[r][1]);
  }
}

// 16 columns with a mask for the last partial vector (out % 32 columns), one row at a time.
__attribute__((target("avx512f,fma"))) static void cols512_masked(int r0, int r1, int c, int width, int in, int out,
                                                                   const float *x, const float *w, const float *b,
                                                                   float *y) {
  __mmask16 m = (__mmask16)((1u << width) - 1u);
  for (int r = r0; r < r1; r++) {
    const float *xr = x + (int64_t)r * in;
    __m512 acc = _mm512_maskz_loadu_ps(m, b + c);
    for (int i = 0; i < in; i++) {
      acc = _mm512_fmadd_ps(_mm512_set1_ps(xr[i]), _mm512_maskz_loadu_ps(m, w + (int64_t)i * out + c), acc);
    }
    _mm512_mask_storeu_ps(y + (int64_t)r * out + c, m, acc);
  }
}

// Rows in blocks that keep their inputs in L2 while every 32-column weight panel passes over them.
#define ROW_BLOCK 96
__attribute__((target("avx512f,fma"))) static void gemm_avx512(int n, int in, int out, const float *x,
                                                                const float *w, const float *b, float *y) {
  int wide = out - out % 32;
  for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    int r1 = r0 + ROW_BLOCK < n ? r0 + ROW_BLOCK : n;
    for (int c = 0; c < wide; c += 32) {
      for (int r = r0; r < r1; r += ROWS512) {
        int rows = r1 - r < ROWS512 ? r1 - r : ROWS512;
        block512(rows, in, out, x + (int64_t)r * in, w, b, y + (int64_t)r * out, c);
      }
    }
    for (int c = wide; c < out; c += 16) {
      int width = out - c < 16 ? out - c : 16;
      cols512_masked(r0, r1, c, width, in, out, x, w, b, y);
    }
  }
}

// ---------------------------------------------------------------- AVX2: 6 rows x 16 columns per block

#define ROWS256 6
__attribute__((target("avx2,fma"))) static void block256(int rows, int in, int out, const float *x, const float *w,
                                                         const float *b, float *y, int c) {
  __m256 acc[ROWS256][2];
  __m256 b0 = _mm256_loadu_ps(b + c), b1 = _mm256_loadu_ps(b + c + 8);
  for (int r = 0; r < ROWS256; r++) {
    acc[r][0] = b0;
    acc[r][1] = b1;
  }
  for (int i = 0; i < in; i++) {
    const float *wi = w + (int64_t)i * out + c;
    __m256 w0 = _mm256_loadu_ps(wi), w1 = _mm256_loadu_ps(wi + 8);
    for (int r = 0; r < rows; r++) {
      __m256 v = _mm256_set1_ps(x[(int64_t)r * in + i]);
      acc[r][0] = _mm256_fmadd_ps(v, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(v, w1, acc[r][1]);
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm256_storeu_ps(y + (int64_t)r * out + c, acc[r][0]);
    _mm256_storeu_ps(y + (int64_t)r * out + c + 8, acc[r][1]);
  }
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(int n, int in, int out, const float *x, const float *w,
                                                          const float *b, float *y) {
  int wide = out - out % 16;
  for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    int r1 = r0 + ROW_BLOCK < n ? r0 + ROW_BLOCK : n;
    for (int c = 0; c < wide; c += 16) {
      for (int r = r0; r < r1; r += ROWS256) {
        int rows = r1 - r < ROWS256 ? r1 - r : ROWS256;
        block256(rows, in, out, x + (int64_t)r * in, w, b, y + (int64_t)r * out, c);
      }
    }
    gemm_cols_scalar(r0, r1, wide, out, in, out, x, w, b, y);
  }
}

// ---------------------------------------------------------------- dispatch and JNI

static gemm_fn chosen(const char **name) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) {
    if (name) *name = "avx512";
    return gemm_avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    if (name) *name = "avx2";
    return gemm_avx2;
  }
  if (name) *name = "generic";
  return gemm_generic;
}

// For gemm_test.c: every variant this CPU can run, by name.
gemm_fn sf_gemm_variant(const char *name) {
  __builtin_cpu_init();
  if (!strcmp(name, "generic")) return gemm_generic;
  if (!strcmp(name, "avx512")) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") ? gemm_avx512 : 0;
  if (!strcmp(name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? gemm_avx2 : 0;
  return 0;
}

JNIEXPORT jstring JNICALL Java_org_sparkfusion_dlrm_core_NativeGemm_isa(JNIEnv *env, jclass cls) {
  (void)cls;
  const char *name;
  chosen(&name);
  return (*env)->NewStringUTF(env, name);
}

// Checks every size against the arrays' real lengths (64-bit products, so no overflow) before touching anything.
// Returns 0 when computed, -1 when a size does not fit its array (nothing is written then).
JNIEXPORT jint JNICALL Java_org_sparkfusion_dlrm_core_NativeGemm_affine(JNIEnv *env, jclass cls, jint n, jint in,
                                                                        jint out, jfloatArray xa, jfloatArray wa,
                                                                        jfloatArray ba, jfloatArray ya) {
  (void)cls;
  static gemm_fn fn = 0;
  if (!fn) fn = chosen(0);
  if (n < 0 || in <= 0 || out <= 0) return -1;
  if ((int64_t)n * in > (*env)->GetArrayLength(env, xa) || (int64_t)in * out > (*env)->GetArrayLength(env, wa)
      || out > (*env)->GetArrayLength(env, ba) || (int64_t)n * out > (*env)->GetArrayLength(env, ya)) {
    return -1;
  }
  if (n == 0) return 0;
  float *x = (*env)->GetPrimitiveArrayCritical(env, xa, NULL);
  float *w = (*env)->GetPrimitiveArrayCritical(env, wa, NULL);
  float *b = (*env)->GetPrimitiveArrayCritical(env, ba, NULL);
  float *y = (*env)->GetPrimitiveArrayCritical(env, ya, NULL);
  if (x && w && b && y) fn(n, in, out, x, w, b, y);
  int ok = x && w && b && y;
  if (y) (*env)->ReleasePrimitiveArrayCritical(env, ya, y, 0);
  if (b) (*env)->ReleasePrimitiveArrayCritical(env, ba, b, JNI_ABORT);
  if (w) (*env)->ReleasePrimitiveArrayCritical(env, wa, w, JNI_ABORT);
  if (x) (*env)->ReleasePrimitiveArrayCritical(env, xa, x, JNI_ABORT);
  return ok ? 0 : -1;
}
