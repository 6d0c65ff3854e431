"""slowio.stats: the Mann-Whitney U test against hand-computed and textbook values, ranks, ties, edge cases."""
import math
import unittest

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from slowio.stats import average_ranks, mann_whitney_u, median, relative_change, tie_sum


class Ranks(unittest.TestCase):
    def test_distinct(self):
        self.assertEqual(average_ranks([30, 10, 20]), [3.0, 1.0, 2.0])

    def test_ties_share_the_mean_rank(self):
        # 2s occupy ranks 2, 3, 4 -> 3; 3s occupy 5, 6, 7 -> 6
        self.assertEqual(average_ranks([1, 2, 2, 3, 2, 3, 3, 4]), [1, 3, 3, 6, 3, 6, 6, 8])

    def test_tie_sum(self):
        self.assertEqual(tie_sum([1, 2, 3]), 0.0)
        self.assertEqual(tie_sum([1, 2, 2, 3, 2, 3, 3, 4]), 48.0)  # two groups of 3: 2 * (27 - 3)


class MannWhitney(unittest.TestCase):
    # The textbook example (Wikipedia "Mann-Whitney U test"; scipy.stats.mannwhitneyu's docs): ages of 5 males
    # and 4 females. Pooled ranks: 11(1) 12(2) 16(3) 17(4) 19(5) 20(6) 22(7) 24(8) 29(9); R_males = 3+5+7+8+9 = 32,
    # U = 32 - 5*6/2 = 17; mu = 5*4/2 = 10; sigma^2 = 5*4*10/12 = 50/3 (no ties).
    MALES = [19, 22, 16, 29, 24]
    FEMALES = [20, 11, 17, 12]

    def test_textbook_without_continuity(self):
        r = mann_whitney_u(self.MALES, self.FEMALES, continuity=False)
        self.assertEqual(r.u, 17.0)
        self.assertAlmostEqual(r.z, 7 / math.sqrt(50 / 3), places=12)  # 1.7146
        # normal table: Phi(1.71) = 0.95637, Phi(1.72) = 0.95728 -> p between 0.0854 and 0.0873
        self.assertTrue(0.0854 < r.p_value < 0.0873, r.p_value)
        self.assertAlmostEqual(r.p_value, 0.0864107, places=6)  # scipy method="asymptotic", no continuity

    def test_textbook_with_continuity(self):
        r = mann_whitney_u(self.MALES, self.FEMALES)
        self.assertAlmostEqual(r.z, 6.5 / math.sqrt(50 / 3), places=12)  # 1.5922
        # Phi(1.59) = 0.94408, Phi(1.60) = 0.94520 -> p between 0.1096 and 0.1118
        self.assertTrue(0.1096 < r.p_value < 0.1118, r.p_value)
        self.assertAlmostEqual(r.p_value, 0.1113469, places=6)  # scipy's default (use_continuity=True)

    def test_ties_hand_computed(self):
        # x = 1 2 2 3, y = 2 3 3 4: ranks of x 1 + 3 + 3 + 6 = 13, U = 13 - 10 = 3, mu = 8,
        # sigma^2 = 16/12 * (9 - 48/56) = 10.857142..., z = (3 - 8 + 0.5) / sigma = -1.3657
        r = mann_whitney_u([1, 2, 2, 3], [2, 3, 3, 4])
        self.assertEqual(r.u, 3.0)
        sigma = math.sqrt(16 / 12 * (9 - 48 / 56))
        self.assertAlmostEqual(r.z, -4.5 / sigma, places=12)
        self.assertAlmostEqual(r.p_value, math.erfc(4.5 / sigma / math.sqrt(2)), places=12)
        self.assertAlmostEqual(r.p_value, 0.172034, places=5)
        # without the tie correction sigma^2 would be 16 * 9 / 12 = 12: the correction matters
        self.assertNotAlmostEqual(r.z, -4.5 / math.sqrt(12), places=3)

    def test_symmetry(self):
        a, b = mann_whitney_u(self.MALES, self.FEMALES), mann_whitney_u(self.FEMALES, self.MALES)
        self.assertEqual(a.u + b.u, 5 * 4)
        self.assertAlmostEqual(a.z, -b.z)
        self.assertAlmostEqual(a.p_value, b.p_value)

    def test_complete_separation_8_vs_8(self):
        # U = 0, mu = 32, sigma^2 = 64 * 17 / 12: z = -31.5 / 9.5219 = -3.308, p = 0.00094 < 0.01: one
        # repetition of the quick grid (8 one-second blocks) can be significant
        r = mann_whitney_u(list(range(8)), list(range(10, 18)))
        self.assertEqual(r.u, 0.0)
        self.assertAlmostEqual(r.z, -31.5 / math.sqrt(64 * 17 / 12), places=12)
        self.assertAlmostEqual(r.p_value, 0.000939, places=5)

    def test_two_vs_two_is_never_significant(self):
        # complete separation of 4 distinct values: z = 1.5 / sqrt(20/12) = 1.162, p = 0.245
        r = mann_whitney_u([1, 2], [5, 6])
        self.assertAlmostEqual(r.p_value, math.erfc(1.5 / math.sqrt(20 / 12) / math.sqrt(2)), places=12)
        self.assertGreater(r.p_value, 0.24)
        # the extreme with ties, two equal values per side: sigma^2 = 4/12 * (5 - 12/12) = 4/3, p = 0.194
        r = mann_whitney_u([1, 1], [2, 2])
        self.assertAlmostEqual(r.p_value, math.erfc(1.5 / math.sqrt(4 / 3) / math.sqrt(2)), places=12)
        self.assertGreater(r.p_value, 0.19)

    def test_all_equal_is_p_one(self):
        r = mann_whitney_u([100.0] * 8, [100.0] * 8)
        self.assertEqual((r.u, r.z, r.p_value), (32.0, 0.0, 1.0))

    def test_constant_but_different_samples(self):
        # every value tied within its sample: sigma^2 = 64/12 * (17 - 1008/240) = 68.27, z = -31.5 / 8.262
        r = mann_whitney_u([10.0] * 8, [100.0] * 8)
        self.assertAlmostEqual(r.z, -31.5 / math.sqrt(64 / 12 * (17 - 1008 / 240)), places=12)
        self.assertLess(r.p_value, 0.001)

    def test_identical_samples_not_significant(self):
        x = [1.0, 5.0, 3.0, 9.0]
        r = mann_whitney_u(x, list(x))
        self.assertEqual(r.z, 0.0)  # the continuity correction never pushes z past 0
        self.assertEqual(r.p_value, 1.0)

    def test_empty_raises(self):
        with self.assertRaises(ValueError):
            mann_whitney_u([], [1.0])


class Helpers(unittest.TestCase):
    def test_relative_change(self):
        self.assertAlmostEqual(relative_change(100.0, 70.0), -0.3)
        self.assertAlmostEqual(relative_change(100.0, 200.0), 1.0)
        self.assertEqual(relative_change(0.0, 0.0), 0.0)
        self.assertEqual(relative_change(0.0, 5.0), math.inf)

    def test_median(self):
        self.assertEqual(median([3, 1, 2]), 2.0)
        self.assertEqual(median([4, 1, 2, 3]), 2.5)
        with self.assertRaises(ValueError):
            median([])


if __name__ == "__main__":
    unittest.main()
