#!/usr/bin/python3
"""Writes tests/fixtures/import_*: small model files in the formats of other programs, and what
each should compute, for tests/test_import.c.

For every fixture a PyTorch module with random weights is built, written in the foreign format
by hand, following the published description of that format (summarised in docs/formats.md), and
run by PyTorch on a fixed input. Beside each model file, <name>.expected.json holds:

    {"format": "aidax", "cell": "gru", "layers": 1, "inputs": 2, "hidden": 6, "skip": true,
     "sample_rate": 48000, "init": "zeros", "cond": [values of inputs 1..I-1],
     "host_in_gain_db": 0, "host_out_gain_db": 0, "input": [T floats], "output": [T floats]}

"output" is what the original program computes (AIDA-X: gains applied, y = g_out * (skip * g_in * x
+ net(g_in * x, cond))). When rnnfx cannot fold the gains into the weights (skip with
in_gain != -out_gain), host_*_gain_db say what the host has to apply around the rnnfx model.

The Keras layouts are not PyTorch's (gate blocks z, r, h for a GRU, transposed matrices, two GRU
bias rows), so the AIDA-X fixtures are also run through a second, numpy float64 implementation of
RTNeural's equations that reads the Keras arrays as written: if this script's own conversion had
swapped a gate, the two would disagree and the script stops. The same is done for NAM's flat array.

Deterministic (each fixture seeds torch from its own index). Run from anywhere:

    /usr/bin/python3 tests/gen_import_fixtures.py
"""

import json
import math
import os
import sys

import numpy as np
import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
BASE_SEED = 7007
T = 100
WEIGHT_RANGE = 0.8   # wider than PyTorch's 1/sqrt(H), so that every gate matters to the output
# A fixture is only useful when float32 rounding cannot change its answer (see gen_fixtures.py):
# the float64 run must agree with the float32 run far below the C test's 1e-5.
F32_VS_F64_LIMIT = 1e-6
INDEPENDENT_LIMIT = 1e-5  # numpy float64 RTNeural/NAM equations vs PyTorch float32


def f9(x):
    """A float32 value as the shortest double that has 9 significant digits: reads back bit-exact
    as a float32, and json writes it short."""
    return float("%.9g" % float(np.float32(x)))


def floats(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().numpy()
    return [f9(v) for v in np.asarray(t, dtype=np.float32).reshape(-1)]


def rows(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().numpy()
    t = np.asarray(t, dtype=np.float32)
    return [floats(r) for r in t]


def build(cell, I, H, L, seed):
    torch.manual_seed(seed)
    rnn = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](I, H, num_layers=L, batch_first=True)
    head = torch.nn.Linear(H, 1)
    with torch.no_grad():
        for p in list(rnn.parameters()) + list(head.parameters()):
            p.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE)
    return rnn, head


def signal(seed, cond):
    g = torch.Generator().manual_seed(seed + 1000)
    t = torch.arange(T, dtype=torch.float64)
    x = 0.6 * torch.sin(2 * math.pi * t / 23.0) + 0.3 * (torch.rand(T, generator=g, dtype=torch.float64) * 2 - 1)
    x = x.float()
    full = torch.zeros(T, 1 + len(cond))
    full[:, 0] = x
    for k, c in enumerate(cond):
        full[:, 1 + k] = c
    return x, full


def run(rnn, head, full, skip, state=None, in_gain=1.0, out_gain=1.0, double=False):
    """PyTorch's output: out_gain * (skip * in_gain * x + head(rnn([in_gain * x, cond])))."""
    dt = torch.float64 if double else torch.float32
    r, h = (rnn.to(dt), head.to(dt))
    v = full.to(dt).clone()
    v[:, 0] *= in_gain
    with torch.no_grad():
        if state is None:
            y, _ = r(v.unsqueeze(0))
        else:
            y, _ = r(v.unsqueeze(0), tuple(s.to(dt) for s in state))
        y = h(y)[0, :, 0]
        if skip:
            y = y + v[:, 0]
        y = y * out_gain
    rnn.float()
    head.float()
    return y.double()


def check_f32(name, y32, y64):
    err = (y32 - y64).abs().max().item()
    if err > F32_VS_F64_LIMIT:
        sys.exit("%s: float32 and float64 outputs differ by %g, past %g" % (name, err, F32_VS_F64_LIMIT))


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ------------------------------------------------------------------ AIDA-X (Keras / RTNeural)

def keras_gru(rnn):
    """nn.GRU (r, z, n in rows) -> Keras W [N][3H], U [H][3H], b [2][3H] with blocks z, r, h."""
    H = rnn.hidden_size
    def reorder(m):  # rows r, z, n -> z, r, n
        return torch.cat([m[H:2 * H], m[0:H], m[2 * H:3 * H]], dim=0)
    W = reorder(rnn.weight_ih_l0.detach()).T
    U = reorder(rnn.weight_hh_l0.detach()).T
    b = torch.stack([reorder(rnn.bias_ih_l0.detach()), reorder(rnn.bias_hh_l0.detach())])
    return W, U, b


def keras_lstm(rnn):
    """nn.LSTM (i, f, g, o) -> Keras W [N][4H], U [H][4H], b [4H]: same block order (c is g)."""
    W = rnn.weight_ih_l0.detach().T
    U = rnn.weight_hh_l0.detach().T
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach()
    return W, U, b


def rtneural_forward(cell, W, U, b, K, kb, x, skip, in_gain, out_gain):
    """RTNeural's equations on the Keras arrays exactly as they sit in the file (float64)."""
    W, U, b, K = (np.asarray(a, dtype=np.float64) for a in (W, U, b, K))
    H = U.shape[0]
    h = np.zeros(H)
    c = np.zeros(H)
    out = []
    for v in x:
        v = np.array(v, dtype=np.float64)
        v[0] *= in_gain
        if cell == "gru":
            z = sigmoid(v @ W[:, 0:H] + h @ U[:, 0:H] + b[0, 0:H] + b[1, 0:H])
            r = sigmoid(v @ W[:, H:2 * H] + h @ U[:, H:2 * H] + b[0, H:2 * H] + b[1, H:2 * H])
            cand = np.tanh(v @ W[:, 2 * H:] + b[0, 2 * H:] + r * (h @ U[:, 2 * H:] + b[1, 2 * H:]))
            h = (1 - z) * cand + z * h
        else:
            a = v @ W + h @ U + b
            i, f, g, o = (a[k * H:(k + 1) * H] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        y = h @ K[:, 0] + kb[0]
        if skip:
            y += v[0]
        out.append(y * out_gain)
    return np.array(out)


def aidax(index, name, cell, N, H, skip, in_db, out_db, rate_field, cond):
    seed = BASE_SEED + index
    rnn, head = build(cell, N, H, 1, seed)
    x, full = signal(seed, cond)
    g_in, g_out = 10 ** (in_db / 20), 10 ** (out_db / 20)
    y = run(rnn, head, full, skip, None, g_in, g_out)
    check_f32(name, y, run(rnn, head, full, skip, None, g_in, g_out, double=True))
    W, U, b = keras_gru(rnn) if cell == "gru" else keras_lstm(rnn)
    K = head.weight.detach().T   # Dense kernel [H][1] (in x out)
    kb = head.bias.detach()
    # The file holds float32 values; run the independent check on exactly those.
    f32 = lambda t: np.asarray(t.numpy(), dtype=np.float32)
    y_ind = rtneural_forward(cell, f32(W), f32(U), f32(b), f32(K), f32(kb), full.numpy(), skip, g_in, g_out)
    err = np.abs(y_ind - y.numpy()).max()
    if err > INDEPENDENT_LIMIT:
        sys.exit("%s: RTNeural equations on the Keras arrays differ from PyTorch by %g: the "
                 "conversion in this script is wrong" % (name, err))
    doc = {"in_shape": [None, None, N], "in_skip": 1 if skip else 0}
    if in_db or out_db:
        doc["in_gain"] = in_db
        doc["out_gain"] = out_db
    meta = {"name": name, "author": "rnnfx tests", "license": "CC0"}
    if rate_field == "top":
        doc["samplerate"] = 48000
    elif rate_field == "meta-string":
        meta["samplerate"] = "44100"   # real AIDA-X files carry it as a string
    doc["metadata"] = meta
    b_json = rows(b) if cell == "gru" else floats(b)
    doc["layers"] = [
        {"type": cell, "activation": "", "shape": [None, None, H], "weights": [rows(W), rows(U), b_json]},
        {"type": "dense", "activation": "", "shape": [None, None, 1], "weights": [rows(K), floats(kb)]},
    ]
    folded = not skip or in_db + out_db == 0
    rate = 44100 if rate_field == "meta-string" else 48000
    expected = {"format": "aidax", "cell": cell, "layers": 1, "inputs": N, "hidden": H,
                "skip": bool(skip), "sample_rate": rate, "init": "zeros", "cond": cond,
                "host_in_gain_db": 0 if folded else in_db, "host_out_gain_db": 0 if folded else out_db}
    write(name, "json", doc, expected, x, y)


# ------------------------------------------------------------------ NAM

def nam_flat(rnn, head, h0, c0):
    """NAM's order: per layer [W_ih | W_hh] row-major (4H x (I+H)), b_ih + b_hh, h0, c0; then head."""
    w = []
    for l in range(rnn.num_layers):
        wih = getattr(rnn, "weight_ih_l%d" % l).detach()
        whh = getattr(rnn, "weight_hh_l%d" % l).detach()
        w += floats(torch.cat([wih, whh], dim=1))
        w += floats(getattr(rnn, "bias_ih_l%d" % l) + getattr(rnn, "bias_hh_l%d" % l))
        w += floats(h0[l, 0])
        w += floats(c0[l, 0])
    return w + floats(head.weight) + floats(head.bias)


def nam_forward(flat, I, H, L, x):
    """Reads the flat array in NAM's order and runs NAM's LSTM equations (float64)."""
    p = 0
    layers = []
    for l in range(L):
        In = I if l == 0 else H
        Wc = np.array(flat[p:p + 4 * H * (In + H)]).reshape(4 * H, In + H); p += 4 * H * (In + H)
        b = np.array(flat[p:p + 4 * H]); p += 4 * H
        h = np.array(flat[p:p + H]); p += H
        c = np.array(flat[p:p + H]); p += H
        layers.append([Wc, b, h, c])
    hw = np.array(flat[p:p + H]); hb = flat[p + H]
    assert p + H + 1 == len(flat)
    out = []
    for v in x:
        inp = np.array(v, dtype=np.float64)
        for lay in layers:
            Wc, b, h, c = lay
            a = Wc @ np.concatenate([inp, h]) + b
            i, f, g, o = (a[k * H:(k + 1) * H] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            lay[2], lay[3] = h, c
            inp = h
        out.append(hw @ inp + hb)
    return np.array(out)


def nam(index, name, H, L, with_rate):
    seed = BASE_SEED + index
    rnn, head = build("lstm", 1, H, L, seed)
    g = torch.Generator().manual_seed(seed + 2000)
    h0 = (torch.rand(L, 1, H, generator=g) * 2 - 1) * 0.7
    c0 = (torch.rand(L, 1, H, generator=g) * 2 - 1) * 1.5
    x, full = signal(seed, [])
    y = run(rnn, head, full, False, (h0, c0))
    check_f32(name, y, run(rnn, head, full, False, (h0, c0), double=True))
    flat = nam_flat(rnn, head, h0, c0)
    err = np.abs(nam_forward(flat, 1, H, L, full.numpy()) - y.numpy()).max()
    if err > INDEPENDENT_LIMIT:
        sys.exit("%s: NAM equations on the flat array differ from PyTorch by %g" % (name, err))
    doc = {"version": "0.5.4", "architecture": "LSTM",
           "config": {"input_size": 1, "hidden_size": H, "num_layers": L},
           "weights": flat,
           "metadata": {"name": name, "modeled_by": "rnnfx tests", "loudness": -20.5}}
    if with_rate:
        doc["sample_rate"] = 48000
    expected = {"format": "nam", "cell": "lstm", "layers": L, "inputs": 1, "hidden": H,
                "skip": False, "sample_rate": 48000, "init": "vector", "cond": [],
                "host_in_gain_db": 0, "host_out_gain_db": 0}
    write(name, "nam", doc, expected, x, y)


# ------------------------------------------------------------------ GuitarML (Proteus / AGAM)

def guitarml(index, name, cell, I, H, L, cond):
    seed = BASE_SEED + index
    rnn, head = build(cell, I, H, L, seed)
    x, full = signal(seed, cond)
    y = run(rnn, head, full, True)
    check_f32(name, y, run(rnn, head, full, True, double=True))
    sd = {}
    for k, t in rnn.state_dict().items():
        sd["rec." + k] = rows(t) if t.dim() == 2 else floats(t)
    sd["lin.weight"] = rows(head.weight.detach())
    sd["lin.bias"] = floats(head.bias.detach())
    doc = {"model_data": {"model": "SimpleRNN", "input_size": I, "skip": 1, "output_size": 1,
                          "unit_type": cell.upper(), "num_layers": L, "hidden_size": H,
                          "bias_fl": True},
           "state_dict": sd}
    expected = {"format": "guitarml", "cell": cell, "layers": L, "inputs": I, "hidden": H,
                "skip": True, "sample_rate": 44100, "init": "zeros", "cond": cond,
                "host_in_gain_db": 0, "host_out_gain_db": 0}
    write(name, "json", doc, expected, x, y)


def write(name, ext, doc, expected, x, y):
    path = os.path.join(OUT_DIR, "%s.%s" % (name, ext))
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    expected["input"] = floats(x)
    expected["output"] = floats(y)
    with open(os.path.join(OUT_DIR, "%s.expected.json" % name), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    print("wrote", path)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    # AIDA-X: GRU with one knob and skip (gains that cancel on the dry path, so they fold);
    # LSTM with two knobs, no skip, gains folded, the rate as a string in the metadata;
    # LSTM with skip and gains that cannot fold (the host applies them).
    aidax(0, "import_aidax_gru", "gru", 2, 6, True, 6.0, -6.0, "top", [0.35])
    aidax(1, "import_aidax_lstm", "lstm", 3, 8, False, 4.5, -3.0, "meta-string", [0.6, -0.4])
    aidax(2, "import_aidax_lstm_skipgain", "lstm", 1, 4, True, 3.0, 2.0, "none", [])
    aidax(3, "import_aidax_gru_plain", "gru", 1, 8, False, 0.0, 0.0, "none", [])
    nam(4, "import_nam_lstm1", 5, 1, True)
    nam(5, "import_nam_lstm2", 4, 2, False)
    guitarml(6, "import_guitarml_lstm", "lstm", 1, 8, 1, [])
    guitarml(7, "import_guitarml_gru", "gru", 2, 6, 2, [-0.25])


if __name__ == "__main__":
    main()
