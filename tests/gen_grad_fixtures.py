#!/usr/bin/python3
"""Writes tests/fixtures/grad_*.json: PyTorch autograd gradients that tests/test_grad_reference.c
compares with rnnfx's BPTT (dsp/bptt.h) and optimiser (dsp/optim.h). Besides the per-cell files
described below there are grad_tbptt_lstm.json (a forward-only warm-up, then windows from the
carried, detached state: each window's loss and gradients) and grad_adam.json (torch.optim.AdamW
steps on a vector).

Each file holds one model and one batch, and one case per loss:

  {"model": <rnnfx model object>,
   "input": {"shape": [B, T, I], "data": [...]},
   "target": {"shape": [B, T, O], "data": [...]}       (effects)
   "labels": {"shape": [B, T], "data": [...]}          (classifiers; -1 = ignored step)
   "warmup": w,
   "cases": [{"loss": "mse" | "esr_dc" | "ce" | "bce", "pre_emph": .., "esr_weight": .., "dc_weight": ..,
              "class_weights": [...], "value": L,
              "grads": {"<tensor name>": {"shape": [...], "data": [...]}, ...}}]}

The batch runs from the model's initial state over all T steps; steps before `warmup` are in the
graph but not in the loss; gradients are d(loss)/d(tensor), h0/c0 included when "trained". The
losses are written out here from their definitions in dsp/loss.h, not taken from a library.

Weights and data are float32 values (written with 9 significant digits, so they read back
exactly); the gradients are computed in float64 from those values, so the reference carries no
float32 rounding of its own. Deterministic (seeded). Run from anywhere:

    /usr/bin/python3 tests/gen_grad_fixtures.py
"""

import copy
import json
import os

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SEED = 20261125
B, T, WARMUP, H, L = 3, 40, 5, 8, 2
CELLS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
ESR_EPS = 1e-10


def fmt(x):
    s = "%.9g" % float(x)
    if not any(c in s for c in ".eEni"):
        s += ".0"
    return s


def entry(t, ints=False):
    vals = t.detach().reshape(-1).tolist()
    data = ",".join(str(int(v)) for v in vals) if ints else ",".join(fmt(v) for v in vals)
    return '{"shape": %s, "data": [%s]}' % (json.dumps(list(t.shape)), data)


def obj(d, indent=0):
    """A dict whose leaves are already JSON text, one entry per line."""
    pad = "  " * (indent + 1)
    items = []
    for k, v in d.items():
        if isinstance(v, dict):
            v = obj(v, indent + 1)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            v = "[\n" + ",\n".join(pad + "  " + obj(e, indent + 2) for e in v) + "\n" + pad + "]"
        elif not isinstance(v, str) or not v[:1] in "{[":
            v = json.dumps(v)
        items.append(pad + json.dumps(k) + ": " + v)
    return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"


def mse(y, t, w):
    return ((y[:, w:] - t[:, w:]) ** 2).mean()


def esr_dc(y, t, w, a, esr_w, dc_w):
    # p(x)_t = x_t - a x_{t-1} for t = w+1 .. T-1; sums over the whole batch.
    py = y[:, w + 1:] - a * y[:, w:-1]
    pt = t[:, w + 1:] - a * t[:, w:-1]
    esr = ((py - pt) ** 2).sum() / ((pt ** 2).sum() + ESR_EPS)
    # DC: per-segment mean of the raw error, squared, averaged over segments.
    dc = ((t[:, w:] - y[:, w:]).mean(dim=1) ** 2).mean() / ((t[:, w:] ** 2).mean() + ESR_EPS)
    return esr_w * esr + dc_w * dc


def ce(logits, labels, w, weights):
    # sum_{b,t} w[c] (-log softmax(y)[c]) / sum w[c] over labelled steps (PyTorch's weighted mean).
    lp = torch.log_softmax(logits[:, w:], dim=-1)
    lab = labels[:, w:]
    mask = lab >= 0
    lab_c = lab.clamp(min=0)
    nll = -lp.gather(-1, lab_c.unsqueeze(-1)).squeeze(-1)
    wc = weights[lab_c] * mask
    return (wc * nll).sum() / wc.sum()


def make(cell, inputs, skip, init, classes, seed):
    torch.manual_seed(seed)
    rnn = CELLS[cell](inputs, H, num_layers=L, batch_first=True)
    head = torch.nn.Linear(H, classes if classes else 1)
    with torch.no_grad():
        # Larger weights than PyTorch's default so the gates leave their linear middle and the
        # second-order terms of the backward matter.
        for p in rnn.parameters():
            p.mul_(2.5)
        head.weight.mul_(2.0)
    params = {n: p.detach().clone() for n, p in rnn.state_dict().items()}
    if init == "trained":
        params.update({"h0_l%d" % l: torch.empty(H).uniform_(-0.6, 0.6) for l in range(L)})
        if cell == "lstm":
            params.update({"c0_l%d" % l: torch.empty(H).uniform_(-0.6, 0.6) for l in range(L)})
    params["head.weight"] = head.weight.detach().clone()
    params["head.bias"] = head.bias.detach().clone()
    x = torch.empty(B, T, inputs).uniform_(-1, 1)
    for j in range(1, inputs):
        x[..., j] = torch.empty(B, 1).uniform_(-1, 1)  # conditioning: held per segment
    return rnn, params, x


def forward(cell, rnn, params, x, skip, init):
    """Outputs [B, T, O] in float64. The recurrent weights are the parameters of a float64 copy of
    rnn (nn.RNN and friends read their weights through a cached flat list, so they must be the
    module's own); `params` gets those parameter objects so their .grad can be read back."""
    net = copy.deepcopy(rnn).double()
    with torch.no_grad():
        for n, p in net.named_parameters():
            p.copy_(params[n])
    for n, p in net.named_parameters():
        params[n] = p
    state = None
    if init == "trained":
        h0 = torch.stack([params["h0_l%d" % l] for l in range(L)])[:, None, :].expand(L, B, H)
        if cell == "lstm":
            c0 = torch.stack([params["c0_l%d" % l] for l in range(L)])[:, None, :].expand(L, B, H)
            state = (h0, c0)
        else:
            state = h0
    h, _ = net(x, state)
    y = h @ params["head.weight"].T + params["head.bias"]
    if skip:
        y = y + x[..., :1]
    return y


def model_object(cell, inputs, skip, init, classes, params):
    tensors = {}
    order = []
    for l in range(L):
        order += ["weight_ih_l%d" % l, "weight_hh_l%d" % l, "bias_ih_l%d" % l, "bias_hh_l%d" % l]
        if init != "zeros":
            order.append("h0_l%d" % l)
            if cell == "lstm":
                order.append("c0_l%d" % l)
    order += ["head.weight", "head.bias"]
    for n in order:
        tensors[n] = entry(params[n].float())
    m = {"format": "rnnfx-model", "version": 1, "cell": cell, "layers": L, "inputs": inputs,
         "hidden": H, "mode": "classifier" if classes else "effect",
         "outputs": classes if classes else 1, "skip": skip, "sample_rate": 48000,
         "initial_state": [init] * L}
    if classes:
        m["labels"] = ["class%d" % k for k in range(classes)]
    m["tensors"] = tensors
    m["metadata"] = {}
    return m, order


def case(cell, rnn, params32, x, skip, init, order, loss_name, loss_fn, extra):
    params = {n: p.double().clone().requires_grad_(True) for n, p in params32.items()}
    y = forward(cell, rnn, params, x.double(), skip, init)
    loss = loss_fn(y)
    loss.backward()
    grads = {n: entry(params[n].grad if params[n].grad is not None else torch.zeros_like(params[n]))
             for n in order}
    c = {"loss": loss_name}
    c.update(extra)
    # 12 digits: float64 reductions may differ in the last bits between runs; the test needs 5.
    c["value"] = float("%.12g" % loss.item())
    c["grads"] = grads
    return c


def write(name, doc):
    path = os.path.join(OUT_DIR, "grad_%s.json" % name)
    with open(path, "w") as f:
        f.write(obj(doc) + "\n")
    print("wrote", path)


def effect_fixture(cell, inputs, skip, init, seed):
    rnn, params, x = make(cell, inputs, skip, init, 0, seed)
    target = torch.tanh(1.5 * torch.roll(x[..., :1], 1, dims=1)) * 0.7 + 0.05
    model, order = model_object(cell, inputs, skip, init, 0, params)
    t64 = target.double()
    cases = [
        case(cell, rnn, params, x, skip, init, order, "mse", lambda y: mse(y, t64, WARMUP), {}),
        case(cell, rnn, params, x, skip, init, order, "esr_dc",
             lambda y: esr_dc(y, t64, WARMUP, 0.85, 1.0, 1.0),
             {"pre_emph": 0.85, "esr_weight": 1.0, "dc_weight": 1.0}),
        case(cell, rnn, params, x, skip, init, order, "esr_dc",
             lambda y: esr_dc(y, t64, WARMUP, 0.85, 0.75, 0.25),
             {"pre_emph": 0.85, "esr_weight": 0.75, "dc_weight": 0.25}),
    ]
    write(cell, {"model": model, "input": entry(x), "target": entry(target), "warmup": WARMUP,
                 "cases": cases})


def classifier_fixture(cell, seed):
    K = 4
    rnn, params, x = make(cell, 2, False, "trained", K, seed)
    labels = torch.randint(0, K, (B, T))
    labels[0, 10] = -1
    labels[2, 30] = -1
    weights = torch.tensor([1.0, 2.0, 0.5, 1.5])
    model, order = model_object(cell, 2, False, "trained", K, params)
    cases = [case(cell, rnn, params, x, False, "trained", order, "ce",
                  lambda y: ce(y, labels, WARMUP, weights.double()),
                  {"class_weights": "[" + ",".join(fmt(v) for v in weights.tolist()) + "]"})]
    write("classifier_%s" % cell, {"model": model, "input": entry(x),
                                   "labels": entry(labels, ints=True), "warmup": WARMUP,
                                   "cases": cases})


def onset_fixture(cell, seed):
    """An onset model (K independent sigmoids) under PyTorch's own BCEWithLogitsLoss with
    pos_weight: targets 0, 1 and a soft 0.3, and "don't care" entries (-1) left out through the
    loss's per-entry weight, the mean over the entries counted."""
    K = 3
    rnn, params, x = make(cell, 1, False, "trained", K, seed)
    g = torch.Generator().manual_seed(seed + 1)
    u = torch.rand(B, T, K, generator=g)
    target = torch.where(u < 0.6, 0.0, torch.where(u < 0.85, 1.0, torch.where(u < 0.93, 0.3, -1.0)))
    pos = torch.tensor([1.0, 2.0, 0.5])
    model, order = model_object(cell, 1, False, "trained", K, params)
    model["mode"] = "onset"

    def bce(y):
        yw, tw = y[:, WARMUP:], target[:, WARMUP:].double()
        keep = (tw >= 0).double()
        s = torch.nn.functional.binary_cross_entropy_with_logits(
            yw, tw.clamp(min=0), weight=keep, pos_weight=pos.double(), reduction="sum")
        return s / keep.sum()
    cases = [case(cell, rnn, params, x, False, "trained", order, "bce", bce,
                  {"class_weights": "[" + ",".join(fmt(v) for v in pos.tolist()) + "]"})]
    write("onset_%s" % cell, {"model": model, "input": entry(x), "target": entry(target),
                              "warmup": WARMUP, "cases": cases})


def adam_fixture(seed):
    """torch.optim.AdamW (decoupled decay) on a vector with given gradients, in float64: the
    parameters after every step, for rfx_adam_step to reproduce."""
    torch.manual_seed(seed)
    n, steps = 12, 6
    p0 = torch.empty(n).uniform_(-1, 1)
    grads = torch.empty(steps, n).uniform_(-2, 2)
    grads[:, 3] = 0.0  # a parameter that only decays
    cfg = {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.1}
    p = p0.double().clone().requires_grad_(True)
    opt = torch.optim.AdamW([p], lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"],
                            weight_decay=cfg["weight_decay"])
    after = []
    for k in range(steps):
        p.grad = grads[k].double().clone()
        opt.step()
        after.append(p.detach().clone())
    doc = dict(cfg)
    doc["params"] = entry(p0)
    doc["grads"] = entry(grads)
    doc["after"] = entry(torch.stack(after))
    path = os.path.join(OUT_DIR, "grad_adam.json")
    with open(path, "w") as f:
        f.write(obj(doc) + "\n")
    print("wrote", path)


def tbptt_fixture(cell, seed):
    """Truncated BPTT as Wright et al. train: a forward-only warm-up (no gradient), then windows
    that each start from the previous window's final state, detached. Every window's loss and
    gradients (zeroed per window); h0/c0 are trained but get nothing, since no window starts at
    them."""
    warm, win, inner = 8, 16, 2
    rnn, params32, x = make(cell, 1, True, "trained", 0, seed)
    target = torch.tanh(1.5 * torch.roll(x[..., :1], 1, dims=1)) * 0.7 + 0.05
    model, order = model_object(cell, 1, True, "trained", 0, params32)
    net = copy.deepcopy(rnn).double()
    with torch.no_grad():
        for n, p in net.named_parameters():
            p.copy_(params32[n])
    hw = params32["head.weight"].double().clone().requires_grad_(True)
    hb = params32["head.bias"].double().clone().requires_grad_(True)
    h0 = torch.stack([params32["h0_l%d" % l] for l in range(L)])[:, None, :].expand(L, B, H).double()
    state = h0.contiguous()
    if cell == "lstm":
        c0 = torch.stack([params32["c0_l%d" % l] for l in range(L)])[:, None, :].expand(L, B, H)
        state = (state, c0.double().contiguous())
    xd, td = x.double(), target.double()
    with torch.no_grad():
        _, state = net(xd[:, :warm], state)
    windows = []
    for t0 in range(warm, T, win):
        net.zero_grad()
        hw.grad = hb.grad = None
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        h, state = net(xd[:, t0:t0 + win], state)
        y = h @ hw.T + hb + xd[:, t0:t0 + win, :1]
        loss = esr_dc(y, td[:, t0:t0 + win], inner, 0.85, 0.75, 0.25)
        loss.backward()
        named = dict(net.named_parameters())
        grads = {}
        for n in order:
            if n in named:
                grads[n] = entry(named[n].grad)
            elif n == "head.weight":
                grads[n] = entry(hw.grad)
            elif n == "head.bias":
                grads[n] = entry(hb.grad)
            else:
                grads[n] = entry(torch.zeros(H))  # h0/c0: not reached
        windows.append({"start": t0, "steps": win, "value": float("%.12g" % loss.item()),
                        "grads": grads})
    write("tbptt_%s" % cell, {"model": model, "input": entry(x), "target": entry(target),
                              "warmup_forward": warm, "warmup": inner, "loss": "esr_dc",
                              "pre_emph": 0.85, "esr_weight": 0.75, "dc_weight": 0.25,
                              "windows": windows})


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    adam_fixture(SEED + 5)
    effect_fixture("rnn", 1, False, "zeros", SEED + 1)
    effect_fixture("gru", 1, True, "trained", SEED + 2)
    effect_fixture("lstm", 2, True, "trained", SEED + 3)
    classifier_fixture("gru", SEED + 4)
    onset_fixture("lstm", SEED + 7)
    tbptt_fixture("lstm", SEED + 6)


if __name__ == "__main__":
    main()
