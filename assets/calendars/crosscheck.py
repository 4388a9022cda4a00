#!/usr/bin/env python3
"""Cross-checks assets/calendars/kz-YYYY.toml with Python's `holidays` package (country KZ).

For every year file it compares, date by date:
  - holiday:  the holidays and religious days off ([[holiday]]) and their Kazakh names;
  - day-off:  every day that is not a working day (weekends, holidays, moved days off,
              decree days off, minus decree working days);
  - working:  the Saturdays and Sundays made working days by a decree.
A difference passes only when the year file explains it with a [[crosscheck]] entry for
that date (`date`, `reason`); an explanation for a date that no longer differs fails too,
so the explanations stay true. Exit 0 when everything agrees or is explained, 1 otherwise.

Usage: python3 assets/calendars/crosscheck.py [DIR]   (DIR defaults to this file's folder)
       python3 assets/calendars/crosscheck.py --self-test   (the checker catches what it must)
"""

import datetime as dt
import pathlib
import re
import shutil
import sys
import tempfile
import tomllib

try:
    import holidays
except ImportError:
    sys.exit("crosscheck: the Python package `holidays` is missing: pip install holidays "
             "(cargo xtask test installs it in a venv)")

ESTIMATED = " (бағаланған)"
SUBSTITUTED = re.compile(r"(\d\d)\.(\d\d)\.(\d{4}) бастап ауыстырылды")
OBSERVED = "(қайта белгіленген демалыс"


def ours(data):
    year = data["year"]
    hol = {h["date"]: h["name"]["kk"] for h in data.get("holiday", [])}
    moved = {m["to"] for m in data.get("move", [])}
    off = {t["day_off"] for t in data.get("transfer", [])}
    work = {t["working_day"] for t in data.get("transfer", [])}
    days = [dt.date(year, 1, 1) + dt.timedelta(i) for i in range(366)]
    days = [d for d in days if d.year == year]
    day_off = {d for d in days
               if (d.weekday() >= 5 or d in hol or d in moved or d in off) and d not in work}
    return hol, day_off, work, days


def theirs(year, days):
    kz = holidays.KZ(years=year, language="kk")  # Kazakh names
    hol, work, extra_off = {}, set(), set()
    for d, name in kz.items():
        m = SUBSTITUTED.search(name)
        if m:
            work.add(dt.date(int(m[3]), int(m[2]), int(m[1])))
            extra_off.add(d)
        elif OBSERVED in name:
            extra_off.add(d)
        else:
            hol[d] = name.removesuffix(ESTIMATED)
    day_off = {d for d in days
               if (d.weekday() >= 5 or d in hol or d in extra_off) and d not in work}
    return hol, day_off, work


def check(folder, say=print):
    """Prints the comparison of every year file in `folder`; returns the number of problems."""
    files = sorted(folder.glob("kz-*.toml"))
    if not files:
        sys.exit(f"crosscheck: no kz-*.toml in {folder}")
    say(f"crosscheck: holidays {holidays.__version__}, {len(files)} year files in {folder}")
    failures = 0
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        year = data["year"]
        explained = {c["date"]: c["reason"] for c in data.get("crosscheck", [])}
        hol, day_off, work, days = ours(data)
        p_hol, p_off, p_work = theirs(year, days)
        diffs = {}
        for d in sorted(set(hol) | set(p_hol)):
            if hol.get(d) != p_hol.get(d):
                diffs.setdefault(d, []).append(
                    f"holiday: ours {hol.get(d, 'none')!r}, holidays {p_hol.get(d, 'none')!r}")
        for d in sorted(day_off ^ p_off):
            diffs.setdefault(d, []).append(
                f"day-off: ours {'off' if d in day_off else 'working'}, "
                f"holidays {'off' if d in p_off else 'working'}")
        for d in sorted(work ^ p_work):
            diffs.setdefault(d, []).append(
                f"working: decree working day in {'ours' if d in work else 'holidays'} only")
        n_explained = 0
        for d in sorted(diffs):
            for what in diffs[d]:
                if d in explained:
                    n_explained += 1
                    say(f"  {path.name}: {d}: {what} — explained: {explained[d]}")
                else:
                    failures += 1
                    say(f"  {path.name}: {d}: {what} — NOT EXPLAINED: add a [[crosscheck]] "
                          f"entry for {d} with the reason")
        for d in sorted(set(explained) - set(diffs)):
            failures += 1
            say(f"  {path.name}: [[crosscheck]] {d} explains a difference that no longer "
                  f"exists: remove it")
        say(f"{path.name}: {len(hol)} holidays, {len(day_off)} days off, "
              f"{len(work)} decree working days; {n_explained} explained difference(s)")
    return failures


def expect(condition, what):
    if not condition:
        sys.exit(f"crosscheck self-test failed: {what}")


def self_test():
    """A wrong Kurban Ait date must fail; explained, it passes; a stale explanation fails."""
    here = pathlib.Path(__file__).parent
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        shutil.copy(here / "kz-2025.toml", tmp / "kz-2025.toml")
        path = tmp / "kz-2025.toml"
        text = path.read_text(encoding="utf-8")
        expect("date = 2025-06-06" in text, "kz-2025.toml has Kurban Ait on 6 June")
        path.write_text(text.replace("date = 2025-06-06", "date = 2025-06-05"), encoding="utf-8")
        quiet = lambda *_: None
        expect(check(tmp, quiet) == 4, "holiday and day-off differences on 5 and 6 June, unexplained")
        explained = path.read_text(encoding="utf-8") + (
            '\n[[crosscheck]]\ndate = 2025-06-05\nreason = "self-test"\n'
            '\n[[crosscheck]]\ndate = 2025-06-06\nreason = "self-test"\n')
        path.write_text(explained, encoding="utf-8")
        expect(check(tmp, quiet) == 0, "explained differences pass")
        path.write_text(explained + '\n[[crosscheck]]\ndate = 2025-01-01\nreason = "stale"\n',
                        encoding="utf-8")
        expect(check(tmp, quiet) == 1, "a stale explanation fails")
    print("crosscheck self-test: ok")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    folder = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
    failures = check(folder)
    if failures:
        print(f"crosscheck: {failures} problem(s)")
        return 1
    print("crosscheck: every difference is explained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
