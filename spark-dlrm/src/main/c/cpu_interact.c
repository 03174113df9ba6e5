// Dot interaction of the DLRM (org.sparkfusion.dlrm.core.NativeInteraction), in the pooling kernel's library.
//
// Why native: per row the interaction is (T+1)T/2 dot products of length d (351 of 16 for Criteo's 26 tables), and
// the Java loop runs each as a chain of dependent scalar adds: on the benchmark model it took as long as both MLPs
// together. Here 16 rows (AVX-512; 8 with AVX2) are done at once, one row per vector lane: the rows' vectors are
// transposed into a [feature][q][lane] block that stays in L1, and each dot product becomes d vertical
// multiply-then-add steps over the lanes.
//
// Exactness: each dot product is s = 0; s += a[q] * b[q] for q = 0..d-1, multiply rounded and then add rounded (no
// fused multiply-add: this file is compiled with -ffp-contract=off), exactly as DlrmNetwork's Java loop, so results
// are bit-identical to it. Output layout, per row: the bottom MLP's d values, then dot(v_i, v_j) for i = 1..T,
// j = 0..i-1 (and j = i with self-interaction), v_0 being the bottom output and v_i table i-1's pooled vector.
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEATURES 1024
#define MAX_DIM 256

static void interact_rows_scalar(int b0, int b1, int t, int d, int self, const float *x, const float *pooled,
                                 float *r, int top_in) {
  for (int b = b0; b < b1; b++) {
    float *o = r + (int64_t)b * top_in;
    memcpy(o, x + (int64_t)b * d, sizeof(float) * (size_t)d);
    int k = d;
    for (int i = 0; i <= t; i++) {
      const float *vi = i == 0 ? x + (int64_t)b * d : pooled + ((int64_t)b * t + i - 1) * d;
      for (int j = 0; j < i + self; j++) {
        const float *vj = j == 0 ? x + (int64_t)b * d : pooled + ((int64_t)b * t + j - 1) * d;
        float s = 0.0f;
        for (int q = 0; q < d; q++) s += vi[q] * vj[q];
        o[k++] = s;
      }
    }
  }
}

// Lanes rows at once. tr holds the transposed block: tr[(i * d + q) * lanes + lane].
#define INTERACT_SIMD(NAME, TARGET, VEC, LANES, SETZERO, LOAD, MUL, ADD, STORE)                                  \
  __attribute__((target(TARGET))) static void NAME(int n, int t, int d, int self, const float *x,              \
                                                   const float *pooled, float *r, int top_in, float *tr) {     \
    int full = n - n % LANES;                                                                                   \
    float lanes_out[LANES] __attribute__((aligned(64)));                                                       \
    for (int b0 = 0; b0 < full; b0 += LANES) {                                                                  \
      for (int l = 0; l < LANES; l++) {                                                                         \
        int b = b0 + l;                                                                                         \
        const float *xb = x + (int64_t)b * d;                                                                   \
        for (int q = 0; q < d; q++) tr[q * LANES + l] = xb[q];                                                  \
        const float *pb = pooled + (int64_t)b * t * d;                                                          \
        for (int f = 0; f < t * d; f++) tr[(d + f) * LANES + l] = pb[f];                                        \
        memcpy(r + (int64_t)b * top_in, xb, sizeof(float) * (size_t)d);                                        \
      }                                                                                                         \
      int k = d;                                                                                                \
      for (int i = 0; i <= t; i++) {                                                                            \
        const float *vi = tr + (int64_t)i * d * LANES;                                                          \
        for (int j = 0; j < i + self; j++) {                                                                    \
          const float *vj = tr + (int64_t)j * d * LANES;                                                        \
          VEC s = SETZERO();                                                                                    \
          for (int q = 0; q < d; q++) s = ADD(s, MUL(LOAD(vi + q * LANES), LOAD(vj + q * LANES)));              \
          STORE(lanes_out, s);                                                                                  \
          for (int l = 0; l < LANES; l++) r[(int64_t)(b0 + l) * top_in + k] = lanes_out[l];                    \
          k++;                                                                                                  \
        }                                                                                                       \
      }                                                                                                         \
    }                                                                                                           \
    interact_rows_scalar(full, n, t, d, self, x, pooled, r, top_in);                                            \
  }

INTERACT_SIMD(interact_avx512, "avx512f", __m512, 16, _mm512_setzero_ps, _mm512_load_ps, _mm512_mul_ps,
              _mm512_add_ps, _mm512_store_ps)
INTERACT_SIMD(interact_avx2, "avx2", __m256, 8, _mm256_setzero_ps, _mm256_load_ps, _mm256_mul_ps, _mm256_add_ps,
              _mm256_store_ps)

typedef void (*interact_fn)(int n, int t, int d, int self, const float *x, const float *pooled, float *r,
                            int top_in, float *tr);

static void interact_generic(int n, int t, int d, int self, const float *x, const float *pooled, float *r,
                             int top_in, float *tr) {
  (void)tr;
  interact_rows_scalar(0, n, t, d, self, x, pooled, r, top_in);
}

// For interact_test.c and the JNI entry: the variant by name, or 0 if this CPU cannot run it.
interact_fn sf_interact_variant(const char *name) {
  __builtin_cpu_init();
  if (!strcmp(name, "generic")) return interact_generic;
  if (!strcmp(name, "avx512")) return __builtin_cpu_supports("avx512f") ? interact_avx512 : 0;
  if (!strcmp(name, "avx2")) return __builtin_cpu_supports("avx2") ? interact_avx2 : 0;
  return 0;
}

static interact_fn interact_chosen(const char **name) {
  static const char *order[] = {"avx512", "avx2", "generic"};
  for (int k = 0; k < 3; k++) {
    interact_fn fn = sf_interact_variant(order[k]);
    if (fn) {
      if (name) *name = order[k];
      return fn;
    }
  }
  return interact_generic;
}

JNIEXPORT jstring JNICALL Java_org_sparkfusion_dlrm_core_NativeInteraction_isa(JNIEnv *env, jclass cls) {
  (void)cls;
  const char *name = "generic";
  interact_chosen(&name);
  return (*env)->NewStringUTF(env, name);
}

// Checks every size against the arrays' real lengths (64-bit products) first. Returns 0 when computed, -1 when a
// size does not fit (nothing written).
JNIEXPORT jint JNICALL Java_org_sparkfusion_dlrm_core_NativeInteraction_dot(JNIEnv *env, jclass cls, jint n, jint t,
                                                                            jint d, jboolean self, jfloatArray xa,
                                                                            jfloatArray pa, jfloatArray ra) {
  (void)cls;
  static interact_fn fn = 0;
  if (!fn) fn = interact_chosen(0);
  if (n < 0 || t < 0 || t + 1 > MAX_FEATURES || d <= 0 || d > MAX_DIM) return -1;
  int64_t pairs = (int64_t)(t + 1) * (t + (self ? 2 : 0)) / 2;  // j < i (+ j == i) over i = 0..t
  int64_t top_in = d + pairs;
  if ((int64_t)n * d > (*env)->GetArrayLength(env, xa) || (int64_t)n * t * d > (*env)->GetArrayLength(env, pa)
      || (int64_t)n * top_in > (*env)->GetArrayLength(env, ra) || top_in > INT32_MAX) {
    return -1;
  }
  if (n == 0) return 0;
  // The transposed block of 16 rows: at most 1024 x 256 x 16 floats (16 MB) by the limits above; 27 KB for Criteo.
  size_t tr_bytes = ((size_t)(t + 1) * (size_t)d * 16 * sizeof(float) + 63) / 64 * 64;
  float *tr = n >= 8 ? aligned_alloc(64, tr_bytes) : 0;
  if (n >= 8 && !tr) return -1;
  float *x = (*env)->GetPrimitiveArrayCritical(env, xa, NULL);
  float *p = (*env)->GetPrimitiveArrayCritical(env, pa, NULL);
  float *r = (*env)->GetPrimitiveArrayCritical(env, ra, NULL);
  int ok = x && p && r;
  if (ok) (tr ? fn : interact_generic)(n, t, d, self ? 1 : 0, x, p, r, (int)top_in, tr);
  if (r) (*env)->ReleasePrimitiveArrayCritical(env, ra, r, 0);
  if (p) (*env)->ReleasePrimitiveArrayCritical(env, pa, p, JNI_ABORT);
  if (x) (*env)->ReleasePrimitiveArrayCritical(env, xa, x, JNI_ABORT);
  free(tr);
  return ok ? 0 : -1;
}
