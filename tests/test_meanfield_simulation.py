"""The finite-width simulations behind L01-L06 at a small width and depth, against the same nets
computed in NumPy with the hand-written reference (reference.activation and reference.derivative):
the layers' scaling, the forward pass, the backpropagated gradient norms and the Jacobian's
singular values. The literature claims run them at width 256 and depth 200; these sizes check the
arithmetic in a fraction of a second."""

import numpy as np
import pytest
import torch

from reference import activation, derivative
from reference import meanfield as sim

pytestmark = pytest.mark.instrument

WIDTH, DEPTH, SEED = 6, 4, 3


def as_numpy(tensors) -> list[np.ndarray]:
    return [t.detach().cpu().numpy() for t in tensors]


@pytest.mark.parametrize("orthogonal", [False, True])
def test_random_layers_scale_the_standard_draws(orthogonal):
    """Gaussian: W = sigma_w Z / sqrt(N); orthogonal: W = sigma_w Q with Q^T Q = I; b = sigma_b b0."""
    Zs, b0s = (as_numpy(part) for part in sim.standard_layers(WIDTH, DEPTH, SEED, orthogonal))
    Ws, bs = sim.random_layers(WIDTH, DEPTH, 1.7, 0.3, SEED, orthogonal)
    for W, Z, b, b0 in zip(as_numpy(Ws), Zs, as_numpy(bs), b0s):
        np.testing.assert_allclose(W, 1.7 * Z if orthogonal else 1.7 * Z / np.sqrt(WIDTH), rtol=1e-15)
        np.testing.assert_allclose(b, 0.3 * b0, rtol=1e-15)
        if orthogonal:
            np.testing.assert_allclose(Z.T @ Z, np.eye(WIDTH), atol=1e-13)


def numpy_forward(name: str, x: np.ndarray, Ws, bs) -> list[np.ndarray]:
    """z_l = h_{l-1} W_l^T + b_l, h_l = f(z_l), in NumPy."""
    zs, h = [], x
    for W, b in zip(as_numpy(Ws), as_numpy(bs)):
        zs.append(h @ W.T + b)
        h = activation(name, zs[-1])
    return zs


@pytest.mark.parametrize("name", ["tanh", "relu", "elu"])
def test_the_forward_pass_and_its_second_moments_agree_with_numpy(name):
    Ws, bs = sim.random_layers(WIDTH, DEPTH, 1.5, 0.2, SEED)
    x = np.random.default_rng(0).normal(size=(2, WIDTH))
    zs = sim.forward_pre_activations(name, torch.as_tensor(x), Ws, bs)
    assert len(zs) == DEPTH
    for got, expected in zip(as_numpy(zs), numpy_forward(name, x, Ws, bs)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    q = sim.second_moment_by_layer(name, WIDTH, DEPTH, 1.5, 0.2, SEED, q0=2.5)
    g = torch.Generator().manual_seed(SEED + 10_000)
    x0 = torch.randn(1, WIDTH, generator=g, dtype=torch.float64).numpy()
    x0 = x0 / np.sqrt((x0**2).mean()) * np.sqrt(2.5)  # the input's second moment is q0
    expected = [float((z**2).mean()) for z in numpy_forward(name, x0, Ws, bs)]
    np.testing.assert_allclose(q, expected, rtol=1e-12)
    # Unless told otherwise the input's second moment is 1 (L01 starts there).
    unit = [float((z**2).mean()) for z in numpy_forward(name, x0 / np.sqrt(2.5), Ws, bs)]
    np.testing.assert_allclose(sim.second_moment_by_layer(name, WIDTH, DEPTH, 1.5, 0.2, SEED), unit, rtol=1e-12)


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_gradient_norm_ratios_are_those_of_the_backpropagated_vector(name):
    """dL/dz_l = (W_{l+1}^T dL/dz_{l+1}) f'(z_l) from dL/dz_L = the random top vector, in NumPy; the
    ratios are |dL/dz_l|^2 / |dL/dz_{l+1}|^2."""
    sigma_w, sigma_b, q0 = 1.3, 0.1, 0.8
    ratios = sim.gradient_norm_ratios(name, WIDTH, DEPTH, sigma_w, sigma_b, SEED, q0=q0)
    Ws, bs = sim.random_layers(WIDTH, DEPTH, sigma_w, sigma_b, SEED)
    g = torch.Generator().manual_seed(SEED + 20_000)
    x = torch.randn(1, WIDTH, generator=g, dtype=torch.float64).numpy()
    x = x / np.sqrt((x**2).mean()) * np.sqrt(q0 - sigma_b**2) / sigma_w
    top = torch.randn(1, WIDTH, generator=g, dtype=torch.float64).numpy()
    zs = numpy_forward(name, x, Ws, bs)
    grads = [top]
    for W, z in zip(reversed(as_numpy(Ws)[1:]), reversed(zs[:-1])):
        grads.insert(0, (grads[0] @ W) * derivative(name, z))
    norms = np.array([(d**2).sum() for d in grads])
    assert ratios.shape == (DEPTH - 1,)
    np.testing.assert_allclose(ratios, norms[:-1] / norms[1:], rtol=1e-11)


@pytest.mark.parametrize("orthogonal", [False, True])
def test_jacobian_singular_values_are_those_of_the_product_of_layers(orthogonal):
    """J = prod_l diag(f'(z_l)) W_l at the input, multiplied in NumPy, and its singular values."""
    name, sigma_w, sigma_b, q0 = "tanh", 1.1, 0.05, 0.7
    got = sim.jacobian_singular_values(name, WIDTH, DEPTH, sigma_w, sigma_b, SEED, orthogonal, q0=q0)
    Ws, bs = sim.random_layers(WIDTH, DEPTH, sigma_w, sigma_b, SEED, orthogonal)
    g = torch.Generator().manual_seed(SEED + 30_000)
    h = torch.randn(WIDTH, generator=g, dtype=torch.float64).numpy()
    h = h / np.sqrt((h**2).mean()) * np.sqrt(q0)
    J = np.eye(WIDTH)
    for W, b in zip(as_numpy(Ws), as_numpy(bs)):
        z = W @ h + b
        J = (derivative(name, z)[:, None] * W) @ J
        h = activation(name, z)
    np.testing.assert_allclose(np.sort(got), np.sort(np.linalg.svd(J, compute_uv=False)), rtol=1e-11)


@pytest.mark.parametrize("orthogonal", [False, True])
def test_the_jacobian_by_depth_is_each_shallower_nets_own_bit_for_bit(orthogonal):
    """One pass through the deepest net gives each depth's singular values exactly as the net of that
    depth alone does (its layers are the deeper net's first ones)."""
    by_depth = sim.jacobian_singular_values_by_depth("tanh", WIDTH, (1, 3, DEPTH), 1.3, 0.1, SEED, orthogonal, q0=0.7)
    assert sorted(by_depth) == [1, 3, DEPTH]
    for depth, values in by_depth.items():
        alone = sim.jacobian_singular_values("tanh", WIDTH, depth, 1.3, 0.1, SEED, orthogonal, q0=0.7)
        assert np.array_equal(values, alone), depth


def within_binomial_errors(fraction, p, trials: int, k: float = 5.0):
    """|fraction - p| <= k sqrt(p (1 - p) / trials): a Monte Carlo fraction of ``trials`` within k
    binomial standard errors of its probability p (elementwise)."""
    return np.abs(fraction - p) <= k * np.sqrt(p * (1 - p) / trials)


def test_born_dead_fractions_follow_the_exact_law_at_a_small_width():
    """One positive input, no biases: each unit of a layer is positive with probability 1/2 given a
    live layer below, so P(dead by depth L) = 1 - (1 - 2^-N)^L; 20,000 nets of width 2, within 5
    binomial standard errors at every depth."""
    trials = 20_000
    dead = sim.born_dead_fraction(2, 6, trials, seed=1)
    exact = 1 - 0.75 ** np.arange(1, 7)
    assert dead.shape == (6,) and np.all(within_binomial_errors(dead, exact, trials))


def test_several_inputs_are_drawn_with_both_signs_so_a_first_layer_dies_less_often():
    """k > 1 inputs are N(0, 1) and enter as they are: with no biases, unit j of the first layer is
    w_j x_i, so the layer is 0 on every input only when all k inputs share a sign (probability
    2^(1-k)) and every w_j has the other (2^-N): P = 2^(1 - k - N). One input is taken positive
    (P = 2^-N). 20,000 nets of width 2, within 5 binomial standard errors."""
    trials = 20_000
    for inputs in (1, 2, 3):
        exact = 2.0 ** (min(1 - inputs, 0) - 2)
        dead = sim.born_dead_fraction(2, 1, trials, seed=11, inputs=inputs)[0]
        assert within_binomial_errors(dead, exact, trials), (inputs, dead, exact)


def test_with_biases_a_net_once_dead_stays_dead_deeper():
    """A layer with every unit at 0 on the one input makes the output constant whatever the layers
    above do (a bias can turn them on again, but only to a constant): the fraction never falls with
    depth, for each of 3 seeds; at width 2 most nets are dead by depth 12."""
    for seed in (3, 4, 5):
        dead = sim.born_dead_fraction(2, 12, 4000, seed=seed, bias_std=1.0)
        assert np.all(np.diff(dead) >= 0) and dead[-1] > 0.9
