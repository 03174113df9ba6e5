#!/usr/bin/python3
"""Writes the spark-dlrm test fixtures with Debian's python3-torch (run: /usr/bin/python3 make_fixtures.py OUTDIR).

A small DLRM laid out like facebookresearch/dlrm's DLRM_Net (emb_l ModuleList of EmbeddingBag(sum),
bot_l / top_l nn.Sequential with Linear at even indices, ReLU after every bottom layer, Sigmoid after the
last top layer, dot interaction over the strictly lower triangle of T T^T). This is our own code written
from the architecture description; it only produces fixtures, CI never runs it.
"""
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn


class TinyDlrm(nn.Module):
    def __init__(self, dense, bot, rows, dim, top, interaction="dot", self_interaction=False):
        super().__init__()
        self.interaction = interaction
        self.self_interaction = self_interaction
        self.emb_l = nn.ModuleList([nn.EmbeddingBag(r, dim, mode="sum") for r in rows])
        self.bot_l = self.mlp([dense] + bot, sigmoid_last=False)
        n = len(rows) + 1
        if interaction == "dot":
            pairs = n * (n + 1) // 2 if self_interaction else n * (n - 1) // 2
            top_in = dim + pairs
        else:
            top_in = dim * n
        self.top_l = self.mlp([top_in] + top, sigmoid_last=True)

    @staticmethod
    def mlp(sizes, sigmoid_last):
        layers = []
        for i in range(len(sizes) - 1):
            lin = nn.Linear(sizes[i], sizes[i + 1], bias=True)
            with torch.no_grad():
                lin.weight.normal_(0.0, (2.0 / (sizes[i] + sizes[i + 1])) ** 0.5)
                lin.bias.normal_(0.0, (1.0 / sizes[i + 1]) ** 0.5)
            layers.append(lin)
            last = i == len(sizes) - 2
            layers.append(nn.Sigmoid() if (last and sigmoid_last) else nn.ReLU())
        return nn.Sequential(*layers)

    def forward(self, dense, indices, offsets):
        x = self.bot_l(dense)
        ly = [emb(indices[k], offsets[k]) for k, emb in enumerate(self.emb_l)]
        if self.interaction == "dot":
            t = torch.cat([x] + ly, dim=1).view(x.shape[0], -1, x.shape[1])
            z = torch.bmm(t, torch.transpose(t, 1, 2))
            n = t.shape[1]
            off = 1 if self.self_interaction else 0
            li = torch.tensor([i for i in range(n) for j in range(i + off)])
            lj = torch.tensor([j for i in range(n) for j in range(i + off)])
            r = torch.cat([x, z[:, li, lj]], dim=1)
        else:
            r = torch.cat([x] + ly, dim=1)
        return self.top_l(r)


def make_rows(rng, n, dense, rows):
    out = []
    for b in range(n):
        d = [float(v) for v in rng.lognormal(0.0, 1.0, dense).astype(np.float32)]
        sparse = []
        for t, r in enumerate(rows):
            k = 0 if (b + t) % 7 == 3 else int(rng.integers(1, 4))  # some empty bags
            sparse.append([int(v) for v in rng.integers(0, r, k)])
        out.append({"dense": d, "sparse": sparse})
    return out


def score(model, rows_in, dense):
    x = torch.tensor([r["dense"] for r in rows_in], dtype=torch.float32).reshape(-1, dense)
    indices, offsets = [], []
    for t in range(len(model.emb_l)):
        flat, off = [], []
        for r in rows_in:
            off.append(len(flat))
            flat.extend(r["sparse"][t])
        indices.append(torch.tensor(flat, dtype=torch.long))
        offsets.append(torch.tensor(off, dtype=torch.long))
    with torch.no_grad():
        return model(x, indices, offsets).reshape(-1).tolist()


def write_rows(path, rows_in, ctr):
    with open(path, "w") as f:
        for r, c in zip(rows_in, ctr):
            f.write(json.dumps({"dense": r["dense"], "sparse": r["sparse"], "expected": c}) + "\n")


def write_npy_dir(path, state):
    os.makedirs(path, exist_ok=True)
    for k, v in state.items():
        np.save(os.path.join(path, k + ".npy"), v.detach().numpy().astype(np.float32))


class Evil:
    def __reduce__(self):
        return (os.system, ("touch target/pwned-by-pickle",))


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    rng = np.random.default_rng(11)
    rows = [10, 7, 5]
    dense = 4
    dot = TinyDlrm(dense, [8, 4], rows, 4, [8, 4, 1])
    # One optimizer step so the checkpoint carries real optimizer state (momentum buffers).
    opt = torch.optim.SGD(dot.parameters(), lr=0.01, momentum=0.9)
    sample = make_rows(rng, 4, dense, rows)
    loss = sum(score_t for score_t in [dot(torch.tensor([r["dense"] for r in sample]),
        [torch.tensor([i for r in sample for i in r["sparse"][t]], dtype=torch.long) for t in range(3)],
        [torch.tensor(np.cumsum([0] + [len(r["sparse"][t]) for r in sample][:-1]), dtype=torch.long) for t in range(3)]).sum()])
    loss.backward()
    opt.step()
    ckpt = {"state_dict": dot.state_dict(), "epoch": 1, "iter": 4, "nepochs": 1, "nbatches": 4,
            "nbatches_test": 1, "train_loss": 0.5, "total_loss": 2.0, "opt_state_dict": opt.state_dict(),
            "test_acc": 0.75}
    torch.save(ckpt, os.path.join(out, "dot_checkpoint.pt"))
    torch.save(dot.state_dict(), os.path.join(out, "dot_state_dict.pt"))
    write_npy_dir(os.path.join(out, "dot_npy"), dot.state_dict())
    rows_in = make_rows(rng, 40, dense, rows)
    write_rows(os.path.join(out, "dot_rows.jsonl"), rows_in, score(dot, rows_in, dense))

    selfdot = TinyDlrm(dense, [6, 3], rows, 3, [5, 1], self_interaction=True)
    torch.save(selfdot.state_dict(), os.path.join(out, "dotself_state_dict.pt"))
    r2 = make_rows(rng, 20, dense, rows)
    write_rows(os.path.join(out, "dotself_rows.jsonl"), r2, score(selfdot, r2, dense))

    cat = TinyDlrm(dense, [6, 3], rows, 3, [6, 1], interaction="cat")
    torch.save(cat.state_dict(), os.path.join(out, "cat_state_dict.pt"))
    r3 = make_rows(rng, 20, dense, rows)
    write_rows(os.path.join(out, "cat_rows.jsonl"), r3, score(cat, r3, dense))

    wrong = dot.state_dict()
    wrong["emb_l.1.weight"] = wrong["emb_l.1.weight"].double()
    torch.save(wrong, os.path.join(out, "wrong_dtype.pt"))

    # A torch.save-shaped zip whose data.pkl calls os.system when unpickled by pickle.load.
    with zipfile.ZipFile(os.path.join(out, "malicious.pt"), "w") as z:
        z.writestr("malicious/data.pkl", pickle.dumps({"state_dict": Evil()}, protocol=2))
        z.writestr("malicious/version", "3\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
