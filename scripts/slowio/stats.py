"""Two-sample statistics for the regression gate's baseline comparison (standard library only).

The Mann-Whitney U test (Wilcoxon rank-sum) asks whether one sample tends to hold larger values than the other
without assuming a distribution: per-second throughput and p99 of a server are neither normal nor symmetric
(waves of completions, a long right tail), so a t-test's assumptions do not hold and a rank test's do.

``mann_whitney_u`` uses the normal approximation of U with the tie correction of its variance and a
continuity correction of 0.5 (the textbook large-sample form; scipy's ``method="asymptotic"``,
``use_continuity=True``). The approximation is conservative for very small samples: with 2 values per side
no arrangement gives a two-sided p below 0.19 (0.245 when all four differ), so a gate with alpha 0.01 never
calls such a difference significant - which is what "inconclusive: too few samples" means.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class UTest:
    """The result of a two-sided Mann-Whitney U test of ``x`` against ``y``.

    ``u`` is U of x: the number of pairs (x_i, y_j) with x_i > y_j, ties counting one half (0 .. n_x n_y);
    ``z`` is signed: > 0 when x tends to be larger than y; ``p_value`` is two-sided.
    """

    u: float
    n_x: int
    n_y: int
    z: float
    p_value: float


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of ``values`` in their own order, tied values sharing the mean of the ranks they span.

    >>> average_ranks([10, 20, 20, 30])
    [1.0, 2.5, 2.5, 4.0]
    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2.0 + 1.0  # positions i..j (0-based) hold ranks i+1..j+1
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        i = j + 1
    return ranks


def tie_sum(values: Sequence[float]) -> float:
    """Sum of t^3 - t over the groups of t equal values (0 when all values differ): the tie term of U's
    variance."""
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return float(sum(t ** 3 - t for t in counts.values()))


def mann_whitney_u(x: Sequence[float], y: Sequence[float], continuity: bool = True) -> UTest:
    """Two-sided Mann-Whitney U test of samples ``x`` and ``y`` (normal approximation, tie-corrected).

    U_x = R_x - n_x (n_x + 1) / 2, where R_x is the sum of x's ranks in the pooled sample;
    under the null hypothesis (both samples from one distribution) U_x has mean mu = n_x n_y / 2 and variance
    sigma^2 = n_x n_y / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))), n = n_x + n_y, t the size of each group
    of tied values; z = (|U_x - mu| - 0.5) / sigma with the sign of U_x - mu (the 0.5 only with
    ``continuity``, and never pushing z past 0), p = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2).

    When every value of the pooled sample is equal, sigma is 0 and nothing distinguishes the samples:
    z = 0, p = 1. Raises ValueError when either sample is empty.
    """
    n_x, n_y = len(x), len(y)
    if n_x == 0 or n_y == 0:
        raise ValueError("mann_whitney_u needs at least one value in each sample")
    pooled = [float(v) for v in x] + [float(v) for v in y]
    ranks = average_ranks(pooled)
    u = sum(ranks[:n_x]) - n_x * (n_x + 1) / 2.0
    n = n_x + n_y
    mu = n_x * n_y / 2.0
    ties = tie_sum(pooled) / (n * (n - 1)) if n > 1 else 0.0
    var = n_x * n_y / 12.0 * ((n + 1) - ties)
    if var <= 0.0:
        return UTest(u=u, n_x=n_x, n_y=n_y, z=0.0, p_value=1.0)
    dev = abs(u - mu) - (0.5 if continuity else 0.0)
    z = math.copysign(max(dev, 0.0) / math.sqrt(var), u - mu)
    p = min(1.0, math.erfc(abs(z) / math.sqrt(2.0)))
    return UTest(u=u, n_x=n_x, n_y=n_y, z=z, p_value=p)


def relative_change(base: float, current: float) -> float:
    """(current - base) / |base|: the change from ``base`` as a fraction of it (+0.1 = 10% more).

    A base of 0 has no relative scale: 0 when current is 0 too, else +-inf (the sign of the change).
    """
    if base == 0:
        return 0.0 if current == 0 else math.copysign(math.inf, current)
    return (current - base) / abs(base)


def median(values: Sequence[float]) -> float:
    """The median (the mean of the two middle values for an even count); ValueError when empty."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))
