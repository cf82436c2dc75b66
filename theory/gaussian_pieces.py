"""E[g(sqrt(q) z) ; L < z < H], z ~ N(0, 1), in closed form for g a sum of c x^k e^(a x):
    int_L^H z^k e^(b z) phi(z) dz = e^(b^2/2) sum_j C(k, j) b^(k-j) J_j(L - b, H - b),  b = a sqrt(q),
    J_j(l, h) = int_l^h u^j phi(u) du = [-u^(j-1) phi(u)]_l^h + (j - 1) J_(j-2)(l, h),
    J_0 = (erf(h/sqrt 2) - erf(l/sqrt 2)) / 2 (erfc(l/sqrt 2)/2 for h = oo),  J_1 = phi(l) - phi(h)
(complete the square, then integrate by parts). Every piecewise activation in the registry is such
a sum on each piece (polynomials, and exponentials of x for the elu family), and so are its square
and its slope's square: this replaces sympy's integrate there (heurisch and Meijer G, seconds a
piece). ``piece_moment`` returns None for any other term; the caller integrates that one with sympy.
"""

from __future__ import annotations

import sympy as sp

from theory.symbolic import x


def _phi(u: sp.Expr) -> sp.Expr:
    """The standard normal density; 0 at +-oo."""
    return sp.S.Zero if u.is_infinite else sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)


def _power_times_phi(j: int, u: sp.Expr) -> sp.Expr:
    """u^(j-1) phi(u), with the limit 0 at +-oo."""
    return sp.S.Zero if u.is_infinite else u ** (j - 1) * _phi(u)


def normal_power_integral(j: int, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """J_j(lo, hi) = int_lo^hi u^j phi(u) du, by the recursion in the module docstring."""
    if j == 0:  # erfc where one end is infinite: the form sympy's integrate gives, and no 1 - erf
        if lo is -sp.oo and hi is sp.oo:
            return sp.S.One
        if hi is sp.oo:
            return sp.erfc(lo / sp.sqrt(2)) / 2
        if lo is -sp.oo:
            return sp.erfc(-hi / sp.sqrt(2)) / 2
        return (sp.erf(hi / sp.sqrt(2)) - sp.erf(lo / sp.sqrt(2))) / 2
    if j == 1:
        return _phi(lo) - _phi(hi)
    return _power_times_phi(j, lo) - _power_times_phi(j, hi) + (j - 1) * normal_power_integral(j - 2, lo, hi)


def _terms(g: sp.Expr) -> list[tuple[sp.Expr, int, sp.Expr]] | None:
    """g = sum c x^k e^(a x) as (c, k, a) triples, or None if some term is not of that form."""
    out = []
    for term in sp.Add.make_args(sp.expand(g)):
        coeff, k, a = sp.S.One, 0, sp.S.Zero
        for factor in sp.Mul.make_args(term):
            if not factor.has(x):
                coeff *= factor
            elif factor == x:
                k += 1
            elif factor.is_Pow and factor.base == x and factor.exp.is_Integer and factor.exp > 0:
                k += int(factor.exp)
            elif isinstance(factor, sp.exp) and sp.degree(factor.args[0], x) == 1:
                slope, shift = sp.Poly(factor.args[0], x).all_coeffs()
                a += slope
                coeff *= sp.exp(shift)
            else:
                return None
        out.append((coeff, k, a))
    return out


def piece_moment(g: sp.Expr, lo: sp.Expr, hi: sp.Expr, q: sp.Symbol) -> sp.Expr | None:
    """int_lo^hi g(sqrt(q) z) phi(z) dz in closed form (z-limits lo < hi, possibly infinite), or
    None when g is not a sum of c x^k e^(a x)."""
    terms = _terms(g)
    if terms is None:
        return None
    root = sp.sqrt(q)
    total = sp.S.Zero
    for coeff, k, a in terms:
        b = a * root
        shifted = sp.exp(b**2 / 2) * sum(
            sp.binomial(k, j) * b ** (k - j) * normal_power_integral(j, lo - b, hi - b) for j in range(k + 1)
        )
        total += coeff * root**k * shifted
    return total
