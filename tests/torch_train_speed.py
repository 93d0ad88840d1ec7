#!/usr/bin/python3
"""PyTorch's training speed on the configuration rnnfx's BPTT is measured on: one recurrent layer
and a dense head, batch B segments of a T-step window, forward + ESR/DC-style loss + backward +
Adam step, on the CPU with a given number of threads; the best of --reps steps. Prints one line
per configuration:

    torch <cell> H=<h> B=<b> T=<t> threads=<n>: <samples/s> samples/s

Usage: /usr/bin/python3 tests/torch_train_speed.py [--threads 2] [--batch 32] [--steps 2048]
       [--reps 5] [cell:H ...]          (default: gru:8 gru:16 gru:32 lstm:32)
"""

import argparse
import time

import torch


def bench(cell, hidden, batch, steps, threads, reps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
        1, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 1)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=1e-3)
    x = torch.rand(batch, steps, 1) - 0.5
    t = torch.tanh(3 * x)

    def step():
        opt.zero_grad()
        h, _ = rnn(x)
        y = head(h) + x
        py, pt = y[:, 1:] - 0.85 * y[:, :-1], t[:, 1:] - 0.85 * t[:, :-1]
        loss = ((py - pt) ** 2).sum() / ((pt ** 2).sum() + 1e-10)
        loss = loss + (t - y).mean(dim=1).pow(2).mean() / (t.pow(2).mean() + 1e-10)
        loss.backward()
        opt.step()

    step()  # warm-up: allocator and thread pool
    best = float("inf")
    for _ in range(reps):  # the best of reps: the machine may be shared, and noise only slows
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    return batch * steps / best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=2048)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("configs", nargs="*", default=["gru:8", "gru:16", "gru:32", "lstm:32"])
    a = ap.parse_args()
    for c in a.configs:
        cell, h = c.split(":")
        sps = bench(cell, int(h), a.batch, a.steps, a.threads, a.reps)
        print("torch %s H=%s B=%d T=%d threads=%d: %.0f samples/s" % (cell, h, a.batch, a.steps,
                                                                     a.threads, sps))


if __name__ == "__main__":
    main()
