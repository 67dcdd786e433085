#!/usr/bin/python3
"""Runs tests/e2e/test_*.py against the real ansvard and ansvarctl.

Prints one line per test and ends with "e2e: N passed, N failed".
Arguments select tests by substring of their id (e.g. G2, kill9).
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Result(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def _say(self, word, test):
        dt = time.monotonic() - self._t0
        self.stream.write(f"{word:4} {test.id()} ({dt:.1f}s)\n")
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self._say("ok", test)

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._say("FAIL", test)

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        self._say("ERR", test)

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._say("skip", test)


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def main():
    loader = unittest.TestLoader()
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    tests = list(flatten(suite))
    if len(sys.argv) > 1:
        tests = [t for t in tests if any(a in t.id() for a in sys.argv[1:])]
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=0,
                                     resultclass=Result)
    result = runner.run(unittest.TestSuite(tests))
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"e2e: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
