#!/usr/bin/env python3
"""FuseFL in PyTorch, the reference beside spark-fusefl's DL4J FuseFL (issue 22, item 2).

Written for this project from the paper (Tang et al., NeurIPS 2024) and docs/fusefl.md; it follows OUR Java
semantics (spark-fusefl, backbone "cnn", adaptor conv1x1, headFeatures=concat, adaptorInit=random, constant
learning rate) and says in comments where the paper differs. It trains on the split our job exported
(`bin/sparkfusion fusefl ... --export-split FILE`): same data files, same rows per client.

    python dev/fusefl-torch/fusefl_torch.py --split split.json --blocks 2 --epochs 20 --lr 0.02 \
        --methods fusefl --json out.json

What is the same as ours (spark-fusefl/src/main/java/org/sparkfusion/fusefl/core/ClientArchitecture.java etc.):
* network "cnn" at width w: conv 5x5 'same' (w) + ReLU + max-pool 2, conv 5x5 'same' (2w) + ReLU + max-pool 2,
  two dense layers of 16w each followed by BatchNorm and ReLU, a linear softmax classifier; FuseFL clients at
  width round(w / sqrt(M)) (Java's Math.round); baselines at w. Blocks: K=1 all; K=2 {conv,conv},{dense,dense};
  K=3 {conv},{conv},{dense,dense}; K=4 one layer each. (Paper: ResNet-18, split after stage 2 at K=2.)
* initialisation as DL4J's WeightInit.RELU: weights ~ N(0, 2 / fan_in), biases 0; BatchNorm gamma 1, beta 0,
  eps 1e-5, running averages with decay 0.9 (torch momentum 0.1).
* SGD with Nesterov momentum 0.9 (DL4J Nesterovs; torch's nesterov=True is the same update), constant lr, batch
  128, mean cross-entropy, a fresh optimizer per stage (DL4J builds a new network each stage), every epoch a new
  shuffle, the last partial batch included. (Paper: plain momentum in the released code.)
* stage k (0-based) of client m: a new 1x1 adaptor (a 1x1 convolution from the M concatenated block-(k-1)
  outputs to this client's block-(k-1) width; for vector outputs its dense equivalent) + the client's blocks
  k..K-1 and classifier, the blocks above k and the classifier carried over from the previous stage, trained on
  the frozen fused blocks below, which run in inference mode (BatchNorm statistics frozen; the paper's code keeps
  them in train mode). The fused blocks' output is computed once per row and cached (up to 100 M floats per
  client, as StageInputs.MAX_VALUES) unless augmentation needs it per batch. Upload: adaptor + block k.
* epochs: E total per method; FuseFL ceil(E/K) per stage; baselines K x ceil(E/K) epochs.
* augmentation (augmentShift / augmentFlip): every training image moved by its own offset dy, dx in [-s, s]
  (zero fill), then mirrored with probability 1/2, drawn per batch; with augmentFusedStages (our default) stages
  2..K augment too, the augmented images going through the frozen blocks per batch.
* classifier: the clients' classifiers averaged element-wise and tiled M times over the concatenated final
  features (headFeatures=concat: the paper's summed-feature logits before calibration), then CCVR: per client,
  per class count, sum and sum of outer products of the fused features (the outer sums rounded to float32, as
  our wire format sends them), merged by addition; unbiased covariances; 5,000 virtual features per class
  drawn from N(mean, cov) (Cholesky with a diagonal jitter max(1e-8, 1e-6 trace / d), x10 on failure, as
  ClassStatistics.cholesky); the head trained on them for `calibration epochs` passes of SGD with plain
  momentum 0.9 at the training lr and batch (SoftmaxHead.train). (Paper: summed features, one pass.)
* baselines: M full-width models from one shared initialisation; FedAvg = row-weighted mean of every value
  including BatchNorm's running statistics (DL4J stores the running variance as log10 of the standard deviation
  (useLogStd), so that is what is averaged here too); Ensemble = mean of the M models' probabilities; local =
  the best client model on the test split (as our job reports it).

What differs and cannot be the same: the random streams (DL4J's initialisation and our SplittableRandom
shuffles vs torch's generators; the seeds have the same structure: per client and stage), float arithmetic
order, and the schedule of work: our job trains the M clients as Spark tasks, two at a time on local[2] with one
ND4J thread each; here they run one after another with torch.set_num_threads(2) (--threads).

Output: one JSON (written atomically) with the settings, the split's sha256 (checked against the export), the
results per method (accuracy, training seconds, parameters), torch's version and build configuration
(torch.__config__.show()), the thread count and the process's peak resident memory (ru_maxrss).
"""
import argparse
import copy
import gzip
import hashlib
import json
import math
import os
import platform
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SPLIT_FORMAT = "sparkfusion-fusefl-split"
CACHE_MAX_VALUES = 100_000_000  # StageInputs.MAX_VALUES
PREDICT_BATCH = 256  # spark.sparkfusion.fusefl.predictBatchSize default
BLOCK_SPLITS = {1: [[0, 1, 2, 3]], 2: [[0, 1], [2, 3]], 3: [[0], [1], [2, 3]], 4: [[0], [1], [2], [3]]}


class UsageError(Exception):
    pass


# ---- data


def _open(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_idx_images(path, limit):
    """An IDX image file (magic 0x803) as float32 [n, 1, h, w] in [0, 1], the first `limit` images (0 = all)."""
    with _open(path) as f:
        head = f.read(16)
        if len(head) < 16:
            raise ValueError("%s: truncated IDX header" % path)
        magic, n, h, w = struct.unpack(">IIII", head)
        if magic != 0x803:
            raise ValueError("%s: not an IDX image file (magic %#x, expected 0x803)" % (path, magic))
        n = min(n, limit) if limit > 0 else n
        data = f.read(n * h * w)
    if len(data) != n * h * w:
        raise ValueError("%s: truncated, %d of %d image bytes" % (path, len(data), n * h * w))
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8).astype(np.float32).reshape(n, 1, h, w) / 255.0)


def read_idx_labels(images_path, limit):
    """The labels beside an IDX image file (as our IdxDataSource finds them: images-idx3 -> labels-idx1)."""
    path = images_path.replace("images-idx3", "labels-idx1")
    if path == images_path:
        raise ValueError("cannot derive the labels file of %s" % images_path)
    with _open(path) as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic != 0x801:
            raise ValueError("%s: not an IDX label file (magic %#x, expected 0x801)" % (path, magic))
        n = min(n, limit) if limit > 0 else n
        data = f.read(n)
    if len(data) != n:
        raise ValueError("%s: truncated, %d of %d labels" % (path, len(data), n))
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8).astype(np.int64))


def split_sha256(clients):
    """SplitExport.sha256: SHA-256 of the clients as ASCII decimals joined by ','."""
    return hashlib.sha256(",".join(str(int(c)) for c in clients).encode("ascii")).hexdigest()


def load_split(path):
    """Our exported split, checked: format, hash, and that row i of the file has the label the export gives it."""
    try:
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
    except ValueError as e:
        raise UsageError("--split %s: not JSON (%s)" % (path, e))
    if s.get("format") != SPLIT_FORMAT or s.get("version") != 1:
        raise UsageError("--split %s: not a %s version 1 file" % (path, SPLIT_FORMAT))
    clients = s["client"]
    if len(clients) != s["rows"] or len(s["label"]) != s["rows"]:
        raise UsageError("--split %s: %d clients and %d labels for %d rows" % (path, len(clients), len(s["label"]),
                                                                                 s["rows"]))
    if split_sha256(clients) != s["split_sha256"]:
        raise UsageError("--split %s: split_sha256 does not match its client list" % path)
    x = read_idx_images(s["train_images"], s["train_limit"])
    y = read_idx_labels(s["train_images"], s["train_limit"])
    if len(y) != s["rows"]:
        raise UsageError("--split %s: %s has %d rows (train_limit %d), the split %d" % (
            path, s["train_images"], len(y), s["train_limit"], s["rows"]))
    bad = (y != torch.tensor(s["label"], dtype=torch.int64)).nonzero()
    if len(bad):
        raise UsageError("--split %s: row %d of %s has label %d, the split says %d (not the same row order)" % (
            path, int(bad[0]), s["train_images"], int(y[bad[0]]), s["label"][int(bad[0])]))
    xt = read_idx_images(s["test_images"], s["test_limit"])
    yt = read_idx_labels(s["test_images"], s["test_limit"])
    if len(yt) != s["test_rows"]:
        raise UsageError("--split %s: %d test rows here, %d in our job" % (path, len(yt), s["test_rows"]))
    c = torch.tensor(clients, dtype=torch.int64)
    # Within a client the rows keep file order (our task receives them in Spark's order; both shuffle each epoch).
    parts = [(x[c == m], y[c == m]) for m in range(s["clients"])]
    return s, parts, (xt, yt), int(y.max()) + 1


# ---- network


def java_round(v):
    return int(math.floor(v + 0.5))


def layer_units(width):
    """The cnn backbone's four layers: (kind, output width)."""
    return [("convpool", width), ("convpool", 2 * width), ("dense", 16 * width), ("dense", 16 * width)]


def he_init(module):
    """DL4J WeightInit.RELU: N(0, 2 / fan_in) weights, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            with torch.no_grad():
                m.weight.normal_(0.0, math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    m.bias.zero_()


def unit_module(kind, width, shape):
    """One layer on an input of `shape` ((c, h, w) or (d,)); returns the module and its output shape."""
    if kind == "convpool":
        if len(shape) != 3:
            raise ValueError("a convolution needs a feature map input, got %s" % (shape,))
        c, h, w = shape
        return nn.Sequential(nn.Conv2d(c, width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)), (width, h // 2, w // 2)
    d = int(np.prod(shape))
    # DL4J flattens a map channel-major ([c, h, w] in 'c' order) in front of a dense layer: torch's flatten(1).
    return nn.Sequential(nn.Flatten(), nn.Linear(d, width), nn.BatchNorm1d(width, eps=1e-5, momentum=0.1),
                         nn.ReLU()), (width,)


class Client:
    """One client's network: blocks (nn.Sequential each) and the classifier, with every block's output shape."""

    def __init__(self, width, blocks, in_shape, classes):
        units = layer_units(width)
        self.blocks = []
        self.shapes = []  # output shape of each block
        shape = in_shape
        for ids in BLOCK_SPLITS[blocks]:
            mods = []
            for i in ids:
                m, shape = unit_module(units[i][0], units[i][1], shape)
                mods.append(m)
            self.blocks.append(nn.Sequential(*mods))
            self.shapes.append(shape)
        if len(shape) != 1:
            raise ValueError("the cnn backbone ends in dense layers")  # (a map would be average-pooled first)
        self.head = nn.Linear(shape[0], classes)
        for b in self.blocks:
            he_init(b)
        he_init(self.head)


def adaptor(in_shape, out_shape):
    """The conv1x1 adaptor: a 1x1 convolution from the concatenated maps (or its dense equivalent on vectors)."""
    if len(in_shape) == 3:
        a = nn.Conv2d(in_shape[0], out_shape[0], 1)
    else:
        a = nn.Linear(in_shape[0], out_shape[0])
    he_init(a)
    return a


def concat_shape(shapes):
    return (sum(s[0] for s in shapes),) + tuple(shapes[0][1:])


def count_values(module):
    """Parameters plus BatchNorm running mean and variance (what DL4J's numParams counts)."""
    n = sum(p.numel() for p in module.parameters())
    for m in module.modules():
        if isinstance(m, nn.BatchNorm1d):
            n += m.running_mean.numel() + m.running_var.numel()
    return n


class Fused:
    """The fused blocks so far: branch[k][m] = client m's (adaptor +) block k, frozen, in inference mode."""

    def __init__(self):
        self.branches = []

    def add(self, branches):
        for b in branches:
            b.eval()
            for p in b.parameters():
                p.requires_grad_(False)
        self.branches.append(branches)

    @torch.no_grad()
    def stage_input(self, x, stage):
        """Input of block `stage`: outputs of all M branches of every block below, concatenated in client order
        (conv1x1; after the last block: the head's concatenated features)."""
        cur = x
        for k in range(stage):
            cur = torch.cat([b(cur) for b in self.branches[k]], 1)
        return cur

    def batched(self, x, stage):
        return torch.cat([self.stage_input(x[i:i + PREDICT_BATCH], stage) for i in range(0, len(x), PREDICT_BATCH)])

    def parameters(self):
        return sum(count_values(b) for bs in self.branches for b in bs)


# ---- training


def augment(x, shift, flip, g):
    """Each image moved by its own (dy, dx) in [-shift, shift] (zero fill), then mirrored with probability 1/2."""
    n, c, h, w = x.shape
    if shift > 0:
        dy = torch.randint(-shift, shift + 1, (n,), generator=g)
        dx = torch.randint(-shift, shift + 1, (n,), generator=g)
        p = F.pad(x, (shift, shift, shift, shift))
        ys = torch.arange(h)[None, :] - dy[:, None] + shift
        xs = torch.arange(w)[None, :] - dx[:, None] + shift
        x = p[torch.arange(n)[:, None, None], :, ys[:, :, None], xs[:, None, :]].permute(0, 3, 1, 2).contiguous()
    if flip:
        m = torch.rand(n, generator=g) < 0.5
        x = x.clone()
        x[m] = x[m].flip(-1)
    return x


class StageInputs:
    """The stage's training inputs: images at stage 0, else the frozen fused blocks' output, cached when it fits
    and the inputs do not change per epoch (no augmentation, or augmentation not applied to later stages)."""

    def __init__(self, fused, stage, x, augments):
        self.fused, self.stage, self.x = fused, stage, x
        self.cache = None
        if stage > 0 and not augments and len(x):
            row = fused.stage_input(x[:1], stage).numel()
            if row * len(x) <= CACHE_MAX_VALUES:
                self.cache = fused.batched(x, stage)

    def batch(self, idx, shift, flip, g):
        if self.cache is not None:
            return self.cache[idx]
        x = self.x[idx]
        if shift > 0 or flip:
            x = augment(x, shift, flip, g)
        return x if self.stage == 0 else self.fused.stage_input(x, self.stage)


def train(net, inputs, y, epochs, batch, lr, momentum, shift, flip, g):
    """Mini-batch SGD with Nesterov momentum on mean cross-entropy; returns the last epoch's mean loss."""
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=lr, momentum=momentum, nesterov=True)
    net.train()
    n = len(y)
    loss_sum, batches = float("nan"), 0
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        loss_sum, batches = 0.0, 0
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            if len(idx) < 2:
                # BatchNorm cannot train on one row in torch (DL4J takes it with variance 0): a one-row last batch
                # is skipped, one row of the epoch.
                continue
            x = inputs.batch(idx, shift, flip, g)
            loss = F.cross_entropy(net(x), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if not math.isfinite(loss.item()):
                raise RuntimeError("training loss became %s (lower the learning rate?)" % loss.item())
            loss_sum += loss.item()
            batches += 1
    return loss_sum / max(1, batches)


def init_seed(seed, client, stage):
    return seed * 1_000_003 + client * 101 + stage  # ClientStageTask's per-client, per-stage initialisation seed


def data_seed(seed, client, stage):
    return seed * 1_000_003 + client * 7919 + stage  # ClientTrainer's shuffle / augmentation generator seed


def generator(seed):
    return torch.Generator().manual_seed(seed % (2 ** 63))


def train_fusefl(a, parts, in_shape, classes, log):
    m_clients = len(parts)
    k_blocks = a.blocks
    width = max(1, java_round(a.width / math.sqrt(m_clients)))
    eps = -(-a.epochs // k_blocks)
    clients = []
    for m in range(m_clients):
        torch.manual_seed(init_seed(a.seed, m, 0) % (2 ** 63))
        clients.append(Client(width, k_blocks, in_shape, classes))
    fused = Fused()
    t0 = time.perf_counter()
    stage_seconds = []
    for stage in range(k_blocks):
        ts = time.perf_counter()
        uploads = []
        aug = a.augment_fused_stages or stage == 0
        shift, flip = (a.augment_shift, a.augment_flip) if aug else (0, False)
        for m, (x, y) in enumerate(parts):
            c = clients[m]
            mods = []
            if stage > 0:
                torch.manual_seed(init_seed(a.seed, m, stage) % (2 ** 63))
                mods.append(adaptor(concat_shape([cl.shapes[stage - 1] for cl in clients]), c.shapes[stage - 1]))
            mods += c.blocks[stage:] + [c.head]
            net = nn.Sequential(*mods)
            inputs = StageInputs(fused, stage, x, shift > 0 or flip)
            loss = train(net, inputs, y, eps, a.batch, a.lr, a.momentum, shift, flip, generator(data_seed(a.seed, m, stage)))
            uploads.append(copy.deepcopy(nn.Sequential(*mods[:2]) if stage > 0 else c.blocks[stage]))
            log.append("stage %d client %d: %d rows, loss %.4f" % (stage + 1, m, len(y), loss))
        fused.add(uploads)
        stage_seconds.append(time.perf_counter() - ts)
        log.append("stage %d/%d: %.1f s" % (stage + 1, k_blocks, stage_seconds[-1]))
    # Classifier averaging, tiled over the concatenated features (headFeatures=concat).
    tc = time.perf_counter()
    w = torch.stack([c.head.weight.detach() for c in clients]).mean(0)
    b = torch.stack([c.head.bias.detach() for c in clients]).mean(0)
    head = nn.Linear(w.shape[1] * m_clients, classes)
    with torch.no_grad():
        head.weight.copy_(w.repeat(1, m_clients))
        head.bias.copy_(b)
    if a.calibration:
        calibrate(a, fused, head, parts, k_blocks, classes)
    cal_seconds = time.perf_counter() - tc
    log.append("classifier: averaged %d heads, CCVR %s, %.1f s" % (m_clients, "on" if a.calibration else "off",
                                                                     cal_seconds))
    seconds = time.perf_counter() - t0
    head.eval()
    predict = lambda xs: head(fused.stage_input(xs, k_blocks))
    detail = {"client_width": width, "epochs_per_stage": eps, "stage_seconds": stage_seconds,
              "calibration_seconds": cal_seconds}
    return predict, seconds, fused.parameters() + count_values(head), detail


def cholesky(cov):
    """ClassStatistics.cholesky: lower factor with a growing diagonal jitter; zeros if it never succeeds."""
    d = cov.shape[0]
    jitter = max(1e-8, 1e-6 * np.trace(cov) / d)
    for _ in range(20):
        try:
            return np.linalg.cholesky(cov + jitter * np.eye(d))
        except np.linalg.LinAlgError:
            jitter *= 10
    return np.zeros_like(cov)


def calibrate(a, fused, head, parts, k_blocks, classes):
    """CCVR: merged per-class moments of the fused features, virtual features, head retrained on them."""
    count = np.zeros(classes, dtype=np.int64)
    total = None
    outer = None
    for x, y in parts:
        f = fused.batched(x, k_blocks).double().numpy()
        yn = y.numpy()
        if total is None:
            total = np.zeros((classes, f.shape[1]))
            outer = np.zeros((classes, f.shape[1], f.shape[1]))
        for c in range(classes):
            fc = f[yn == c]
            if len(fc) == 0:
                continue
            count[c] += len(fc)
            total[c] += fc.sum(0)
            # Our clients send the outer-product sums as float32 (ClassStatistics.toBytes).
            outer[c] += (fc.T @ fc).astype(np.float32).astype(np.float64)
    g = generator(a.seed + 17)
    feats, labels = [], []
    for c in range(classes):
        n = count[c]
        if n == 0:
            continue
        mean = total[c] / n
        cov = (outer[c] - n * np.outer(mean, mean)) / (n - 1) if n > 1 else np.zeros_like(outer[c])
        l_factor = torch.from_numpy(cholesky(cov))
        z = torch.randn(a.calibration_samples, len(mean), generator=g, dtype=torch.float64)
        feats.append((z @ l_factor.T + torch.from_numpy(mean)).float())
        labels.append(torch.full((a.calibration_samples,), c, dtype=torch.int64))
    feats, labels = torch.cat(feats), torch.cat(labels)
    # SoftmaxHead.train: plain (not Nesterov) momentum, mean cross-entropy, a new shuffle per pass.
    opt = torch.optim.SGD(head.parameters(), lr=a.lr, momentum=a.momentum)
    gh = generator(a.seed + 31)
    for _ in range(a.calibration_epochs):
        perm = torch.randperm(len(labels), generator=gh)
        for start in range(0, len(labels), a.batch):
            idx = perm[start:start + a.batch]
            loss = F.cross_entropy(head(feats[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def full_model(width, in_shape, classes):
    c = Client(width, 1, in_shape, classes)
    return nn.Sequential(*c.blocks, c.head)


def train_baselines(a, parts, in_shape, classes, log):
    """M full-width models from one shared initialisation, K x ceil(E/K) epochs each."""
    eps = -(-a.epochs // a.blocks) * a.blocks
    t0 = time.perf_counter()
    models = []
    for m, (x, y) in enumerate(parts):
        torch.manual_seed(a.seed % (2 ** 63))  # shared initialisation (ClientStageTask sharedInit)
        net = full_model(a.width, in_shape, classes)
        loss = train(net, StageInputs(None, 0, x, True), y, eps, a.batch, a.lr, a.momentum, a.augment_shift,
                     a.augment_flip, generator(data_seed(a.seed, m, 0)))
        net.eval()
        models.append(net)
        log.append("baseline client %d: %d rows, loss %.4f" % (m, len(y), loss))
    avg = fedavg(models, [len(y) for _, y in parts])
    seconds = time.perf_counter() - t0
    log.append("baselines: %.1f s" % seconds)
    return models, avg, seconds, eps


@torch.no_grad()
def fedavg(models, rows):
    """Row-weighted mean of every value; BatchNorm's running variance averaged as log10(std), as DL4J stores it."""
    avg = copy.deepcopy(models[0])
    total = float(sum(rows))
    states = [m.state_dict() for m in models]
    out = {}
    for key, v in states[0].items():
        if key.endswith("num_batches_tracked"):
            out[key] = v
        elif key.endswith("running_var"):
            logstd = sum(torch.log10(torch.sqrt(s[key].double())) * (r / total) for s, r in zip(states, rows))
            out[key] = (10.0 ** logstd).pow(2).to(v.dtype)
        else:
            out[key] = sum(s[key].double() * (r / total) for s, r in zip(states, rows)).to(v.dtype)
    avg.load_state_dict(out)
    avg.eval()
    return avg


@torch.no_grad()
def accuracy(predict_logits, xt, yt):
    correct = 0
    for i in range(0, len(yt), PREDICT_BATCH):
        correct += int((predict_logits(xt[i:i + PREDICT_BATCH]).argmax(1) == yt[i:i + PREDICT_BATCH]).sum())
    return correct / len(yt)


@torch.no_grad()
def ensemble_accuracy(models, xt, yt):
    return accuracy(lambda xs: torch.stack([F.softmax(m(xs), 1) for m in models]).mean(0), xt, yt)


# ---- command line


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", required=True, help="our job's --export-split JSON")
    p.add_argument("--methods", default="fusefl,fedavg,ensemble,local",
                   help="comma-separated, of fusefl, fedavg, ensemble, local (default: all)")
    p.add_argument("--blocks", type=int, default=2, help="K, 1..4 (default 2)")
    p.add_argument("--epochs", type=int, default=20, help="total local epochs per method (default 20)")
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--calibration-epochs", type=int, default=5)
    p.add_argument("--calibration-samples", type=int, default=5000)
    p.add_argument("--no-calibration", dest="calibration", action="store_false")
    p.add_argument("--augment-shift", type=int, default=0)
    p.add_argument("--augment-flip", action="store_true")
    p.add_argument("--no-augment-fused-stages", dest="augment_fused_stages", action="store_false")
    p.add_argument("--seed", type=int, default=None, help="default: the split's seed")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--json", help="write the results here (atomically)")
    p.add_argument("--label", default="")
    a = p.parse_args(argv)
    methods = [m for m in a.methods.split(",") if m]
    bad = [m for m in methods if m not in ("fusefl", "fedavg", "ensemble", "local")]
    if bad or not methods:
        p.error("--methods: unknown %s (fusefl, fedavg, ensemble, local)" % ",".join(bad))
    a.methods = methods
    if a.blocks not in BLOCK_SPLITS:
        p.error("--blocks must be 1..4, got %d" % a.blocks)
    if a.epochs < a.blocks:
        p.error("--epochs (%d) must be >= --blocks (%d)" % (a.epochs, a.blocks))
    if not 0 <= a.augment_shift <= 8:
        p.error("--augment-shift must be 0..8, got %d" % a.augment_shift)
    for name in ("width", "batch", "calibration_epochs", "calibration_samples", "threads"):
        if getattr(a, name) < 1:
            p.error("--%s must be >= 1" % name.replace("_", "-"))
    if not a.lr > 0 or not 0 <= a.momentum < 1:
        p.error("--lr must be > 0 and --momentum in [0, 1)")
    return a


def write_json(path, obj):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def warm_up(in_shape, classes):
    """One training step of a throwaway network before any clock starts: torch loads some of its libraries on the
    first convolution (with the PyPI wheel that took ~10 s here), a one-off cost outside what is compared (our
    job's Spark and JVM start-up are outside its training seconds too). Returns its seconds."""
    t = time.perf_counter()
    net = full_model(2, in_shape, classes)
    loss = F.cross_entropy(net(torch.zeros((2,) + in_shape)), torch.zeros(2, dtype=torch.int64))
    loss.backward()
    return time.perf_counter() - t


def main(argv):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    try:
        split, parts, (xt, yt), classes = load_split(a.split)
    except (UsageError, ValueError, OSError, KeyError) as e:
        print("fusefl_torch: %s" % e, file=sys.stderr)
        return 2
    if a.seed is None:
        a.seed = int(split["seed"])
    in_shape = tuple(parts[0][0].shape[1:])
    warmup = warm_up(in_shape, classes)
    log = []
    results = []
    if "fusefl" in a.methods:
        predict, seconds, params, detail = train_fusefl(a, parts, in_shape, classes, log)
        acc = accuracy(predict, xt, yt)
        results.append(dict(method="fusefl", accuracy=acc, seconds=seconds, parameters=params, **detail))
        print("fusefl_torch: fusefl test accuracy %.4f, %.1f s" % (acc, seconds), file=sys.stderr)
    if any(m != "fusefl" for m in a.methods):
        models, avg, seconds, eps = train_baselines(a, parts, in_shape, classes, log)
        if "fedavg" in a.methods:
            results.append(dict(method="fedavg", accuracy=accuracy(avg, xt, yt), seconds=seconds,
                                parameters=count_values(avg), epochs=eps))
        if "ensemble" in a.methods:
            results.append(dict(method="ensemble", accuracy=ensemble_accuracy(models, xt, yt), seconds=seconds,
                                parameters=sum(count_values(m) for m in models), epochs=eps))
        if "local" in a.methods:
            accs = [accuracy(m, xt, yt) for m in models]
            results.append(dict(method="local", accuracy=max(accs), seconds=seconds,
                                parameters=count_values(models[0]), epochs=eps, client=int(np.argmax(accs))))
        for r in results[-len([m for m in a.methods if m != "fusefl"]):]:
            print("fusefl_torch: %s test accuracy %.4f" % (r["method"], r["accuracy"]), file=sys.stderr)
    out = {
        "impl": "torch",
        "dataset": split["dataset"], "clients": split["clients"], "alpha": split["alpha"], "blocks": a.blocks,
        "seed": a.seed, "split_seed": split["seed"], "epochs": a.epochs, "train_limit": split["train_limit"],
        "test_rows": len(yt), "split_sha256": split["split_sha256"], "width": a.width, "backbone": "cnn",
        "lr": a.lr, "momentum": a.momentum, "batch": a.batch, "calibration_epochs": a.calibration_epochs,
        "calibration_samples": a.calibration_samples, "calibration": a.calibration,
        "augment_shift": a.augment_shift, "augment_flip": a.augment_flip,
        "augment_fused_stages": a.augment_fused_stages, "label": a.label,
        "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "torch_config": torch.__config__.show(), "torch_parallel_info": torch.__config__.parallel_info(),
        "python": platform.python_version(), "warmup_seconds": warmup,
        "peak_rss_mb_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "log": log, "results": results,
    }
    print("fusefl_torch: %s" % " ".join("%s=%.4f" % (r["method"], r["accuracy"]) for r in results))
    if a.json:
        write_json(a.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
