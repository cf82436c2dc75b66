"""dy/dW1 of the deep width-1 chain by manual backprop (NumPy) and by autograd (torch).

dy/dW1 = f'(z_n) * prod_{i=2..n} [W_i f'(z_{i-1})] * x, multiplied from the output side, the
order backprop uses, so float underflow happens where it happens in a framework.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch

from reference.numpy_ops import derivative
from registry import as_float_array, evaluate, get, round_to
from registry.numeric import evaluate_float64, evaluate_pair, evaluate_pair_float64

SLOPE_BLOCK_ELEMENTS = 1 << 15  # f' values per call: 256 KiB of float64, in cache for the kernel's passes
PRODUCT_BLOCK_ELEMENTS = 1 << 16  # factors times inputs multiplied per accumulate call
FEW_INPUTS = 64  # up to this many inputs the factors are multiplied a block at a time
# From this many inputs a pair kernel (registry numpy_f_df) gives f and f' a layer at a time. Measured
# on chains of depth 1,000: at 1,000 inputs the pair is the faster for sigmoid, silu and gelu_tanh
# (17.5 against 18.0 ms, 26.1 against 26.7, 218 against 273), at 200 f' a block of layers at a time is.
PAIR_INPUTS = 1000
MANTISSA_RUN = 512  # mantissas in [0.5, 1) multiplied between renormalisations: |m| >= 2^-513 stays normal


@dataclass(frozen=True)
class ChainGradient:
    """value: dy/dW1 in the working dtype (may underflow); sign and log_abs: the exact sign and
    natural log of |dy/dW1|, the same factors multiplied in float64 as mantissa and exponent (never
    underflows)."""

    value: np.ndarray
    sign: np.ndarray
    log_abs: np.ndarray


def _weights(W: object, b: object, dtype) -> tuple[np.ndarray, np.ndarray]:
    W = round_to(as_float_array(W).astype(np.float64), dtype).reshape(-1)
    b = round_to(as_float_array(b).astype(np.float64), dtype).reshape(-1)
    if W.size < 1:
        raise ValueError("the chain needs depth >= 1: W must hold at least one weight")
    if W.shape != b.shape:
        raise ValueError(f"W and b must have one entry per layer, got {W.size} and {b.size}")
    return W, b


def forward(name: str, x: object, W: object, b: object, dtype=None, **params: float) -> np.ndarray:
    """Pre-activations z_1..z_n for each input, rounded to the working dtype at every layer, stacked:
    shape (n, *x.shape). One array for all layers: each z is written in place (no temporary a layer),
    and a block of layers is a view for f' (no copy)."""
    spec = get(name)
    xin = as_float_array(x)
    dtype = np.dtype(dtype or xin.dtype).type
    W, b = _weights(W, b, dtype)
    a = round_to(xin, dtype)
    zs = np.empty((W.size, *a.shape), dtype=a.dtype)
    _layers(spec, spec.bind(**params), a, W, b, zs)
    return zs


def _layers(spec, bound: dict[str, float], a: np.ndarray, W: np.ndarray, b: np.ndarray, zs, slopes=None) -> np.ndarray:
    """z_i = W_i a + b_i written into zs[i] and a = f(z_i), layer by layer, in a's dtype; returns the
    last a. The registry's kernel is called through evaluate() directly: the name's lookup and the
    parameters' check are done once, not once a layer (and for float64 arrays, the dtype's and shape's
    too: evaluate_float64). With a list for ``slopes``, f'(z_i) is appended to it from the same call
    (registry pair kernel, numpy_f_df), and zs may be one buffer repeated: no z is kept."""
    wide = a.dtype == np.float64 and a.ndim >= 1
    f_of, pair_of = (evaluate_float64, evaluate_pair_float64) if wide else (evaluate, evaluate_pair)
    with np.errstate(over="ignore"):  # past the dtype's range z is +-inf, as IEEE rounds it
        for z, w, c in zip(zs, W, b):
            np.multiply(a, w, out=z)
            z += c
            if slopes is None:
                a = f_of(spec.numpy_f, spec.limits_f, z, bound)
            else:
                a, slope = pair_of(spec, z, bound)
                slopes.append(slope)
    return a


def _prefix_factors(name: str, x: object, W: object, b: object, dtype, **params: float):
    """The working input and, for any depth n <= len(W), the 2n factors of the depth-n chain's
    dy/dW1, lazily, in the order backprop multiplies them: f'(z_n), W_n, f'(z_{n-1}), ..., W_2,
    f'(z_1), x (each a scalar weight or an array per input). One forward pass serves every n: the
    depth-n chain's pre-activations are the first n of the deeper one's."""
    spec = get(name)
    bound = spec.bind(**params)
    xin = round_to(as_float_array(x), np.dtype(dtype or as_float_array(x).dtype).type)
    W_, b_ = _weights(W, b, xin.dtype.type)
    # The forward pass of forward(). Where the registry has a pair kernel and the inputs are many, f
    # and f' of each layer come from one call, sharing their work. Otherwise f'(z_i) is taken a block
    # of layers at a time as soon as the block is made, while its z are still in cache: f' is
    # elementwise, so a block gives each layer's values bit for bit, without a call's overhead per
    # layer (at depth 10^4 with one input, 4 s of calls against 0.01 s stacked). Either way only a
    # block of z is ever kept.
    slopes: list[np.ndarray] = []
    if spec.numpy_f_df is not None and xin.size >= PAIR_INPUTS:
        _layers(spec, bound, xin, W_, b_, itertools.repeat(np.empty_like(xin)), slopes)
    else:
        block = max(1, SLOPE_BLOCK_ELEMENTS // max(1, xin.size))
        zs = np.empty((min(block, W_.size), *xin.shape), dtype=xin.dtype)
        slope_of = evaluate_float64 if xin.dtype == np.float64 else evaluate  # zs has a layer axis
        a = xin
        for start in range(0, W_.size, block):
            stop = min(start + block, W_.size)
            a = _layers(spec, bound, a, W_[start:stop], b_[start:stop], zs)
            slopes.extend(slope_of(spec.numpy_df, spec.limits_df, zs[: stop - start], bound))

    def factors(n: int):
        yield slopes[n - 1]
        for i in range(n - 1, 0, -1):
            yield W_[i]
            yield slopes[i - 1]
        yield xin

    return xin, factors


def _factors(name: str, x: object, W: object, b: object, dtype, **params: float):
    """The working input and the factors of the whole chain (``_prefix_factors`` at n = len(W))."""
    xin, factors = _prefix_factors(name, x, W, b, dtype, **params)
    return xin, factors(np.size(W))


def chain_factors(name: str, x: object, W: object, b: object, dtype=None, **params: float) -> np.ndarray:
    """The 2n factors of dy/dW1 (f'(z_n), W_n, ..., f'(z_1), x), stacked: shape (2n, inputs)."""
    xin, factors = _factors(name, x, W, b, dtype, **params)
    return np.stack([np.broadcast_to(np.asarray(f_, dtype=xin.dtype), xin.shape) for f_ in factors])


def chain_gradient(name: str, x: object, W: object, b: object, dtype=None, **params: float) -> ChainGradient:
    """dy/dW1 per input x, computed in dtype (default: x's), with its exact-sign log-magnitude.

    value = (((f'(z_n) W_n) f'(z_{n-1})) ... ) x in the working dtype; sign and log_abs of the same
    product taken in float64 as a mantissa and a binary exponent, factor by factor, so no factor is
    kept and no magnitude underflows.
    """
    return _product(*_factors(name, x, W, b, dtype, **params))


def chain_gradient_prefixes(name: str, x: object, W: object, b: object, dtype=None, **params: float):
    """n -> chain_gradient(name, x, W[:n], b[:n], dtype) for 1 <= n <= len(W), the same values bit for
    bit, from one forward pass of the whole depth (S06 probes dozens of depths up to 10^4)."""
    xin, factors = _prefix_factors(name, x, W, b, dtype, **params)
    return lambda n: _product(xin, factors(_check_prefix(n, np.size(W))))


def _check_prefix(n: int, depth: int) -> int:
    """n, if it is the depth of a prefix of a chain of ``depth`` layers."""
    if not 1 <= n <= depth:
        raise ValueError(f"a prefix of the chain has depth 1 to {depth}, got {n}")
    return n


def _product(xin: np.ndarray, factors) -> ChainGradient:
    """value = (((f1 f2) f3) ...) rounded step by step in xin's dtype; sign and log_abs from the same
    factors as m 2^e in float64: m = prod mant_k and e = sum exp_k, where factor_k = mant_k 2^exp_k.

    frexp splits each factor exactly, the exponents add exactly as integers and the mantissas (in
    [0.5, 1) in magnitude) multiply with a relative rounding of 2^-53 each, so no product underflows:
    m is renormalised (exactly, by frexp) every MANTISSA_RUN factors in the block route, and wherever
    its bounds call for it in the loop's (_multiply_in_place), before it could leave float64's normal
    range. Rounding does not depend on where m is renormalised (scaling by 2^k moves no bit), so the
    block and the loop below agree bit for bit. A frexp pass a factor (or, in the loop, the factor
    multiplied in as it is) replaces the sign, abs and log passes a sum of logs would take.
    log_abs = log|m| + e ln 2, and where m 2^e is a normal float64, exactly np.log of it.

    For a few inputs, a block of factors at a time: ufunc.accumulate steps along its axis in order,
    each step rounded, so it multiplies as the loop over the factors does, bit for bit, without the
    loop's Python overhead per factor, which is nearly all of a chain of one input's time. For many
    inputs the loop's in-place passes into buffers made once are the cheaper (accumulate would copy
    each factor into a block and keep every partial product)."""
    first = next(factors)
    value = np.array(first, dtype=xin.dtype)
    mant, exponent = np.frexp(np.asarray(first, dtype=np.float64))
    exponent = exponent.astype(np.int64)
    with np.errstate(over="ignore"):  # past the dtype's range value is inf, as IEEE rounds it
        if value.size > FEW_INPUTS:
            exponent = _multiply_in_place(value, mant, exponent, factors)
        else:
            rows = max(1, min(MANTISSA_RUN, PRODUCT_BLOCK_ELEMENTS // max(1, value.size)))
            while block := list(itertools.islice(factors, rows)):
                stacked = np.empty((len(block) + 1, *value.shape), dtype=value.dtype)
                stacked[0] = value
                for i, f in enumerate(block, 1):  # a weight fills its row, a factor per input is copied in
                    stacked[i] = f
                value = np.multiply.accumulate(stacked, axis=0)[-1, ...]
                block_mant, block_exp = np.frexp(stacked[1:].astype(np.float64).reshape(len(block), -1))
                mant = np.multiply.accumulate(np.concatenate([mant.reshape(1, -1), block_mant]), axis=0)[-1]
                mant = mant.reshape(value.shape)
                exponent = exponent + block_exp.sum(axis=0, dtype=np.int64).reshape(value.shape)
                mant, renormalised = np.frexp(mant)
                exponent += renormalised
    return ChainGradient(value, np.sign(mant), _log_magnitude(mant, exponent)[()])  # [()]: one input, a scalar


# |m| is kept within 2^+-MANTISSA_RANGE between renormalisations, far inside float64's normal range
# (2^-1022 to 2^1024), and a factor goes in as it is when its magnitudes lie within 2^+-FACTOR_RANGE:
# less than MANTISSA_RANGE, so that a renormalised m (in [1/2, 1)) takes any such factor.
MANTISSA_RANGE = 900
FACTOR_RANGE = 400
_FACTOR_LEAST, _FACTOR_GREATEST = math.ldexp(1.0, -FACTOR_RANGE), math.ldexp(1.0, FACTOR_RANGE)


def _multiply_in_place(value: np.ndarray, mant: np.ndarray, exponent: np.ndarray, factors) -> np.ndarray:
    """The loop of _product for many inputs: value *= factor and mant *= factor in place; returns the
    exponent. A factor whose magnitudes other than 0 lie within 2^+-FACTOR_RANGE multiplies m as it
    is, with no frexp pass: bounds on log2 |m| (from the least magnitude that is not 0 and the
    greatest, of the factor or of the block of layers it is a row of) tell when m must be renormalised
    first, so every partial product stays normal and is rounded as the mantissas' product would be,
    bit for bit (a power of two moves no bit; a 0 makes m 0 either way). Any other factor (a subnormal,
    huge, inf or NaN among its values, or no value but 0) goes in split by frexp, exactly. A scalar
    weight's exponent is the same for every input: added once, at the end."""
    factor_mant = np.empty(value.shape)
    factor_exp = np.empty(value.shape, dtype=np.intc)
    weights_exp = 0
    low, high = -1, 0  # 2^low <= |m| < 2^high wherever m is finite and not 0 (m came from frexp)
    ranges: dict[int, tuple[np.ndarray, tuple[int, int] | None]] = {}
    for fac in factors:
        value *= fac
        if not isinstance(fac, np.ndarray) or fac.ndim == 0:  # a weight (np.ndim's work, without its call)
            w_mant, w_exp = math.frexp(float(fac))
            mant *= w_mant
            weights_exp += w_exp
            low -= 1
        else:
            bounds = _exponent_bounds(fac, ranges)
            if bounds is not None:
                k_low, k_high = bounds
                if low + k_low < -MANTISSA_RANGE or high + k_high > MANTISSA_RANGE:
                    np.frexp(mant, out=(mant, factor_exp))
                    exponent += factor_exp
                    low, high = -1, 0
                mant *= fac
                low, high = low + k_low, high + k_high
            else:
                np.frexp(fac, out=(factor_mant, factor_exp))
                mant *= factor_mant
                exponent += factor_exp
                low -= 1
        if low < -MANTISSA_RANGE:
            np.frexp(mant, out=(mant, factor_exp))
            exponent += factor_exp
            low, high = -1, 0
    exponent += weights_exp
    return exponent


def _exponent_bounds(fac: np.ndarray, ranges: dict) -> tuple[int, int] | None:
    """(k_low, k_high) with 2^k_low <= |entry| < 2^k_high for every entry of fac that is not 0, or None
    where a magnitude lies outside 2^+-FACTOR_RANGE or is NaN (the factor then goes in by frexp). From
    fac's least and greatest magnitude, or those of the array it is a view of, if that is at most a
    few times its size (the chain's f' come as rows of a block of layers: one reduction a block, not a
    row, and a block's range holds each row's). ``ranges`` keeps each such array's bounds, with the
    array, so that its id is not reused."""
    whole = fac.base if isinstance(fac.base, np.ndarray) and fac.base.size <= 4 * fac.size else fac
    known = ranges.get(id(whole))
    if known is None:
        smallest, largest = _least_and_greatest_magnitude(whole)
        fits = _FACTOR_LEAST <= smallest and largest <= _FACTOR_GREATEST  # False for a NaN
        known = ranges[id(whole)] = (whole, (math.frexp(smallest)[1] - 1, math.frexp(largest)[1]) if fits else None)
    return known[1]


def _least_and_greatest_magnitude(a: np.ndarray) -> tuple[float, float]:
    """(least, greatest) of |a| over its entries that are not 0 (the greatest NaN if a holds a NaN; the
    least 0 if no entry is finite and not 0) from its minimum and maximum, with an abs pass only where
    its signs are mixed. A 0 needs no bound: it makes m 0, exactly, whichever way it is multiplied in
    (relu' is half 0s)."""
    lo, hi = float(a.min()), float(a.max())
    if lo > 0.0:
        return lo, hi
    if hi < 0.0:
        return -hi, -lo
    if lo >= 0.0:
        return _least_nonzero(a), hi
    if hi <= 0.0:
        return _least_nonzero(np.negative(a)), -lo
    magnitudes = np.abs(a)
    return _least_nonzero(magnitudes), max(-lo, hi)


def _least_nonzero(nonnegative: np.ndarray) -> float:
    """The least entry that is not 0 of an array of floats >= 0, or 0 where no entry is finite and not
    0. Such floats order as their bits do, and bits - 1 wraps +0 (and moves -0.0) above every finite
    float's: one subtraction and one minimum, where a masked minimum measures 40 times slower."""
    bits = np.dtype(f"u{nonnegative.dtype.itemsize}")
    least = int(np.subtract(nonnegative.view(bits), bits.type(1)).min()) + 1
    if least >= int(np.array(np.inf, dtype=nonnegative.dtype).view(bits)):  # no finite entry but 0
        return 0.0
    return float(np.array(least, dtype=bits).view(nonnegative.dtype))


def _log_magnitude(mant: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """log|m 2^e|: np.log of the float64 m 2^e where that is normal (bit for bit the log of the float
    product), log|m| + e ln 2 beyond (no float64 holds it); -inf where m = 0, NaN where m is."""
    mant, more = np.frexp(mant)
    exponent = exponent + more
    normal = (exponent > np.finfo(np.float64).minexp) & (exponent <= np.finfo(np.float64).maxexp)
    with np.errstate(divide="ignore"):  # log 0 = -inf is the exact answer for a zero factor
        return np.where(
            normal,
            np.log(np.abs(np.ldexp(mant, np.where(normal, exponent, 0).astype(np.intc)))),
            np.log(np.abs(mant)) + exponent * np.log(2.0),
        )


def torch_chain_gradient(
    name: str, x: object, W: object, b: object, dtype=torch.float64, **params: float
) -> torch.Tensor:
    """dy/dW1 per input by torch autograd through torch's own activation op."""
    return torch_chain_gradient_prefixes(name, x, W, b, dtype, **params)(np.size(W))


def torch_chain_gradient_prefixes(name: str, x: object, W: object, b: object, dtype=torch.float64, **params: float):
    """n -> torch_chain_gradient(name, x, W[:n], b[:n], dtype) for 1 <= n <= len(W): one forward
    graph of the whole depth, kept, and autograd from its n-th layer's output (the same ops on the
    same values as the depth-n chain's own graph, so the same gradient bit for bit)."""
    spec = get(name)
    bound = spec.bind(**params)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64)).to(dtype).reshape(-1)
    Wt = torch.as_tensor(np.asarray(W, dtype=np.float64)).to(dtype).reshape(-1)
    bt = torch.as_tensor(np.asarray(b, dtype=np.float64)).to(dtype).reshape(-1)
    if Wt.numel() < 1 or Wt.shape != bt.shape:
        raise ValueError(f"W and b must have one entry per layer (depth >= 1), got {Wt.numel()} and {bt.numel()}")
    w1 = Wt[0].expand(xt.shape).clone().requires_grad_(True)  # one leaf per input: per-input gradient
    outputs = [spec.torch_f(w1 * xt + bt[0], **bound)]
    for w, c in zip(Wt[1:], bt[1:]):
        outputs.append(spec.torch_f(w * outputs[-1] + c, **bound))

    def gradient(n: int) -> torch.Tensor:
        top = outputs[_check_prefix(n, len(outputs)) - 1]
        (grad,) = torch.autograd.grad(top.sum(), w1, retain_graph=True)  # the next call reads it again
        return grad

    return gradient


def log_gradient_by_depth(name: str, x: float, W: object, b: object, **params: float) -> np.ndarray:
    """log|dy/dW1| of the depth-n chain for every n = 1..N at once (float64, one forward pass).

    The depth-n chain uses the first n layers of (W, b), so
    log|g_n| = log|f'(z_n)| + sum_{i=2..n} (log|W_i| + log|f'(z_{i-1})|) + log|x|.
    """
    zs = np.array([z[0] for z in forward(name, np.array([float(x)]), W, b, dtype=np.float64, **params)])
    W_ = np.asarray(W, dtype=np.float64)
    with np.errstate(divide="ignore"):  # a zero factor gives the exact answer, log 0 = -inf
        log_fp = np.log(np.abs(derivative(name, zs, **params)))
        log_w = np.log(np.abs(W_))
        steps = np.concatenate([[0.0], log_w[1:] + log_fp[:-1]])
        return log_fp + np.cumsum(steps) + np.log(abs(float(x)))
