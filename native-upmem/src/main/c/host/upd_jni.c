/*
 * JNI glue between org.sparkfusion.upmem.<UPD_JNI_CLASS> and the host library. Whole batches cross the boundary
 * as direct buffers (native byte order), never one row at a time. Errors become IllegalStateException.
 * Compiled once per runtime: UPD_JNI_CLASS=EmulatedDpuNative (emulator) or SdkDpuNative (UPMEM SDK).
 */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>

#include "upd_host.h"

#ifndef UPD_JNI_CLASS
#error "define UPD_JNI_CLASS"
#endif
#define UPD_JNI_PASTE(cls, name) Java_org_sparkfusion_upmem_##cls##_##name
#define UPD_JNI_NAME(cls, name) UPD_JNI_PASTE(cls, name)
#define JNI_FN(name) JNIEXPORT JNICALL UPD_JNI_NAME(UPD_JNI_CLASS, name)

static void throw_state(JNIEnv *env, const char *msg) {
  jclass cls = (*env)->FindClass(env, "java/lang/IllegalStateException");
  if (cls != NULL) {
    (*env)->ThrowNew(env, cls, msg);
  }
}

static void *direct(JNIEnv *env, jobject buffer, const char *what) {
  void *p = buffer == NULL ? NULL : (*env)->GetDirectBufferAddress(env, buffer);
  if (p == NULL && buffer != NULL && (*env)->GetDirectBufferCapacity(env, buffer) > 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a direct buffer", what);
    throw_state(env, msg);
  }
  return p;
}

static struct upd_ctx *ctx_of(jlong handle) { return (struct upd_ctx *)(intptr_t)handle; }

/* Whether buffer holds at least need bytes; else throws naming it. The host library trusts the lengths it is
 * given, so this is where whatever Java passes is held to what the buffers really have. */
static int holds(JNIEnv *env, jobject buffer, uint64_t need, const char *what) {
  jlong cap = buffer == NULL ? 0 : (*env)->GetDirectBufferCapacity(env, buffer);
  if (need > 0 && (cap < 0 || (uint64_t)cap < need)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s holds %lld bytes but %llu are needed", what, (long long)cap,
             (unsigned long long)need);
    throw_state(env, msg);
    return 0;
  }
  return 1;
}

jlong JNI_FN(open)(JNIEnv *env, jobject self, jint nr_ranks, jstring profile, jstring kernel) {
  (void)self;
  char err[768];
  const char *p = (*env)->GetStringUTFChars(env, profile, NULL);
  const char *k = (*env)->GetStringUTFChars(env, kernel, NULL);
  struct upd_ctx *ctx = NULL;
  int rc = upd_open((uint32_t)nr_ranks, p, k, &ctx, err, sizeof err);
  (*env)->ReleaseStringUTFChars(env, profile, p);
  (*env)->ReleaseStringUTFChars(env, kernel, k);
  if (rc != 0) {
    throw_state(env, err);
    return 0;
  }
  return (jlong)(intptr_t)ctx;
}

jint JNI_FN(nrDpus)(JNIEnv *env, jobject self, jlong h) {
  (void)env;
  (void)self;
  return (jint)upd_nr_dpus(ctx_of(h));
}

jint JNI_FN(nrRanks)(JNIEnv *env, jobject self, jlong h) {
  (void)env;
  (void)self;
  return (jint)upd_nr_ranks(ctx_of(h));
}

jlong JNI_FN(batchCapacity)(JNIEnv *env, jobject self, jlong h) {
  (void)env;
  (void)self;
  return (jlong)upd_batch_capacity(ctx_of(h));
}

void JNI_FN(loadShard)(JNIEnv *env, jobject self, jlong h, jint dpu, jobject rows, jint nr_rows, jint row_words,
                       jint cols) {
  (void)self;
  char err[768];
  if (h == 0 || nr_rows < 0 || row_words < 0 || cols < 0) {
    throw_state(env, "loadShard: closed backend or negative size");
    return;
  }
  const int32_t *r = direct(env, rows, "rows");
  if ((*env)->ExceptionCheck(env) || !holds(env, rows, (uint64_t)nr_rows * (uint64_t)row_words * 4, "rows")) {
    return;
  }
  if (upd_load_shard(ctx_of(h), (uint32_t)dpu, r, (uint32_t)nr_rows, (uint32_t)row_words, (uint32_t)cols, err,
                     sizeof err) != 0) {
    throw_state(env, err);
  }
}

void JNI_FN(runBatch)(JNIEnv *env, jobject self, jlong h, jobject bag_counts, jobject idx_counts, jobject bags,
                      jobject idx, jobject dest, jobject out, jlong out_len, jdouble inv_scale, jlongArray stats) {
  (void)self;
  char err[768];
  const uint32_t *bc = direct(env, bag_counts, "bagCounts");
  const uint32_t *ic = direct(env, idx_counts, "indexCounts");
  const uint32_t *b = direct(env, bags, "bags");
  const uint32_t *ix = direct(env, idx, "indices");
  const int64_t *d = direct(env, dest, "destinations");
  float *o = direct(env, out, "out");
  if ((*env)->ExceptionCheck(env)) {
    return;
  }
  if (h == 0 || out_len < 0 || stats == NULL || (*env)->GetArrayLength(env, stats) < 6) {
    throw_state(env, "runBatch: closed backend, negative output length or short stats array");
    return;
  }
  const uint64_t n = upd_nr_dpus(ctx_of(h));
  if (!holds(env, bag_counts, 4 * n, "bagCounts") || !holds(env, idx_counts, 4 * n, "indexCounts")) {
    return;
  }
  uint64_t nb = 0, ni = 0;
  for (uint64_t k = 0; k < n; k++) {
    nb += bc[k];
    ni += ic[k];
  }
  if (!holds(env, bags, 8 * nb, "bags") || !holds(env, idx, 4 * ni, "indices") ||
      !holds(env, dest, 8 * nb, "destinations") || !holds(env, out, 4 * (uint64_t)out_len, "out")) {
    return;
  }
  struct upd_batch_stats s;
  if (upd_run_batch(ctx_of(h), bc, ic, b, ix, d, o, (uint64_t)out_len, inv_scale, &s, err, sizeof err) != 0) {
    throw_state(env, err);
    return;
  }
  jlong values[6] = {(jlong)s.push_to_bytes_per_dpu, (jlong)s.args_bytes_per_dpu, (jlong)s.push_from_bytes_per_dpu,
                     (jlong)s.max_bags, (jlong)s.max_indices, (jlong)s.reduce_ns};
  (*env)->SetLongArrayRegion(env, stats, 0, 6, values);
}

void JNI_FN(counters)(JNIEnv *env, jobject self, jlong h, jlongArray out) {
  (void)self;
  char err[768];
  jsize n = (*env)->GetArrayLength(env, out);
  uint32_t nr = upd_nr_dpus(ctx_of(h));
  if ((uint64_t)n < (uint64_t)nr * UPD_NR_DPU_COUNTERS) {
    throw_state(env, "counter array too small");
    return;
  }
  jlong *values = (*env)->GetLongArrayElements(env, out, NULL);
  int rc = upd_dpu_counters(ctx_of(h), (uint64_t *)values, err, sizeof err);
  (*env)->ReleaseLongArrayElements(env, out, values, 0);
  if (rc != 0) {
    throw_state(env, err);
  }
}

void JNI_FN(resetCounters)(JNIEnv *env, jobject self, jlong h) {
  (void)env;
  (void)self;
  upd_reset_counters(ctx_of(h));
}

void JNI_FN(close)(JNIEnv *env, jobject self, jlong h) {
  (void)env;
  (void)self;
  upd_close(ctx_of(h));
}
