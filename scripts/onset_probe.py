#!/usr/bin/python3
"""How well can drum classes be told apart from what an onset model's network is given, when the
onsets are known? A small MLP (one hidden layer of 64 tanh units, full-batch Adam) reads the front
end's features of the first D milliseconds after each labelled onset (`drumgen features`) and says
which classes sound there (hits within 2 ms of each other are one multi-class example). Trained on
one set, scored per class (F1 at 0.5) on others. It separates what the features and the training
kits allow from what the recurrent model and its detection add (presets/README.md, "What the
features allow").

    onset_probe.py [--ms D] [--bands N] [--seed N] [NAME=]TRAIN.txt [NAME=]TEST.txt...

Each file (named NAME in the report): `drumgen features` lines ("time class f..."), one file per set, the lines of several
WAV files concatenated, each WAV's lines preceded by "# NAME". Needs python3-torch."""
import argparse
import sys

import numpy as np
import torch

CLASSES = ["cymbal", "hihat", "kick", "snare", "tom"]


def load(path, ms, bands):
    """Examples (X, Y): features of the first `ms` steps, and the classes sounding (multi-hot)."""
    xs, ys, last = [], [], None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                last = None
                continue
            a = line.split()
            t, k = float(a[0]), CLASSES.index(a[1])
            if last is not None and t - last < 0.002:
                ys[-1][k] = 1.0
                continue
            feats = np.array(a[2:], dtype=np.float32).reshape(-1, bands + 1)
            if len(feats) < ms:
                sys.exit(f"{path}: {len(feats)} steps per label, --ms {ms} wants more")
            y = np.zeros(len(CLASSES), dtype=np.float32)
            y[k] = 1.0
            xs.append(feats[:ms].ravel())
            ys.append(y)
            last = t
    return np.stack(xs), np.stack(ys)


def f1(p, y):
    out = []
    for k in range(y.shape[1]):
        tp = np.sum((p[:, k] > 0.5) & (y[:, k] > 0))
        fp = np.sum((p[:, k] > 0.5) & (y[:, k] == 0))
        fn = np.sum((p[:, k] <= 0.5) & (y[:, k] > 0))
        out.append(2 * tp / max(1, 2 * tp + fp + fn) if tp + fn else np.nan)
    return np.array(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ms", type=int, default=8)
    ap.add_argument("--bands", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iters", type=int, default=3000)
    ap.add_argument("train")
    ap.add_argument("test", nargs="+")
    o = ap.parse_args()
    torch.manual_seed(o.seed)
    name_of = lambda a: a.split("=", 1) if "=" in a else (a, a)
    train_name, train_path = name_of(o.train)
    x, y = load(train_path, o.ms, o.bands)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    t = lambda a: torch.tensor((a - mu) / sd)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.Tanh(),
                              torch.nn.Linear(64, len(CLASSES)))
    opt = torch.optim.Adam(net.parameters(), 1e-3, weight_decay=1e-4)
    xa, ya = t(x), torch.tensor(y)
    for _ in range(o.iters):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(xa), ya).backward()
        opt.step()
    with torch.no_grad():
        sets = [("trained on", train_name, None)] + [("scored on",) + tuple(name_of(a)) for a in o.test]
        for role, name, path in sets:
            xt, yt = (x, y) if path is None else load(path, o.ms, o.bands)
            s = f1(torch.sigmoid(net(t(xt))).numpy(), yt)
            per = " ".join(f"{c} {100 * v:.1f}" for c, v in zip(CLASSES, s))
            print(f"{role} {name}: {len(xt)} examples, mean F1 {100 * np.nanmean(s):.1f} % ({per})")


if __name__ == "__main__":
    main()
