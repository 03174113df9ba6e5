#!/usr/bin/python3
"""PyTorch side of dev/bench-dlrm.sh: runs on the files DlrmBench prepare wrote and writes torch_results.json.

Usage: /usr/bin/python3 bench_torch.py DIR THREADS [SECTIONS [OUT]]   (SECTIONS: gather,e2e; OUT: torch_results.json)
Measures (i) nn.EmbeddingBag(mode="sum") gather+pool on the same table shapes and indices as the Java side,
(ii) inference rows/s of the same DLRM (weights from DIR/e2e/model/*.npy) on the same rows, (iii) latency
per batch of 1, 64, 2048 rows. PyTorch gets the same thread count and runs under torch.inference_mode().
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn


class Dlrm(nn.Module):
    """Reference-layout DLRM (emb_l / bot_l / top_l), dot interaction without self-interaction, sigmoid on top.
    The lower-triangle index lists are built once (the reference rebuilds them per call)."""

    def __init__(self, state):
        super().__init__()
        n_emb = len([k for k in state if k.startswith("emb_l.")])
        self.emb_l = nn.ModuleList()
        for k in range(n_emb):
            w = torch.from_numpy(state["emb_l.%d.weight" % k])
            self.emb_l.append(nn.EmbeddingBag.from_pretrained(w, freeze=True, mode="sum"))
        self.bot_l = self.mlp(state, "bot_l", sigmoid_last=False)
        self.top_l = self.mlp(state, "top_l", sigmoid_last=True)
        n = n_emb + 1
        self.li = torch.tensor([i for i in range(n) for j in range(i)])
        self.lj = torch.tensor([j for i in range(n) for j in range(i)])

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

    def forward(self, dense, indices, offsets):
        x = self.bot_l(dense)
        ly = [emb(indices[k], offsets[k]) for k, emb in enumerate(self.emb_l)]
        t = torch.cat([x] + ly, dim=1).view(x.shape[0], -1, x.shape[1])
        z = torch.bmm(t, torch.transpose(t, 1, 2))
        return self.top_l(torch.cat([x, z[:, self.li, self.lj]], dim=1))


def timed(fn, min_seconds=2.0, warmup=2):
    for _ in range(warmup):
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - start
        if el >= min_seconds and n >= 3:
            return el / n


def gather(d, meta):
    out = {}
    for case in meta["gather"]:
        T, rows, dim, bags, pool, batches = (case[k] for k in ("tables", "rows", "dim", "bags", "pooling", "batches"))
        g = torch.Generator().manual_seed(5)
        embs = [nn.EmbeddingBag.from_pretrained(torch.rand(rows, dim, generator=g), mode="sum") for _ in range(T)]
        idx = np.fromfile(os.path.join(d, case["file"]), dtype="<i4").reshape(batches, T, bags * pool)
        idx = [[torch.from_numpy(idx[b, t].astype(np.int64)) for t in range(T)] for b in range(batches)]
        offsets = torch.arange(0, bags * pool, pool, dtype=torch.int64)
        state = {"b": 0}

        def run():
            b = state["b"] = (state["b"] + 1) % batches
            for t in range(T):
                embs[t](idx[b][t], offsets)

        with torch.inference_mode():
            sec = timed(run)
        lookups = T * bags * pool / sec
        out[case["name"]] = {"lookups_per_s": lookups, "gbps": lookups * dim * 4 / 1e9, "sec_per_batch": sec}
        print("torch gather %-28s %8.2f M lookups/s %6.2f GB/s" % (case["name"], lookups / 1e6, lookups * dim * 4 / 1e9))
        del embs
    return out


def e2e(d, meta):
    e = meta["e2e"]
    state = {f[:-4]: np.load(os.path.join(d, "e2e", "model", f)) for f in os.listdir(os.path.join(d, "e2e", "model"))
             if f.endswith(".npy")}
    model = Dlrm(state).eval()
    n, nd, nt = e["rows"], e["dense"], e["tables"]
    dense = torch.from_numpy(np.fromfile(os.path.join(d, "e2e", "dense.f32"), dtype="<f4").reshape(n, nd))
    sparse = torch.from_numpy(np.fromfile(os.path.join(d, "e2e", "sparse.i32"), dtype="<i4").reshape(nt, n).astype(np.int64))
    bs = e["batch"]

    def batch(lo, hi):
        return dense[lo:hi], [sparse[t, lo:hi] for t in range(nt)], [torch.arange(0, hi - lo, dtype=torch.int64)] * nt

    batches = [batch(lo, min(lo + bs, n)) for lo in range(0, n, bs)]
    with torch.inference_mode():
        ctr_first = model(*batch(0, 1000)).reshape(-1).tolist()
        sec = timed(lambda: [model(*b) for b in batches], min_seconds=3.0, warmup=1)
        lat = {}
        for size in (1, 64, 2048):
            b = batch(0, size)
            lat[str(size)] = timed(lambda: model(*b), min_seconds=1.0, warmup=3) * 1e3
    print("torch e2e %.0f rows/s (batch %d); latency ms %s" % (n / sec, bs, lat))
    return {"rows_per_s": n / sec, "batch": bs, "latency_ms": lat, "ctr_first": ctr_first}


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    res = {"torch_version": torch.__version__, "threads": torch.get_num_threads(),
           "config": torch.__config__.show(), "parallel": torch.__config__.parallel_info(),
           "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")}
    sections = sys.argv[3].split(",") if len(sys.argv) > 3 else ["gather", "e2e"]
    out_name = sys.argv[4] if len(sys.argv) > 4 else "torch_results.json"
    if "gather" in sections:
        res["gather"] = gather(d, meta)
    if "e2e" in sections:
        res["e2e"] = e2e(d, meta)
    with open(os.path.join(d, out_name), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
