"""S07, S11: what optimizers do with an exactly-zero gradient, and whether dead ReLUs recover (torch float32)."""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

import reference
import theory
from reports import evidence
from tests.claims.verdicts import establishes
from tests.strategies import DTYPES, floats_of

OPTIMIZERS = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
    "SGD+momentum 0.9": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "Adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "SGD+weight decay 0.01": lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.01),
}


def moves_under_zero_gradient(make, warmup: int, steps: int = 20) -> tuple[bool, float]:
    """Warm up on a loss with nonzero gradient, then step on one whose gradient is exactly 0."""
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = make([w])
    for _ in range(warmup):
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
    before = w.detach().clone()
    for _ in range(steps):
        opt.zero_grad()
        torch.relu(-(w**2).sum() - 1.0).backward()  # pre-activation < 0: relu' = 0, grad exactly 0
        assert torch.equal(w.grad, torch.zeros_like(w))
        opt.step()
    return not torch.equal(w.detach(), before), float((w.detach() - before).abs().max())


@pytest.mark.claim("S07")
def test_s07_plain_gradient_descent_keeps_a_parameter_whose_gradient_is_zero_symbolically():
    establishes("S07", math="supported")
    theta, eta = sp.symbols("theta eta", real=True)
    grad = sp.Integer(0)
    assert theta - eta * grad == theta
    evidence.record("S07", "symbolic", update=sp.latex(theta - eta * sp.Symbol("g")), at_zero_gradient=sp.latex(theta))


@pytest.mark.claim("S07")
@given(w=floats_of(np.float32), lr=st.floats(2.0**-20, 10.0, width=32))
def test_s07_in_floats_plain_sgd_leaves_a_zero_gradient_parameter_bit_for_bit(w, lr):
    """Every float32 weight, the edge cases among them (0, -0.0, subnormals, +-inf, NaN)."""
    establishes("S07", float="supported")
    p = torch.nn.Parameter(torch.tensor([w], dtype=torch.float32))
    before = p.detach().clone()
    opt = torch.optim.SGD([p], lr=float(lr))
    p.grad = torch.zeros_like(p)
    opt.step()
    assert before.view(torch.int32).equal(p.detach().view(torch.int32))  # same bits, sign of zero and NaN included
    evidence.record(
        "S07",
        "numeric",
        key="float",
        coverage="every float32 weight Hypothesis draws (0, -0.0, subnormals, infinities and NaN among them) "
        "with learning rates from 2^-20 to 10",
    )


@pytest.mark.claim("S07")
def test_s07_which_optimizers_move_a_parameter_whose_gradient_is_exactly_zero():
    rows = []
    for name, make in OPTIMIZERS.items():
        for warmup in (0, 5):
            moved, delta = moves_under_zero_gradient(make, warmup)
            rows.append({"optimizer": name, "nonzero_steps_before": warmup, "moved": moved, "max_abs_change": delta})
    evidence.record("S07", "table", label="20 steps with gradient exactly 0 (torch float32)", rows=rows)
    moved = {(r["optimizer"], r["nonzero_steps_before"]): r["moved"] for r in rows}
    # The condition: plain gradient descent, no weight decay, (or no gradient history at all).
    assert not moved[("SGD", 0)] and not moved[("SGD", 5)]
    assert not moved[("SGD+momentum 0.9", 0)] and not moved[("Adam", 0)]
    # Without it: buffers or decay keep the parameter moving.
    assert moved[("SGD+momentum 0.9", 5)] and moved[("Adam", 5)]
    assert moved[("SGD+weight decay 0.01", 0)] and moved[("AdamW", 0)]
    change = {(r["optimizer"], r["nonzero_steps_before"]): r["max_abs_change"] for r in rows}
    evidence.record(
        "S07",
        "numeric",
        key="moves",
        label="how far a parameter moves with gradient exactly 0 after 5 nonzero steps",
        momentum=change[("SGD+momentum 0.9", 5)],
        adam=change[("Adam", 5)],
        steps=20,
    )


def regression_data(n: int = 64):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    return x, (x[:, :1] * 2 - x[:, 1:]) ** 2


def dead_first_layer_net():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        net[0].bias[0] = -10.0  # |w.x| <= 2 |w|_inf < 10 on [-1, 1]^2: negative on every input
    return net


def train(net, make, steps: int = 300) -> list[float]:
    """Train in place; returns unit 0's largest pre-activation over the inputs, every 10 steps."""
    x, y = regression_data()
    opt = make(net.parameters())
    trace = []
    for step in range(steps + 1):
        if step % 10 == 0:
            trace.append(float((x @ net[0].weight[0] + net[0].bias[0]).max().detach()))
        if step == steps:
            break
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
    return trace


@pytest.mark.claim("S11")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(data=st.data())
def test_s11_relu_derivative_is_exactly_zero_for_non_positive_pre_activation_in_every_route(dtype, data):
    establishes("S11", math="supported", float="supported")
    z = data.draw(floats_of(dtype, allow_nan=False).filter(lambda v: v <= 0), label="z")
    assert reference.derivative("relu", np.asarray(z, dtype=dtype)) == 0
    t = torch.tensor([float(z)], dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    torch.relu(t).sum().backward()
    assert t.grad.item() == 0
    if np.isfinite(z):
        assert theory.derivative("relu").subs(theory.x, sp.Rational(float(z))) == 0


@pytest.mark.claim("S11")
def test_s11_relu_derivative_is_zero_on_the_non_positive_axis_symbolically():
    establishes("S11", math="supported")
    left = [p for p, where in theory.ranges.pieces(theory.derivative("relu")) if where.sup == 0]
    assert left == [0] and theory.derivative("relu").subs(theory.x, 0) == 0
    evidence.record("S11", "symbolic", derivative=sp.latex(theory.derivative("relu")), on_z_at_most_0="0")


@pytest.mark.claim("S11")
def test_s11_a_first_layer_unit_dead_on_every_input_never_moves():
    establishes("S11", float="supported")
    x, _ = regression_data()
    rows = []
    for name, make in OPTIMIZERS.items():
        net = dead_first_layer_net()
        w0, b0 = net[0].weight[0].detach().clone(), net[0].bias[0].detach().clone()
        assert torch.all(x @ w0 + b0 < 0)
        trace = train(net, make)
        w1, b1 = net[0].weight[0].detach(), net[0].bias[0].detach()
        unchanged = torch.equal(w0, w1) and torch.equal(b0, b1)
        still_dead = bool(torch.all(x @ w1 + b1 < 0))
        rows.append(
            {
                "optimizer": name,
                "steps": 300,
                "weights_bitwise_unchanged": unchanged,
                "still_dead": still_dead,
                "bias_after": float(b1),
                "max_pre_activation_every_10_steps": trace,
            }
        )
        assert still_dead
        assert unchanged == ("decay" not in name and name != "AdamW")
    evidence.record(
        "S11", "table", label="first-layer ReLU unit dead on all 64 inputs, 300 steps (torch float32)", rows=rows
    )
    evidence.record("S11", "numeric", key="first_layer", steps=300, optimizers=list(OPTIMIZERS))


@pytest.mark.claim("S11")
def test_s11_a_unit_that_dies_after_training_keeps_moving_under_momentum_and_adam():
    """Alive for some steps (bias 0), then killed (bias -10, negative on every input): plain SGD leaves it
    bit for bit, momentum and Adam move it on their remembered gradients (S07 from the other side)."""
    x, y = regression_data()
    alive_steps, rows = 20, []
    for name, make in OPTIMIZERS.items():
        if "decay" in name or name == "AdamW":
            continue
        net = dead_first_layer_net()
        with torch.no_grad():
            net[0].bias[0] = 0.0
        opt = make(net.parameters())
        for step in range(alive_steps + 50):
            if step == alive_steps:
                with torch.no_grad():
                    net[0].bias[0] = -10.0
                w0 = net[0].weight[0].detach().clone()
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            if step >= alive_steps:
                assert torch.equal(net[0].weight.grad[0], torch.zeros(2))  # dead: its own gradient is 0
            opt.step()
        moved = float((net[0].weight[0].detach() - w0).abs().max())
        rows.append({"optimizer": name, "moved_after_death": moved})
        assert (moved == 0.0) == (name == "SGD")
    evidence.record("S11", "table", key="history", alive_steps=alive_steps, steps_dead=50, rows=rows)


@pytest.mark.claim("S11")
def test_s11_a_dead_unit_in_a_deeper_layer_comes_back_when_the_layer_below_trains():
    """Layer-2 unit j reads h = relu(layer 1) with positive weights and sits just below 0 on every
    input; training enlarges h, which pushes z_j above 0 although z_j itself got zero gradient."""
    torch.manual_seed(0)
    x = torch.rand(64, 2) * 2 - 1
    y = 4.0 * torch.ones(64, 1)
    layer1, layer2, out = torch.nn.Linear(2, 4), torch.nn.Linear(4, 2), torch.nn.Linear(2, 1)
    with torch.no_grad():
        # Unit 1 is alive and reads h with the same positive weights as the dead unit 0; the
        # output wants to grow, so training enlarges h, and with it unit 0's pre-activation.
        layer2.weight[:] = 0.5
        layer2.bias[1] = 0.0
        h = torch.relu(layer1(x))
        layer2.bias[0] = -(h @ layer2.weight[0]).max() - 0.3
        out.weight[0] = torch.tensor([0.0, 1.0])
    params = [*layer1.parameters(), *layer2.parameters(), *out.parameters()]
    opt = torch.optim.SGD(params, lr=0.01)
    revived_at, trace = None, []
    for step in range(1, 501):
        z = layer2(torch.relu(layer1(x)))
        trace.append(float(z[:, 0].max().detach()))
        if bool((z[:, 0] > 0).any()):
            revived_at = step
            break
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(out(torch.relu(z)), y)
        loss.backward()
        assert torch.equal(layer2.weight.grad[0], torch.zeros(4))  # unit 0 itself never gets a gradient
        opt.step()
    evidence.record(
        "S11",
        "numeric",
        key="revived",
        label="a layer-2 unit dead on every input comes back",
        example={"revived_at_step": revived_at, "optimizer": "SGD lr 0.01", "inputs": 64, "max_pre_activation": trace},
    )
    assert revived_at is not None
