"""PyTorch side of dev/bench-dlrm.sh: one round of every baseline variant, written as raw JSON.

Usage: python dlrm_torch.py DIR OUT.json THREADS ROUND

Runs on the files `DlrmBench prepare` wrote into DIR (gather index files, the model as .npy, the rows), with the
same thread count as our side, under torch.inference_mode(). The variants are the ones a user would reach for:

gather (sum pooling, fp32 unless named):
  embedding_bag_loop        one nn.EmbeddingBag per table, as the DLRM reference code does
  embedding_bag_concat      all tables in one nn.EmbeddingBag (rows stacked, ids shifted): one call per batch
  fbgemm_tbe                FBGEMM's table-batched embedding bag on CPU (SplitTableBatchedEmbeddingBagsCodegen,
                            EmbeddingLocation.HOST, ComputeDevice.CPU): the kernel TorchRec uses on CPU
  fbgemm_tbe_inference      FBGEMM's inference TBE (IntNBitTableBatchedEmbeddingBagsCodegen) with fp32 weights
  fbgemm_tbe_inference_int8 the same with int8 rows (row-wise scale and bias), beside our cpu-int8
end to end (the same DLRM as ours, weights from DIR/e2e/model):
  eager_loop, eager_concat  the model with the gathers above, eager mode
  jit_freeze                torch.jit.trace + torch.jit.freeze of eager_concat (oneDNN fusions for Linear+ReLU)
  compile                   torch.compile of eager_concat (inductor's C++ backend; compiled before timing)
  fbgemm_tbe_inference      the model with FBGEMM's inference TBE for all 26 tables
The fbgemm variants run only where fbgemm_gpu imports (dev/bench-dlrm.sh runs this script twice per round: once in
a venv with the newest torch, once in one with the torch that the newest fbgemm-gpu-cpu is built against).
Nothing here keeps a best figure: every variant's measurement of this round goes into the JSON as it is.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

try:  # only in the fbgemm venv
    import fbgemm_gpu  # noqa: F401  (registers the torch.ops.fbgemm kernels)
    from fbgemm_gpu.split_embedding_configs import SparseType
    from fbgemm_gpu.split_table_batched_embeddings_ops_common import BoundsCheckMode, EmbeddingLocation, PoolingMode
    from fbgemm_gpu.split_table_batched_embeddings_ops_inference import IntNBitTableBatchedEmbeddingBagsCodegen
    from fbgemm_gpu.split_table_batched_embeddings_ops_training import (ComputeDevice,
                                                                        SplitTableBatchedEmbeddingBagsCodegen)
    FBGEMM = fbgemm_gpu.__version__
except Exception:  # noqa: BLE001  (absent or built against another torch: the variants are skipped, and said so)
    FBGEMM = None

MIN_SECONDS = float(os.environ.get("BENCH_MIN_SECONDS", "2.0"))


def rows_per_second(model, batches, bs, min_seconds=MIN_SECONDS, warmup=2):
    """Rows/s over full batches taken in turn until >= min_seconds (and >= 3 batches) have passed: a slow variant
    costs the same wall time as a fast one (timing whole passes over the rows took minutes for the slowest)."""
    for k in range(warmup):
        model(*batches[k % len(batches)])
    k, start = 0, time.perf_counter()
    while True:
        model(*batches[k % len(batches)])
        k += 1
        el = time.perf_counter() - start
        if el >= min_seconds and k >= 3:
            return k * bs / el


def timed(fn, min_seconds=MIN_SECONDS, warmup=2):
    """Mean seconds per call over >= min_seconds (and >= 3 calls), after warm-up calls."""
    for _ in range(warmup):
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - start
        if el >= min_seconds and n >= 3:
            return el / n


# ---------------------------------------------------------------- embedding bags

class Loop(nn.Module):
    """One nn.EmbeddingBag per table."""

    def __init__(self, weights):
        super().__init__()
        self.bags = nn.ModuleList(nn.EmbeddingBag.from_pretrained(w, freeze=True, mode="sum") for w in weights)

    def forward(self, per_table):  # [(indices, offsets)] per table -> [B, T * dim]
        return torch.cat([bag(i, o) for bag, (i, o) in zip(self.bags, per_table)], dim=1)


class Concat(nn.Module):
    """All tables stacked in one nn.EmbeddingBag; ids arrive shifted by their table's first row (done in advance)."""

    def __init__(self, weights):
        super().__init__()
        self.t = len(weights)
        self.bag = nn.EmbeddingBag.from_pretrained(torch.cat(weights), freeze=True, mode="sum",
                                                 include_last_offset=True)

    def forward(self, flat):  # (indices, offsets) table-major over T * B bags -> [B, T * dim]
        out = self.bag(flat[0], flat[1])
        return out.view(self.t, -1, out.shape[1]).transpose(0, 1).reshape(-1, self.t * out.shape[1])


class Tbe(nn.Module):
    """FBGEMM table-batched embedding bag, training module in CPU mode (fp32 rows)."""

    def __init__(self, weights):
        super().__init__()
        self.t, self.dim = len(weights), weights[0].shape[1]
        self.tbe = SplitTableBatchedEmbeddingBagsCodegen(
            [(w.shape[0], w.shape[1], EmbeddingLocation.HOST, ComputeDevice.CPU) for w in weights],
            pooling_mode=PoolingMode.SUM, weights_precision=SparseType.FP32, output_dtype=SparseType.FP32,
            device="cpu")
        with torch.no_grad():
            for dst, src in zip(self.tbe.split_embedding_weights(), weights):
                dst.copy_(src)

    def forward(self, flat):  # (indices, offsets) table-major, not shifted -> [B, T * dim]
        return self.tbe(flat[0], flat[1])


class TbeInference(nn.Module):
    """FBGEMM inference TBE, fp32 or int8 rows (int8: FBGEMM's row-wise quantisation with scale and bias)."""

    def __init__(self, weights, int8=False):
        super().__init__()
        ty = SparseType.INT8 if int8 else SparseType.FP32
        self.tbe = IntNBitTableBatchedEmbeddingBagsCodegen(
            [("t%d" % k, w.shape[0], w.shape[1], ty, EmbeddingLocation.HOST) for k, w in enumerate(weights)],
            pooling_mode=PoolingMode.SUM, device="cpu", output_dtype=SparseType.FP32,
            bounds_check_mode=BoundsCheckMode.NONE)  # ids were checked when the inputs were written
        self.tbe.fill_random_weights()
        with torch.no_grad():
            for (dst, scale, bias), src in zip(self.tbe.split_embedding_weights_with_scale_bias(2), weights):
                if int8:  # uint8 rows [rows, dim] with fp16 row-wise scale and bias, FBGEMM's layout
                    lo = src.min(dim=1, keepdim=True).values
                    step = (src.max(dim=1, keepdim=True).values - lo).clamp_min(1e-12) / 255.0
                    dst.copy_(torch.round((src - lo) / step).clamp(0, 255).to(torch.uint8))
                    scale.copy_(step.half())
                    bias.copy_(lo.half())
                else:  # fp32 rows stored as bytes
                    dst.view(torch.float32).copy_(src)

    def forward(self, flat):  # (indices, offsets) int32, table-major, not shifted
        return self.tbe(flat[0], flat[1])


def make_inputs(kind, idx, rows, pooling):
    """idx: int64 [T, bags * pooling] -> the inputs `kind` takes, built before timing (as for our side)."""
    t, per = idx.shape
    bags = per // pooling
    if kind == "loop":
        off = torch.arange(0, per, pooling, dtype=torch.int64)
        return [(idx[k], off) for k in range(t)]
    flat = idx + (torch.arange(t, dtype=torch.int64) * rows).unsqueeze(1) if kind == "concat" else idx
    flat = flat.reshape(-1)
    off = torch.arange(0, t * per + 1, pooling, dtype=torch.int64)
    assert off.numel() == t * bags + 1
    if kind == "tbe_inference":
        return (flat.to(torch.int32), off.to(torch.int32))
    return (flat, off)


def grad_off(kind):
    """torch.inference_mode() (the fastest eager mode), but no_grad() for the training TBE: its CPU kernel is
    registered under the autograd key only, which inference mode skips (NotImplementedError on 'CPU')."""
    return torch.no_grad() if kind == "tbe" else torch.inference_mode()


GATHER_VARIANTS = [  # name, module factory, input kind, needs fbgemm
    ("embedding_bag_loop", lambda w: Loop(w), "loop", False),
    ("embedding_bag_concat", lambda w: Concat(w), "concat", False),
    ("fbgemm_tbe", lambda w: Tbe(w), "tbe", True),
    ("fbgemm_tbe_inference", lambda w: TbeInference(w), "tbe_inference", True),
    ("fbgemm_tbe_inference_int8", lambda w: TbeInference(w, int8=True), "tbe_inference", True),
]


def gather(d, meta):
    out = {}
    for case in meta["gather"]:
        t, rows, dim, bags, pool, batches = (case[k] for k in ("tables", "rows", "dim", "bags", "pooling", "batches"))
        g = torch.Generator().manual_seed(5)
        weights = [torch.rand(rows, dim, generator=g) for _ in range(t)]
        raw = np.fromfile(os.path.join(d, case["file"]), dtype="<i4").reshape(batches, t, bags * pool)
        idx = [torch.from_numpy(raw[b].astype(np.int64)) for b in range(batches)]
        res = out[case["name"]] = {}
        reference = None
        for name, factory, kind, needs_fbgemm in GATHER_VARIANTS:
            if needs_fbgemm and FBGEMM is None:
                continue
            module = factory(weights).eval()
            inputs = [make_inputs(kind, i, rows, pool) for i in idx]
            state = {"b": 0}

            def run():
                state["b"] = (state["b"] + 1) % batches
                return module(inputs[state["b"]])

            with grad_off(kind):
                check = module(inputs[0])
                if reference is None:
                    reference = check
                err = float((check - reference).abs().max())
                sec = timed(run)
            lookups = t * bags * pool / sec
            res[name] = {"lookups_per_s": lookups, "max_abs_diff_vs_first_variant": err}
            print("torch gather %-34s %-26s %8.1f M lookups/s (|diff| %.1e)" % (case["name"], name, lookups / 1e6, err),
                  flush=True)
            del module, inputs
        del weights
    return out


# ---------------------------------------------------------------- the DLRM

class Dlrm(nn.Module):
    """Reference-layout DLRM (emb_l / bot_l / top_l), dot interaction without self-interaction, sigmoid on top; the
    lower-triangle indices are built once (the reference rebuilds them per call). `emb` is one of the gather
    modules above, returning [B, T * dim]."""

    def __init__(self, state, emb):
        super().__init__()
        self.emb = emb
        self.bot_l = self.mlp(state, "bot_l", sigmoid_last=False)
        self.top_l = self.mlp(state, "top_l", sigmoid_last=True)
        n = len([k for k in state if k.startswith("emb_l.")]) + 1
        self.register_buffer("li", torch.tensor([i for i in range(n) for j in range(i)]))
        self.register_buffer("lj", torch.tensor([j for i in range(n) for j in range(i)]))

    @staticmethod
    def mlp(state, prefix, sigmoid_last):
        idx = sorted({int(k.split(".")[1]) for k in state if k.startswith(prefix + ".")})
        layers = []
        for pos, i in enumerate(idx):
            w = torch.from_numpy(state["%s.%d.weight" % (prefix, i)])
            lin = nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(w)
                lin.bias.copy_(torch.from_numpy(state["%s.%d.bias" % (prefix, i)]))
            layers.append(lin)
            layers.append(nn.Sigmoid() if (sigmoid_last and pos == len(idx) - 1) else nn.ReLU())
        return nn.Sequential(*layers)

    def forward(self, dense, sparse):
        x = self.bot_l(dense)
        t = torch.cat([x, self.emb(sparse)], dim=1).view(x.shape[0], -1, x.shape[1])
        z = torch.bmm(t, torch.transpose(t, 1, 2))
        return self.top_l(torch.cat([x, z[:, self.li, self.lj]], dim=1))


def e2e(d, meta, threads):
    e = meta["e2e"]
    mdir = os.path.join(d, "e2e", "model")
    state = {f[:-4]: np.load(os.path.join(mdir, f), allow_pickle=False) for f in os.listdir(mdir) if f.endswith(".npy")}
    nt = e["tables"]
    weights = [torch.from_numpy(state["emb_l.%d.weight" % k]) for k in range(nt)]
    table_rows = [w.shape[0] for w in weights]
    n, nd = e["rows"], e["dense"]
    dense = torch.from_numpy(np.fromfile(os.path.join(d, "e2e", "dense.f32"), dtype="<f4").reshape(n, nd))
    sparse = torch.from_numpy(np.fromfile(os.path.join(d, "e2e", "sparse.i32"), dtype="<i4").reshape(nt, n)
                              .astype(np.int64))
    starts = torch.tensor(np.concatenate([[0], np.cumsum(table_rows)[:-1]]), dtype=torch.int64).unsqueeze(1)

    def inputs(kind, lo, hi):
        ids, b = sparse[:, lo:hi], hi - lo
        if kind == "loop":
            off = torch.arange(0, b, dtype=torch.int64)
            return dense[lo:hi], [(ids[k], off) for k in range(nt)]
        flat = (ids + starts if kind == "concat" else ids).reshape(-1)
        off = torch.arange(0, nt * b + 1, dtype=torch.int64)
        if kind == "tbe_inference":
            return dense[lo:hi], (flat.to(torch.int32), off.to(torch.int32))
        return dense[lo:hi], (flat, off)

    variants = [("eager_loop", lambda: Dlrm(state, Loop(weights)), "loop", None),
                ("eager_concat", lambda: Dlrm(state, Concat(weights)), "concat", None),
                ("jit_freeze", lambda: Dlrm(state, Concat(weights)), "concat", "jit"),
                ("compile", lambda: Dlrm(state, Concat(weights)), "concat", "compile")]
    if FBGEMM is not None:
        variants = [("fbgemm_tbe_inference", lambda: Dlrm(state, TbeInference(weights)), "tbe_inference", None)]
    only = os.environ.get("BENCH_TORCH_E2E_VARIANTS")
    if only:
        variants = [v for v in variants if v[0] in only.split(",")]
    batch_sizes = (2048, 64) + tuple(int(b) for b in os.environ.get("BENCH_TORCH_SWEEP", "").split(",") if b)
    sizes = sorted(set(batch_sizes) | {1})  # every shape a variant sees (torch.compile compiles each once)
    out = {"rows": n, "variants": {}}
    reference = None
    for name, factory, kind, wrap in variants:
        model = factory().eval()
        res = out["variants"][name] = {}
        try:
            with torch.inference_mode():
                t0 = time.perf_counter()
                if wrap == "jit":
                    model = torch.jit.freeze(torch.jit.trace(model, inputs(kind, 0, 2048), check_trace=False))
                elif wrap == "compile":
                    model = torch.compile(model, dynamic=False)
                for bs in sizes:  # compile / trace warm-up per shape, not timed below
                    model(*inputs(kind, 0, bs))
                res["prepare_s"] = time.perf_counter() - t0
                first = model(*inputs(kind, 0, 2048)).reshape(-1)[:1000]
                if reference is None:
                    reference = first
                    out["ctr_first"] = first.tolist()
                    out["ctr_first_variant"] = name
                res["max_abs_diff_vs_first_variant"] = float((first - reference).abs().max())
                res["rows_per_s"] = {}
                for bs in batch_sizes:
                    res["rows_per_s"][str(bs)] = rows_per_second(model, [inputs(kind, lo, lo + bs)
                                                                         for lo in range(0, n - bs + 1, bs)], bs)
                res["latency_ms"] = {}
                for size in (1, 64, 2048):
                    b = inputs(kind, 0, size)
                    lat = res["latency_ms"][str(size)] = {}
                    for th in sorted({1, threads}):
                        torch.set_num_threads(th)
                        lat["threads_%d" % th] = timed(lambda: model(*b), min_seconds=MIN_SECONDS / 2, warmup=5) * 1e3
                    torch.set_num_threads(threads)
        except Exception as ex:  # noqa: BLE001  (a variant that cannot run here is reported, not hidden)
            res["error"] = "%s: %s" % (type(ex).__name__, str(ex).splitlines()[0] if str(ex) else "")
        print("torch e2e %-22s %s" % (name, json.dumps({k: v for k, v in res.items()})), flush=True)
        del model
    return out


def anon_huge_pages_kb():
    try:
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def main():
    d, out_path, threads, rnd = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    res = {"side": "pytorch", "round": rnd, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "torch_version": torch.__version__, "fbgemm_version": FBGEMM, "threads": torch.get_num_threads(),
           "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""), "config": torch.__config__.show(),
           "parallel": torch.__config__.parallel_info()}
    sections = os.environ.get("BENCH_SECTIONS", "gather,e2e").split(",")
    if "gather" in sections:
        res["gather"] = gather(d, meta)
    if "e2e" in sections:
        res["e2e"] = e2e(d, meta, threads)
    res["anon_huge_pages_kb"] = anon_huge_pages_kb()
    res["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tmp = os.path.join(os.path.dirname(os.path.abspath(out_path)), "." + os.path.basename(out_path) + ".tmp")
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, out_path)
    print("wrote " + out_path)


if __name__ == "__main__":
    main()
