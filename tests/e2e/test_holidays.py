"""Norwegian public holidays: daemon/holidays.c against python3-holidays.

Builds tests/holiday_oracle.c with daemon/holidays.c and daemon/clock.c,
and compares its dates for 1900-2200 with holidays.Norway (Debian's
python3-holidays, without its Sundays).  Dates only; the names differ
where two holidays share a day.
"""
import datetime
import os
import shutil
import subprocess
import tempfile
import unittest

import holidays

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIRST, LAST = 1900, 2200


def oracle_dates():
    tmp = tempfile.mkdtemp(prefix="ansvar-holidays-")
    try:
        exe = os.path.join(tmp, "holiday_oracle")
        subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-Idaemon",
                        "tests/holiday_oracle.c", "daemon/holidays.c",
                        "daemon/clock.c", "-o", exe],
                       cwd=TOP, check=True)
        out = subprocess.run([exe], check=True, stdout=subprocess.PIPE,
                             universal_newlines=True).stdout
    finally:
        shutil.rmtree(tmp)
    dates = []
    for line in out.splitlines():
        ymd, name = line.split(" ", 1)
        assert name, line
        dates.append(datetime.date.fromisoformat(ymd))
    return dates


class TestHolidays(unittest.TestCase):
    def test_holidays_match_python_holidays(self):
        ours = oracle_dates()
        self.assertEqual(len(ours), len(set(ours)), "a date printed twice")
        ours = set(ours)
        theirs = set(holidays.Norway(years=range(FIRST, LAST + 1),
                                     include_sundays=False))
        theirs = {d for d in theirs if FIRST <= d.year <= LAST}
        diff = sorted(ours ^ theirs)
        print(f"holidays {FIRST}-{LAST}: {len(ours)} dates, "
              f"{len(diff)} differences")
        self.assertEqual(
            diff, [], "only ours: %s; only python3-holidays: %s" % (
                sorted(ours - theirs)[:10], sorted(theirs - ours)[:10]))


if __name__ == "__main__":
    unittest.main()
