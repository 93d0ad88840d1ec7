#!/usr/bin/python3
"""Writes tests/fixtures/fwd_*.json: PyTorch forward passes that tests/test_reference.c replays
through the rnnfx stream.

Each file is {"model": <rnnfx model object>, "input": [[x, cond...] per step],
"output": [[y...] per step], "final_state": [h of every layer, then c of every layer (LSTM)
after the last step], "note": "..."}. The model uses PyTorch's own tensor names, shapes and
gate orders (nn.RNN / nn.GRU / nn.LSTM with batch_first, batch 1) plus a head nn.Linear(H, O).

Deterministic: every fixture seeds torch from its own index, so adding a fixture at the end does not
change the others. Run from the repository root (or via `make fixtures`):

    /usr/bin/python3 tests/gen_fixtures.py
"""

import json
import os
import sys

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
BASE_SEED = 20261125
T_DEFAULT = 128

# A fixture is useful only when float32 rounding cannot change its answer: a chaotic recurrence
# would amplify the last-bit differences between PyTorch's and rnnfx's summation orders past any
# sane tolerance. The generator runs each model in float64 too and refuses a fixture whose float32
# output strays from it by more than this (ten times below the C test's 1e-5 tolerance).
F32_VS_F64_LIMIT = 1e-6

CELLS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


def fmt(x):
    """A float32 value as text that reads back bit-exact: 9 significant digits are enough for any
    float32, and the '.0' keeps whole numbers JSON reals rather than integers."""
    s = "%.9g" % float(x)
    if not any(c in s for c in ".eEni"):
        s += ".0"
    return s


class Raw:
    """A JSON fragment already written as text (so floats keep the fmt() spelling)."""

    def __init__(self, text):
        self.text = text


def dump(obj, indent=0):
    """json.dumps with Raw passthrough, one tensor or one step per line to keep diffs readable."""
    pad = "  " * indent
    if isinstance(obj, Raw):
        return obj.text
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ['%s  %s: %s' % (pad, json.dumps(k), dump(v, indent + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], Raw) and "\n" not in obj[0].text:
        return "[" + ",".join(o.text for o in obj) + "]"
    if isinstance(obj, list) and obj and isinstance(obj[0], (list, Raw)):
        rows = [pad + "  " + dump(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(rows) + "\n" + pad + "]"
    return json.dumps(obj)


def flat(t):
    return Raw("[" + ",".join(fmt(v) for v in t.detach().reshape(-1).tolist()) + "]")


def rows(t):
    """A [T, n] tensor as a list of one-line rows."""
    return [Raw("[" + ",".join(fmt(v) for v in r) + "]") for r in t.detach().tolist()]


def tensor_entry(t):
    return {"shape": list(t.shape), "data": flat(t)}


class Net(torch.nn.Module):
    """The same architecture rnnfx runs: a recurrent stack and a dense head on its last layer."""

    def __init__(self, cell, inputs, hidden, layers, outputs):
        super().__init__()
        self.cell = cell
        self.rnn = CELLS[cell](inputs, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, outputs)

    def forward(self, x, state, skip, classifier, onset=False):
        h, last = self.rnn(x, state)
        y = self.head(h)
        if onset:
            y = torch.sigmoid(y)
        elif classifier:
            y = torch.softmax(y, dim=-1)
        elif skip:
            y = y + x[..., :1]
        # The state after the last step, laid out as rfx_stream_state() shows it: h of every
        # layer, then (LSTM) c of every layer.
        last = torch.cat([s.reshape(-1) for s in last]) if isinstance(last, tuple) else last.reshape(-1)
        return y, last


def build(spec, seed):
    """Model, input [1, T, I] and initial state for one fixture spec, all from `seed`."""
    torch.manual_seed(seed)
    cell, H, L, I = spec["cell"], spec["hidden"], spec["layers"], spec.get("inputs", 1)
    K = spec.get("classes", 0)
    net = Net(cell, I, H, L, K if K else 1)
    # PyTorch's default init keeps pre-activations small, where tanh and sigmoid are nearly linear;
    # scaling the recurrent weights up pushes the gates into their curved and saturated regions.
    # Layer 0's input weights and all biases get bounds of their own, independent of H (in_bound,
    # bias_bound): audio is one value per step, so at the default 1/sqrt(H) a large layer would
    # barely hear its input, and small biases would leave every gate near its linear middle.
    with torch.no_grad():
        for name, p in net.rnn.named_parameters():
            if name == "weight_ih_l0":
                p.mul_(spec.get("in_bound", 2.0) * H ** 0.5)
            elif name.startswith("weight"):
                p.mul_(spec.get("scale", 1.0))
            else:
                p.mul_(spec.get("bias_bound", 1.0) * H ** 0.5)
        net.head.weight.mul_(spec.get("head_scale", 1.0))
    T = spec.get("T", T_DEFAULT)
    amp = spec.get("amp", 1.0)
    x = torch.empty(1, T, I)
    x[..., 0].uniform_(-amp, amp)
    for j in range(1, I):
        # Conditioning inputs (knob settings) are held constant over time, as a stream holds them.
        x[..., j] = torch.empty(1).uniform_(-1.0, 1.0)
    state = None
    if spec.get("init") == "vector":
        h0 = torch.empty(L, 1, H).uniform_(-0.8, 0.8)
        state = (h0, torch.empty(L, 1, H).uniform_(-1.5, 1.5)) if cell == "lstm" else h0
    return net, x, state


def model_object(spec, net, state):
    cell, H, L, I = spec["cell"], spec["hidden"], spec["layers"], spec.get("inputs", 1)
    K = spec.get("classes", 0)
    init = spec.get("init", "zeros")
    tensors = {}
    sd = net.rnn.state_dict()
    for l in range(L):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            name = "%s_l%d" % (kind, l)
            tensors[name] = tensor_entry(sd[name])
        if init != "zeros":
            h0, c0 = state if cell == "lstm" else (state, None)
            tensors["h0_l%d" % l] = tensor_entry(h0[l, 0])
            if cell == "lstm":
                tensors["c0_l%d" % l] = tensor_entry(c0[l, 0])
    tensors["head.weight"] = tensor_entry(net.head.weight)
    tensors["head.bias"] = tensor_entry(net.head.bias)
    obj = {
        "format": "rnnfx-model",
        "version": 1,
        "cell": cell,
        "layers": L,
        "inputs": I,
        "hidden": H,
        "mode": ("onset" if spec.get("onset") else "classifier") if K else "effect",
        "outputs": K if K else 1,
        "skip": bool(spec.get("skip", False)),
        "sample_rate": 48000,
        "initial_state": [init] * L,
    }
    if K:
        obj["labels"] = ["class%d" % k for k in range(K)]
    obj["tensors"] = tensors
    obj["metadata"] = {}
    return obj


def run(net, x, state, spec, dtype):
    net = net.to(dtype)
    x = x.to(dtype)
    if state is not None:
        state = tuple(s.to(dtype) for s in state) if isinstance(state, tuple) else state.to(dtype)
    with torch.no_grad():
        y, last = net(x, state, spec.get("skip", False), spec.get("classes", 0) > 0,
                      spec.get("onset", False))
        return y[0], last


# Weight gains per cell (see build()): bounds of layer 0's input weights and of the biases, and a
# factor on the other weights. The gated cells damp their own state and need more gain before their
# gates saturate; the plain RNN turns chaotic (float32 rounding grows without bound) soon past 2.
GAINS = {
    "rnn": dict(in_bound=2.0, bias_bound=1.0, scale=2.0),
    "gru": dict(in_bound=3.0, bias_bound=1.5, scale=3.0),
    "lstm": dict(in_bound=3.0, bias_bound=1.5, scale=4.0),
}


def fixture(name, cell, hidden, layers, **kw):
    spec = dict(GAINS[cell], name=name, cell=cell, hidden=hidden, layers=layers, head_scale=2.0)
    spec.update(kw)
    return spec


def specs():
    """The fixture list. Names say cell, hidden size, layers and what else is special."""
    out = []
    # The main grid: every cell at H = 1, 8, 32, 64 and 1 or 2 layers, skip alternating so each
    # cell sees both head kinds at both depths. 64 x 2 layers only for the RNN: the GRU and LSTM
    # versions would be 0.5 and 0.7 MB of weights and test nothing the 32 x 2 ones do not.
    grid = [(1, 1, True), (1, 2, False), (8, 1, False), (8, 2, True),
            (32, 1, True), (32, 2, False), (64, 1, False)]
    for cell in ("rnn", "gru", "lstm"):
        for H, L, skip in grid + ([(64, 2, True)] if cell == "rnn" else []):
            name = "%s_h%d_l%d_%s" % (cell, H, L, "skip" if skip else "noskip")
            out.append(fixture(name, cell, H, L, skip=skip))
    # Conditioning inputs, held constant (audio + 1 or 2 knobs).
    out.append(fixture("gru_h16_l1_cond3", "gru", 16, 1, inputs=3, skip=True))
    out.append(fixture("lstm_h8_l2_cond2", "lstm", 8, 2, inputs=2))
    out.append(fixture("rnn_h8_l1_cond2", "rnn", 8, 1, inputs=2, skip=True))
    # A stored initial state ("vector"): h0 (and c0) non-zero, used from the first sample on.
    out.append(fixture("rnn_h8_l2_h0vector", "rnn", 8, 2, init="vector"))
    out.append(fixture("gru_h16_l2_h0vector", "gru", 16, 2, init="vector", skip=True))
    out.append(fixture("lstm_h16_l2_h0vector", "lstm", 16, 2, init="vector", skip=True))
    # Classifiers: K = 4 softmax probabilities per step.
    out.append(fixture("gru_h16_l1_classifier4", "gru", 16, 1, classes=4, head_scale=3.0))
    out.append(fixture("lstm_h8_l2_cond2_classifier4", "lstm", 8, 2, inputs=2, classes=4,
                       head_scale=3.0))
    out.append(fixture("rnn_h8_l1_classifier4", "rnn", 8, 1, classes=4, head_scale=3.0))
    # Loud input (|x| up to 4): drives the first layer's gates hard into saturation.
    out.append(fixture("lstm_h32_l1_loud", "lstm", 32, 1, skip=True, amp=4.0))
    out.append(fixture("gru_h8_l1_loud", "gru", 8, 1, amp=4.0, T=200))
    # Onset models: K = 3 independent sigmoids per step (drum hits), one layer and a stack.
    out.append(fixture("gru_h32_l1_onset3", "gru", 32, 1, classes=3, onset=True, head_scale=3.0))
    out.append(fixture("lstm_h16_l2_onset3", "lstm", 16, 2, classes=3, onset=True, head_scale=3.0))
    return out


def main():
    torch.set_num_threads(1)  # one summation order per run, whatever the machine
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):  # a renamed fixture must not linger under its old name
        if old.startswith("fwd_") and old.endswith(".json"):
            os.remove(os.path.join(OUT_DIR, old))
    worst = 0.0
    for i, spec in enumerate(specs()):
        seed = BASE_SEED + i
        net, x, state = build(spec, seed)
        y64, s64 = run(net, x, state, spec, torch.float64)
        y32, s32 = run(net, x, state, spec, torch.float32)
        # An LSTM's cell state is unbounded (it grows while f stays near 1), so its float32
        # rounding is compared relative to its size past 1, as test_reference.c compares it.
        dev_state = ((s32.double() - s64).abs() / s64.abs().clamp(min=1.0)).max().item()
        dev = max((y32.double() - y64).abs().max().item(), dev_state)
        if not dev <= F32_VS_F64_LIMIT:
            sys.exit("gen_fixtures: %s: float32 output strays %.3g from float64 (limit %g); "
                     "lower its scale" % (spec["name"], dev, F32_VS_F64_LIMIT))
        worst = max(worst, dev)
        net = net.float()
        fixture = {
            "model": model_object(spec, net, state),
            "input": rows(x[0]),
            "output": rows(y32),
            "final_state": flat(s32),
            "note": ("PyTorch %s %s (batch_first, batch 1, float32, 1 thread), seed %d, "
                     "default init, then weight_ih_l0 uniform in +-%g, biases in +-%g, other recurrent "
                     "weights x%g, head weight x%g; input uniform in [-%g, %g], conditioning "
                     "inputs constant; max |float32 - float64| = %.3g"
                     % (torch.__version__, CELLS[spec["cell"]].__name__, seed,
                        spec["in_bound"], spec["bias_bound"], spec["scale"],
                        spec.get("head_scale", 1.0), spec.get("amp", 1.0), spec.get("amp", 1.0),
                        dev)),
        }
        path = os.path.join(OUT_DIR, "fwd_%s.json" % spec["name"])
        with open(path, "w") as f:
            f.write(dump(fixture) + "\n")
        print("%-36s T=%d  |f32-f64| = %.3g  max|y| = %.3g  max|state| = %.3g" %
              (os.path.basename(path), x.shape[1], dev, y32.abs().max().item(),
               s32.abs().max().item()))
    print("worst |float32 - float64|: %.3g" % worst)


if __name__ == "__main__":
    main()
