"""slowio.soak's pieces that run without a server: the responses its own client threads count by status code."""
import threading
import unittest

import fakes  # noqa: F401 - puts scripts/ on sys.path
from slowio import soak  # noqa: E402


class ResponsesReceived(unittest.TestCase):
    def test_named_for_what_it_counts(self):
        # a class named Counter shadowed collections.Counter for every reader of the module
        self.assertFalse(hasattr(soak, "Counter"))

    def test_counts_by_code_across_threads(self):
        seen = soak.ResponsesReceived()

        def add_many():
            for _ in range(1000):
                seen.add("200")
            seen.add("400", 5)

        threads = [threading.Thread(target=add_many) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(seen.by_code, {"200": 4000, "400": 20})


if __name__ == "__main__":
    unittest.main()
