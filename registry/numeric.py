"""NumPy evaluation shared by every entry: dtype checks, infinities, NaN, rounding to the dtype."""

from __future__ import annotations

import functools
import math

import numpy as np

FLOAT_DTYPES = (np.float16, np.float32, np.float64)
_VALID = "float16, float32, float64 (or a Python float)"


def as_float_array(x: object) -> np.ndarray:
    """x as an ndarray of a float dtype; integer, bool, complex or object input is a TypeError."""
    if isinstance(x, bool):
        raise TypeError(f"input must have a float dtype ({_VALID}), got bool")
    if isinstance(x, (int, float)):
        return np.asarray(float(x), dtype=np.float64)
    arr = np.asarray(x)
    if arr.dtype.type not in FLOAT_DTYPES:
        raise TypeError(f"input must have a float dtype ({_VALID}), got {arr.dtype}")
    return arr


def evaluate(kernel, limits, x: object, params: dict[str, float]) -> np.ndarray:
    """kernel(x) in float64 on finite x, limits at +-inf, NaN kept, rounded once to x's dtype.

    Working in float64 and rounding once makes the float16/float32 results (nearly) correctly
    rounded; the kernels only ever see finite numbers, so no inf*0 or inf-inf can arise. Kernels
    read their input and never write to it: a float64 input goes in as it is, without a copy.
    A kernel wrapped by cache_blocked goes through a long array CACHE_BLOCK elements at a time,
    each block widened, checked, computed and rounded while it is in cache; one wrapped as
    nonfinite_safe gives the limits at +-inf and NaN at NaN itself, and is not checked; one wrapped
    as writes_out writes a float64 block's values straight into the result (its out= argument).
    """
    arr = as_float_array(x)
    if not isinstance(kernel, CacheBlocked) or arr.size <= CACHE_BLOCK:
        return round_to(_in_float64(kernel, limits, arr, params).reshape(arr.shape), arr.dtype)
    flat = arr.reshape(-1)
    out = np.empty(flat.size, dtype=arr.dtype)
    # In float64 nothing is left to round: the kernel's last pass may as well write the result.
    into = kernel.writes_out and arr.dtype == np.float64
    for start in range(0, flat.size, CACHE_BLOCK):
        block, target = flat[start : start + CACHE_BLOCK], out[start : start + CACHE_BLOCK]
        got = _in_float64(kernel, limits, block, params, target if into else None)
        if got is not target:
            target[...] = round_to(got, arr.dtype)
    return out.reshape(arr.shape)


def evaluate_pair(spec, x: object, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) by spec.numpy_f_df, each as evaluate() gives it alone (float64 on finite x,
    rounded once to x's dtype), for arrays of the deep chain's layer size (no cache blocking). Where
    x holds an inf or a NaN the two kernels go their own way, through evaluate(); where both are
    marked nonfinite_safe the pair, the same operations, needs no check."""
    arr = as_float_array(x)
    f, df = evaluate_pair_float64(spec, np.atleast_1d(arr.astype(np.float64, copy=False)), params)
    return round_to(f.reshape(arr.shape), arr.dtype), round_to(df.reshape(arr.shape), arr.dtype)


def evaluate_pair_float64(spec, wide: np.ndarray, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """evaluate_pair(spec, wide, params) for a float64 array of at least one dimension: the same values,
    without the conversions such an array does not need (a deep chain calls it once a layer)."""
    safe = getattr(spec.numpy_f, "nonfinite_safe", False) and getattr(spec.numpy_df, "nonfinite_safe", False)
    if not (safe or _all_finite(wide)):
        f = evaluate(spec.numpy_f, spec.limits_f, wide, params)
        return f, evaluate(spec.numpy_df, spec.limits_df, wide, params)
    return spec.numpy_f_df(wide, **params)


def evaluate_float64(kernel, limits, wide: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """evaluate(kernel, limits, wide, params) for a float64 array of at least one dimension: the same
    values, without the checks and conversions of dtype and shape such an array does not need (a deep
    chain calls its kernels thousands of times, on a layer or a block of layers at a time)."""
    if isinstance(kernel, CacheBlocked) and wide.size > CACHE_BLOCK:
        return evaluate(kernel, limits, wide, params)
    return _on_float64(kernel, limits, wide, params)


def _in_float64(kernel, limits, arr: np.ndarray, params: dict[str, float], into=None) -> np.ndarray:
    """evaluate's result before rounding: a new float64 array of at least one dimension, or ``into``
    itself where the kernel wrote a finite block there."""
    # Kernels index into their arrays (out[mask] = ...): a 0-d input goes in as one element.
    return _on_float64(kernel, limits, np.atleast_1d(arr.astype(np.float64, copy=False)), params, into)


def _on_float64(kernel, limits, wide: np.ndarray, params: dict[str, float], into=None) -> np.ndarray:
    """_in_float64 for wide, already float64 and of at least one dimension."""
    # The common case costs one read, not a mask and three selections; a kernel safe at every float none.
    if getattr(kernel, "nonfinite_safe", False) or _all_finite(wide):
        if into is not None:
            return kernel(wide, out=into, **params)
        out = kernel(wide, **params)
        if np.may_share_memory(out, wide):  # a kernel that hands back its input (an identity)
            out = np.array(out, dtype=np.float64)
        return np.asarray(out, dtype=np.float64)
    finite = np.isfinite(wide)
    out = np.array(kernel(np.where(finite, wide, 0.0), **params), dtype=np.float64)
    at_minus_inf, at_plus_inf = limits(**params)
    out[wide == -np.inf] = at_minus_inf
    out[wide == np.inf] = at_plus_inf
    out[np.isnan(wide)] = np.nan
    return out


# float64 elements evaluate() hands a cache-blocked kernel per call: 256 KiB, so that the kernel's
# temporaries stay in the core's L2 cache. Measured on 2e6 points, 2^15 beat 2^14 and 2^16 for every
# wrapped kernel.
CACHE_BLOCK = 1 << 15


class CacheBlocked:
    """A kernel that evaluate() runs CACHE_BLOCK elements at a time: the same values bit for bit
    (kernels are elementwise), but each pass of a kernel of many passes, and evaluate's own widening,
    finiteness check and rounding, read and write cache rather than memory (2e6 points: mish' 705
    to 275 ms, tanh' 6.6 to 5.1 ms). A kernel of one pass gains nothing and pays the copy into the
    result (relu' 1.1 to 1.5 ms), so only kernels of several passes are wrapped, or of one that writes
    its result itself (writes_out: np.tanh). Called directly, it is the kernel. nonfinite_safe: the
    kernel itself gives the limits at +-inf and NaN at NaN, raising
    no floating-point flag, so evaluate() skips its finiteness check (a read of every element).
    writes_out: the kernel's last pass writes a float64 block straight into the result, which saves
    the block's copy (2e6 points: hardtanh' 2.1 to 1.8 ms)."""

    def __init__(self, kernel, nonfinite_safe: bool, writes_out: bool) -> None:  # made by cache_blocked()
        self.kernel = kernel
        self.nonfinite_safe = nonfinite_safe
        self.writes_out = writes_out
        functools.update_wrapper(self, kernel)

    def __call__(self, x: np.ndarray, **params: float) -> np.ndarray:
        return self.kernel(x, **params)


def cache_blocked(kernel, nonfinite_safe: bool = False, writes_out: bool = False) -> CacheBlocked:
    """kernel, marked for evaluate() to run a cache-sized block at a time (CacheBlocked); writes_out:
    the kernel takes out= (a float64 array of x's shape, not x) and returns it, filled."""
    return CacheBlocked(kernel, nonfinite_safe, writes_out)


SMALL = 64  # arrays up to this size are checked element by element (a deep chain of a few inputs)


def _all_finite(wide: np.ndarray) -> bool:
    """Every element finite, decided by one sum of squares: an inf or a NaN makes it inf or NaN. A
    sum that overflows from finite elements (|x| > 1e154) answers False, which only sends them the
    masked way. For a contiguous array the sum is BLAS's dot product, twice as fast as a reduction."""
    if wide.size <= SMALL:  # a handful of elements: the errstate context would cost more than the test
        return bool(np.isfinite(wide).all())
    with np.errstate(over="ignore", invalid="ignore"):
        if wide.flags.c_contiguous:
            flat = wide.reshape(-1)
            return bool(np.isfinite(np.dot(flat, flat)))
        return bool(np.isfinite(np.add.reduce(wide * wide, axis=None)))


def step(x: np.ndarray, at: float = 0.0, compare=np.greater) -> np.ndarray:
    """1.0 where x > at (or where compare(x, at) holds), else 0.0 (-0.0 > 0 is false), written
    straight into a float64 array: one pass."""
    return compare(x, at, out=np.empty(x.shape, dtype=np.float64))


def window(x: np.ndarray, lo: float, hi: float, out: np.ndarray | None = None) -> np.ndarray:
    """1.0 on the open interval (lo, hi), else 0.0, without a masked select; into out if given."""
    inside = np.greater(x, lo)
    inside &= np.less(x, hi)
    if out is None:
        return inside.astype(np.float64)
    np.copyto(out, inside)
    return out


def blend(m: np.ndarray, one: np.ndarray | float, zero: np.ndarray | float) -> np.ndarray:
    """one where m == 1, zero where m == 0, as m one + (1 - m) zero (m, a float64 array of 0s and 1s,
    is overwritten; one and zero finite, and a -0.0 among them may come out +0.0).

    With m in {0, 1} every product and sum is exact, so this is np.where's result in a few plain
    passes; a masked select costs about ten passes when the signs are mixed.
    """
    picked = np.multiply(one, m)
    np.subtract(1.0, m, out=m)
    m *= zero
    picked += m
    return picked


def where_positive(x: np.ndarray, above: float, below: np.ndarray) -> np.ndarray:
    """above where x > 0, else below (finite): np.where(x > 0, above, below) by blend."""
    return blend(step(x), above, below)


def round_to(values: np.ndarray, dtype) -> np.ndarray:
    """values rounded once to dtype; beyond the dtype's range that is +-inf, as IEEE defines."""
    out = np.asarray(values)
    if out.dtype != dtype:
        # The cast's overflow flag only reports that correct rounding gave inf, so it is not a fault.
        with np.errstate(over="ignore"):
            out = out.astype(dtype)
    return out[()] if out.ndim == 0 else out


def capped(values: np.ndarray, bound: float) -> np.ndarray:
    """min(values, bound), in place, for a kernel whose rounding can land just above a supremum that
    its exact values never exceed (tanh' near 0 above 1, sigmoid' above 1/4). One reduction decides
    whether the minimum's pass runs; fmax, not max, so that a NaN elsewhere in the array does not hide
    a value above the bound. A NaN stays NaN."""
    if np.fmax.reduce(values, axis=None, initial=bound) > bound:
        np.minimum(values, bound, out=values)
    return values


def exp_minus_abs(x: np.ndarray) -> np.ndarray:
    """e = exp(-|x|) in [0, 1]: never overflows, and -|x| is formed exactly (abs, then a negation in
    place: two SIMD passes, faster than np.copysign's one). Neither pass is arithmetic, nor is exp's
    quieting of a NaN: a signaling NaN (float16's and float32's keep the signal when widened) goes
    through without the "invalid" flag a product with -1 would raise."""
    e = np.abs(x)
    np.negative(e, out=e)
    return np.exp(e, out=e)


def logistic(x: np.ndarray) -> np.ndarray:
    """sigma(x) = max(e, [x >= 0]) / (1 + e) with e = exp(-|x|): 1 / (1 + e) for x >= 0 and
    e / (1 + e) below (e <= 1, so the max picks 1 or e exactly), one exponential and no masked
    select: nothing overflows and nothing cancels."""
    e = exp_minus_abs(x)
    return logistic_over(x, e, e + 1.0)


# Above this, 1 + e^{-z} is finite and 1/(1 + e^{-z}) is sigma(z) to a few ulps; below it (e^{-z} past
# 3e307, sigma(z) subnormal or nearly so) logistic() takes over.
RECIPROCAL_FLOOR = -708.0


def logistic_reciprocal(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1/(1 + e^{-z}): the textbook's four passes, for finite z. e^{-z} has its exp's
    relative error, and 1 + e^{-z} and the reciprocal one rounding each, and nothing cancels: 2.04
    ulps at most on 7e4 points a beta (softplus' at beta = 1/2, 1, 4). Below RECIPROCAL_FLOOR e^{-z}
    may overflow (ignored) and the quotient loses the digits of a subnormal sigma: there logistic(z)
    stands in, found by one reduction."""
    out = np.negative(z)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)
    if np.fmin.reduce(z, axis=None, initial=0.0) < RECIPROCAL_FLOOR:  # fmin: a NaN does not hide a deep z
        deep = z < RECIPROCAL_FLOOR
        out[deep] = logistic(z[deep])
    return out


def logistic_over(x: np.ndarray, e: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """max(e, [x >= 0]) / denominator: sigma(x), given e = exp(-|x|) and denominator = 1 + e."""
    out = step(x, 0.0, np.greater_equal)  # in float64: a maximum of float64 with bool casts as it goes
    np.maximum(out, e, out=out)
    return np.divide(out, denominator, out=out)


def logistic_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sigma(x), sigma(-x), e) with e = exp(-|x|): both halves without cancellation or overflow,
    each numerator 1 or e picked exactly as in logistic(), over one denominator 1 + e."""
    e = exp_minus_abs(x)
    denominator = e + 1.0
    positive = step(x, 0.0, np.greater_equal)
    big = np.maximum(positive, e)
    small = np.maximum(np.subtract(1.0, positive, out=positive), e, out=positive)  # [x < 0] or e
    return np.divide(big, denominator, out=big), np.divide(small, denominator, out=small), e


# The deep tail: below z = -700, e^z is subnormal or nearly so (the smallest normal is e^-708.4), and a
# product with it keeps only its few digits. There e^{z + 64} stands in and e^{-64} is applied last:
# z + 64 is exact (for z in [-1024, -512) both lie in the binade of spacing 2^-43, and below -1024
# e^{z + 64} is 0 either way), so the scaled route adds two roundings and loses no digits.
DEEP_TAIL = -700.0
TAIL_SCALE = 64.0
TAIL_UNSCALE = math.exp(-TAIL_SCALE)


def tail_exp(z: np.ndarray) -> np.ndarray:
    """e^{z + 64}: the deep tail's stand-in for e^z (z < DEEP_TAIL), a normal float where e^z is not;
    multiply the finished product by TAIL_UNSCALE."""
    return np.exp(z + TAIL_SCALE)


def with_deep_tail(out: np.ndarray, x: np.ndarray, factor) -> np.ndarray:
    """out, with factor(x) e^x in place of its values where x < DEEP_TAIL, formed as
    (factor(x) e^{x + 64}) e^{-64} (tail_exp), so that no subnormal e^x is ever multiplied. One
    reduction decides whether any x is that deep; the masked route runs only then."""
    if x.min(initial=0.0) < DEEP_TAIL:
        deep = x < DEEP_TAIL
        xd = x[deep]
        out[deep] = (factor(xd) * tail_exp(xd)) * TAIL_UNSCALE
    return out


def two_product(a: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a b) and p + e = a b exactly (Dekker; Veltkamp split, no FMA needed).

    Valid while |a b| < 1e290 and |a|, |b| < 1e290 (the split multiplies by 2^27 + 1).
    """
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(np.asarray(b, dtype=np.float64))
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def two_square(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a^2) and p + e = a^2 exactly: two_product(a, a) with one split and the cross
    term 2 a_hi a_lo formed once. Every step of Dekker's product is exact, so the two give the same bits.

    Valid while a^2 < 1e290 (as two_product)."""
    p = a * a
    hi, lo = _split(a)
    e = ((hi * hi - p) + 2.0 * (hi * lo)) + lo * lo
    return p, e


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth; no ordering of |a|, |b| needed)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def dd_mul(a_hi, a_lo, b_hi, b_lo) -> tuple[np.ndarray, np.ndarray]:
    """(a_hi + a_lo)(b_hi + b_lo) as hi + lo, to about 2^-104 relative (the lo * lo term dropped)."""
    p, e = two_product(a_hi, b_hi)
    return p, e + (a_hi * b_lo + a_lo * b_hi)


def logistic_dd(z: np.ndarray, dz: np.ndarray) -> tuple[np.ndarray, ...]:
    """sigma(z + dz) and sigma(-z - dz) as (hi, lo) pairs, for |dz| << 1 (dz enters to first order).
    Every step after the exponential is error-free or corrected, so each is within about half an ulp
    plus exp's own rounding, where logistic_parts' e / (1 + e) carries up to two roundings more."""
    positive = step(z, 0.0, np.greater_equal)
    sign = 2.0 * positive - 1.0
    e = exp_minus_abs(z)
    e_lo = -e * (sign * dz)  # e^{-|z + dz|} = e^{-|z|} (1 - sign dz)
    d, de = two_sum(1.0, e)
    de = de + e_lo
    r = 1.0 / d  # 1 / (d + de) = r (1 + res - r de), res = 1 - r d exactly
    p, pe = two_product(r, d)
    big = (r, r * (((1.0 - p) - pe) - r * de))
    small = dd_mul(e, e_lo, *big)
    s = tuple(blend(positive.copy(), b, m) for b, m in zip(big, small))
    s_neg = tuple(blend(positive.copy(), m, b) for b, m in zip(big, small))
    return s, s_neg


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi
