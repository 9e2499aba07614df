"""China's official holiday arrangements (国务院办公厅 notices) for the years the platform ships.

Each year: days off (休) and adjusted working days (调休上班). Loaded into ``CalendarDay`` by a
data migration; a deployment edits the table for later years. Weekends not listed are off,
weekdays not listed are working days.
"""

from __future__ import annotations

import datetime as dt


def _span(start: str, end: str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


# (name, days off, make-up working days)
HOLIDAYS: dict[int, list[tuple[str, list[dt.date], list[str]]]] = {
    2017: [
        ("元旦", _span("2017-01-01", "2017-01-02"), []),
        ("春节", _span("2017-01-27", "2017-02-02"), ["2017-01-22", "2017-02-04"]),
        ("清明节", _span("2017-04-02", "2017-04-04"), ["2017-04-01"]),
        ("劳动节", _span("2017-04-29", "2017-05-01"), []),
        ("端午节", _span("2017-05-28", "2017-05-30"), ["2017-05-27"]),
        ("国庆节、中秋节", _span("2017-10-01", "2017-10-08"), ["2017-09-30"]),
    ],
    2018: [
        ("元旦", _span("2017-12-30", "2018-01-01"), []),
        ("春节", _span("2018-02-15", "2018-02-21"), ["2018-02-11", "2018-02-24"]),
        ("清明节", _span("2018-04-05", "2018-04-07"), ["2018-04-08"]),
        ("劳动节", _span("2018-04-29", "2018-05-01"), ["2018-04-28"]),
        ("端午节", _span("2018-06-16", "2018-06-18"), []),
        ("中秋节", _span("2018-09-22", "2018-09-24"), []),
        ("国庆节", _span("2018-10-01", "2018-10-07"), ["2018-09-29", "2018-09-30"]),
    ],
    2019: [
        ("元旦", _span("2018-12-30", "2019-01-01"), ["2018-12-29"]),
        ("春节", _span("2019-02-04", "2019-02-10"), ["2019-02-02", "2019-02-03"]),
        ("清明节", _span("2019-04-05", "2019-04-07"), []),
        ("劳动节", _span("2019-05-01", "2019-05-04"), ["2019-04-28", "2019-05-05"]),
        ("端午节", _span("2019-06-07", "2019-06-09"), []),
        ("中秋节", _span("2019-09-13", "2019-09-15"), []),
        ("国庆节", _span("2019-10-01", "2019-10-07"), ["2019-09-29", "2019-10-12"]),
    ],
    2025: [
        ("元旦", _span("2025-01-01", "2025-01-01"), []),
        ("春节", _span("2025-01-28", "2025-02-04"), ["2025-01-26", "2025-02-08"]),
        ("清明节", _span("2025-04-04", "2025-04-06"), []),
        ("劳动节", _span("2025-05-01", "2025-05-05"), ["2025-04-27"]),
        ("端午节", _span("2025-05-31", "2025-06-02"), []),
        ("国庆节、中秋节", _span("2025-10-01", "2025-10-08"), ["2025-09-28", "2025-10-11"]),
    ],
    2026: [
        ("元旦", _span("2026-01-01", "2026-01-03"), ["2026-01-04"]),
        ("春节", _span("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
        ("清明节", _span("2026-04-04", "2026-04-06"), []),
        ("劳动节", _span("2026-05-01", "2026-05-05"), ["2026-05-09"]),
        ("端午节", _span("2026-06-19", "2026-06-21"), []),
        ("中秋节", _span("2026-09-25", "2026-09-27"), []),
        ("国庆节", _span("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
    ],
}


def calendar_rows() -> list[tuple[dt.date, bool, str]]:
    """(date, is_workday, note) for every exception in HOLIDAYS."""
    rows: dict[dt.date, tuple[dt.date, bool, str]] = {}
    for entries in HOLIDAYS.values():
        for name, off_days, work_days in entries:
            for day in off_days:
                rows[day] = (day, False, name)
            for iso in work_days:
                day = dt.date.fromisoformat(iso)
                rows[day] = (day, True, f"{name}调休上班")
    return sorted(rows.values())
