"""The mean-field quantities again, by NumPy Gauss-Legendre quadrature (a second route to
theory/meanfield.py), and finite-width simulations of deep random networks (torch, float64)."""

from __future__ import annotations

import numpy as np
import torch

from reference.numpy_ops import activation, derivative
from registry import get

# Simulations run on a GPU when one is present (the draws are made on the CPU, so the numbers
# do not depend on the device beyond floating-point reassociation).
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
# Gauss-Legendre on [-12, 12] split at every kink and jump z = k / sqrt(q) (at 0 alone for most
# entries): each piece is smooth and converges fast (the Gaussian mass beyond 12 is 4e-33).
_Z_MAX = 12.0
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(200)


def _rule(breaks: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and Gaussian-weighted weights: 200 Gauss-Legendre nodes on each piece of [-12, 12]."""
    ends = [-_Z_MAX, *sorted(b for b in set(breaks) if -_Z_MAX < b < _Z_MAX), _Z_MAX]
    nodes = np.concatenate([(a + b) / 2 + (b - a) / 2 * _GL_NODES for a, b in zip(ends, ends[1:])])
    weights = np.concatenate([(b - a) / 2 * _GL_WEIGHTS for a, b in zip(ends, ends[1:])])
    return nodes, weights * np.exp(-(nodes**2) / 2) / np.sqrt(2 * np.pi)


_NODES, _WEIGHTS = _rule((0.0,))


def gauss_moment(name: str, kind: str, q: float | np.ndarray, **params: float) -> np.ndarray:
    """E[g(sqrt(q) z)], g = f, f^2 or f'^2, by Gauss-Legendre on [-12, 12] split at z = 0 and at
    each kink and jump k / sqrt(q) of the activation."""
    g = {
        "mean": lambda u: activation(name, u, **params),
        "second": lambda u: activation(name, u, **params) ** 2,
        "slope2": lambda u: derivative(name, u, **params) ** 2,
    }[kind]
    qs = np.asarray(q, dtype=np.float64)
    breaks = [b for b in get(name).breaks if b != 0.0]
    if not breaks:
        return g(np.sqrt(qs)[..., None] * _NODES) @ _WEIGHTS
    out = np.empty(qs.shape)
    for i, qi in np.ndenumerate(qs):
        s = np.sqrt(qi)
        nodes, weights = _rule((0.0, *(b / s for b in breaks))) if s > 0 else (_NODES, _WEIGHTS)
        out[i] = g(s * nodes) @ weights
    return out


def chi1_grid(name: str, sigma_w: np.ndarray, sigma_b: np.ndarray, iterations: int = 300) -> np.ndarray:
    """chi_1 on a grid (sigma_w, sigma_b arrays of one shape): iterate the variance map (at most
    ``iterations`` times; it stops early where q no longer changes by a bit), then
    sigma_w^2 E[f'(sqrt(q*) z)^2]."""
    q = np.ones_like(sigma_w, dtype=np.float64)
    for _ in range(iterations):
        following = sigma_w**2 * gauss_moment(name, "second", q) + sigma_b**2
        if np.array_equal(following, q):  # a fixed point in floats: every further iteration returns q
            break
        q = following
    return sigma_w**2 * gauss_moment(name, "slope2", q)


def critical_sigma_w(name: str, sigma_b, low: float = 0.5, high: float = 4.0, iterations: int = 3000):
    """sigma_w with chi_1 = 1 by bisection on the Gauss-Legendre chi_1 (chi_1 grows with sigma_w),
    for every sigma_b of an array at once (one variance map over all of them: a third of the time of
    three bisections for three sigma_b); a float for a float. ``iterations`` of the variance map
    reach q* (3,000: near the critical line the map contracts slowly)."""
    sigma_b = np.asarray(sigma_b, dtype=np.float64)
    low, high = np.full(sigma_b.shape, low), np.full(sigma_b.shape, high)
    for _ in range(60):
        mid = (low + high) / 2
        below = chi1_grid(name, mid, sigma_b, iterations=iterations) < 1
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    middle = (low + high) / 2
    return float(middle) if middle.ndim == 0 else middle


def standard_layers(width: int, depth: int, seed: int, orthogonal: bool = False):
    """The draws behind random_layers, before scaling: per layer an N x N standard normal matrix (or a
    Haar orthogonal one) and a standard normal bias vector. Draw once, scale for several sigma_w.

    The layers come from one generator in order, so a shallower net's draws are the first layers of
    a deeper one's: the deepest drawn so far per (width, seed, orthogonal) is kept and sliced (L06
    asks for depths 10 to 200 of the same draws, for two biases and two activations)."""
    key = (width, seed, orthogonal)
    drawn = _DRAWN.get(key)
    if drawn is None or len(drawn[0]) < depth:
        drawn = _DRAWN[key] = _draw_layers(width, depth, seed, orthogonal)
        while len(_DRAWN) > KEEP_DRAWN:  # the oldest first: a dict keeps insertion order
            del _DRAWN[next(iter(_DRAWN))]
    return drawn[0][:depth], drawn[1][:depth]


KEEP_DRAWN = 4  # width 256, depth 200: 105 MB of float64 weights each
_DRAWN: dict[tuple, tuple[list, list]] = {}


def _draw_layers(width: int, depth: int, seed: int, orthogonal: bool):
    g = torch.Generator().manual_seed(seed)
    Zs, bs = [], []
    for _ in range(depth):
        Z = torch.randn(width, width, generator=g, dtype=torch.float64)
        if orthogonal:
            qm, r = torch.linalg.qr(Z)
            Z = qm * torch.sign(torch.diagonal(r))
        Zs.append(Z)
        bs.append(torch.randn(width, generator=g, dtype=torch.float64))
    return Zs, bs


def random_layers(
    width: int, depth: int, sigma_w: float, sigma_b: float, seed: int, orthogonal: bool = False, standard=None
):
    """Weights W_l (N x N, variance sigma_w^2 / N, or sigma_w times a Haar orthogonal matrix) and biases,
    scaled from standard_layers(width, depth, seed, orthogonal), or from ``standard`` when given."""
    Zs, unit_bs = standard if standard is not None else standard_layers(width, depth, seed, orthogonal)
    Ws = [(sigma_w * Z if orthogonal else Z * sigma_w / width**0.5).to(DEVICE) for Z in Zs]
    return Ws, [(b * sigma_b).to(DEVICE) for b in unit_bs]


def forward_pre_activations(name: str, x: torch.Tensor, Ws, bs, **params: float) -> list[torch.Tensor]:
    spec = get(name)
    bound = spec.bind(**params)
    zs, h = [], x
    for W, b in zip(Ws, bs):
        z = h @ W.T + b
        zs.append(z)
        h = spec.torch_f(z, **bound)
    return zs


def second_moment_by_layer(
    name: str, width: int, depth: int, sigma_w: float, sigma_b: float, seed: int, q0: float = 1.0, **params: float
) -> np.ndarray:
    """(1/N) sum_i z_i^2 at each layer for one input with (1/N)|x|^2 = q0."""
    Ws, bs = random_layers(width, depth, sigma_w, sigma_b, seed)
    g = torch.Generator().manual_seed(seed + 10_000)
    x = torch.randn(1, width, generator=g, dtype=torch.float64)
    x = (x / x.pow(2).mean().sqrt() * q0**0.5).to(DEVICE)
    return np.array([float(z.pow(2).mean()) for z in forward_pre_activations(name, x, Ws, bs, **params)])


def gradient_norm_ratios(
    name: str,
    width: int,
    depth: int,
    sigma_w: float,
    sigma_b: float,
    seed: int,
    q0: float = 1.0,
    standard=None,
    **params: float,
) -> np.ndarray:
    """|dL/dz_l|^2 / |dL/dz_{l+1}|^2 for l = 1..depth-1, backpropagating a random vector from the top;
    the input is scaled so that the first pre-activations have second moment q0 (start at q*).
    ``standard``: standard_layers(width, depth, seed), when the caller draws them once for several nets."""
    Ws, bs = random_layers(width, depth, sigma_w, sigma_b, seed, standard=standard)
    g = torch.Generator().manual_seed(seed + 20_000)
    x = torch.randn(1, width, generator=g, dtype=torch.float64)
    x = (x / x.pow(2).mean().sqrt() * max(q0 - sigma_b**2, 0.0) ** 0.5 / sigma_w).to(DEVICE).requires_grad_(True)
    zs = forward_pre_activations(name, x, Ws, bs, **params)
    for z in zs:
        z.retain_grad()
    top = torch.randn(1, width, generator=g, dtype=torch.float64).to(DEVICE)
    (zs[-1] * top).sum().backward()
    norms = np.array([float(z.grad.pow(2).sum()) for z in zs])
    return norms[:-1] / norms[1:]


def jacobian_singular_values(
    name: str,
    width: int,
    depth: int,
    sigma_w: float,
    sigma_b: float,
    seed: int,
    orthogonal: bool,
    q0: float = 1.0,
    **params: float,
) -> np.ndarray:
    """Singular values of the input-output Jacobian prod_l D_l W_l at one random input whose
    squared length per unit is q0 (the fixed point q*, to start in the steady state)."""
    return jacobian_singular_values_by_depth(name, width, (depth,), sigma_w, sigma_b, seed, orthogonal, q0, **params)[
        depth
    ]


def jacobian_singular_values_by_depth(
    name: str,
    width: int,
    depths: tuple[int, ...],
    sigma_w: float,
    sigma_b: float,
    seed: int,
    orthogonal: bool,
    q0: float = 1.0,
    **params: float,
) -> dict[int, np.ndarray]:
    """jacobian_singular_values at each of ``depths`` from one pass through the deepest net: a
    shallower net is the first layers of a deeper one (standard_layers), so its Jacobian is a prefix
    of the same product, bit for bit, and the deepest net's layers are drawn once."""
    spec = get(name)
    Ws, bs = random_layers(width, max(depths), sigma_w, sigma_b, seed, orthogonal)
    g = torch.Generator().manual_seed(seed + 30_000)
    h = torch.randn(width, generator=g, dtype=torch.float64)
    h = (h / h.pow(2).mean().sqrt() * q0**0.5).to(DEVICE)
    J = torch.eye(width, dtype=torch.float64, device=DEVICE)
    out = {}
    for layer, (W, b) in enumerate(zip(Ws, bs), 1):
        z = (W @ h + b).requires_grad_(True)
        act = spec.torch_f(z, **spec.bind(**params))
        (d,) = torch.autograd.grad(act.sum(), z)
        J = (d[:, None] * W) @ J
        h = act.detach()
        if layer in depths:
            out[layer] = torch.linalg.svdvals(J).cpu().numpy()
    return out


def born_dead_fraction(
    width: int, depth: int, trials: int, seed: int, bias_std: float = 0.0, inputs: int = 1
) -> np.ndarray:
    """Fraction of ReLU nets whose output is constant over the inputs at each depth 1..depth:
    some layer has every unit <= 0 on every input. Weights N(0, 2/N) (symmetric), biases N(0, bias_std^2)."""
    rng = np.random.default_rng(seed)
    # One input is positive (uniform on [0.5, 1.5]); several are N(0, 1), of either sign.
    h = rng.uniform(0.5, 1.5, size=(trials, inputs, 1)) if inputs == 1 else rng.normal(size=(trials, inputs, 1))
    dead = np.zeros(trials, dtype=bool)
    out = []
    fan_in = 1
    for _ in range(depth):
        W = rng.normal(0, np.sqrt(2 / fan_in), size=(trials, fan_in, width))
        b = rng.normal(0, bias_std, size=(trials, 1, width)) if bias_std else 0.0
        h = np.maximum(h @ W + b, 0.0)
        # Post-ReLU h >= 0: a layer with no positive unit on any input is all zeros, so the output is
        # constant (0 to the next layer) whatever the number of inputs.
        dead |= ~(h > 0).any(axis=(1, 2))
        out.append(dead.mean())
        fan_in = width
    return np.array(out)
