"""Date expressions as customers write them, resolved against a fixed 'today'."""

from __future__ import annotations

from datetime import date, datetime
from typing import List, Optional, Tuple

import pytest

from bot.nlu.dates import DateRange, find_dates

MONDAY = date(2026, 11, 23)  # a Monday, late in the year


def found(text: str, today: date = MONDAY, day_first: bool = True) -> List[Tuple[str, str]]:
    mentions = find_dates(text, today, day_first)
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text
    return [(mention.text, mention.range.to_value()) for mention in mentions]


def one(text: str, today: date = MONDAY, day_first: bool = True) -> Optional[Tuple[str, str]]:
    results = found(text, today, day_first)
    assert len(results) <= 1, results
    return results[0] if results else None


@pytest.mark.parametrize(
    "text, span, value",
    [
        # Named days
        ("what did i order today", "today", "2026-11-23/2026-11-23"),
        ("i placed an order yesterday", "yesterday", "2026-11-22/2026-11-22"),
        ("the day before yesterday", "the day before yesterday", "2026-11-21/2026-11-21"),
        ("ordered it last night", "last night", "2026-11-22/2026-11-22"),
        ("the order i placed this morning", "this morning", "2026-11-23/2026-11-23"),
        ("will it come tomorrow?", "tomorrow", "2026-11-24/2026-11-24"),
        ("Yesterday's order", "Yesterday", "2026-11-22/2026-11-22"),
        # Calendar weeks (Monday to Sunday), months, years
        ("my orders from last week", "last week", "2026-11-16/2026-11-22"),
        ("anything this week?", "this week", "2026-11-23/2026-11-29"),
        ("i'm away next week", "next week", "2026-11-30/2026-12-06"),
        ("bought it last weekend", "last weekend", "2026-11-21/2026-11-22"),
        ("what did i buy last month", "last month", "2026-10-01/2026-10-31"),
        ("orders this month", "this month", "2026-11-01/2026-11-30"),
        ("find my order from last year", "last year", "2025-01-01/2025-12-31"),
        ("orders from this year", "this year", "2026-01-01/2026-12-31"),
        ("WHAT DID I ORDER LAST WEEK", "LAST WEEK", "2026-11-16/2026-11-22"),
        # N units ago
        ("i paid 3 days ago", "3 days ago", "2026-11-20/2026-11-20"),
        ("a couple of days ago", "a couple of days ago", "2026-11-21/2026-11-21"),
        ("i ordered a week ago", "a week ago", "2026-11-16/2026-11-22"),
        ("two weeks ago", "two weeks ago", "2026-11-09/2026-11-15"),
        ("3 months ago", "3 months ago", "2026-08-01/2026-08-31"),
        ("a year ago", "a year ago", "2025-01-01/2025-12-31"),
        # Rolling periods up to today
        ("orders in the last 30 days", "the last 30 days", "2026-10-24/2026-11-23"),
        ("show me orders from the past 6 months", "the past 6 months", "2026-05-23/2026-11-23"),
        ("anything in the past week", "the past week", "2026-11-16/2026-11-23"),
        ("past month", "past month", "2026-10-23/2026-11-23"),
        ("last 2 weeks", "last 2 weeks", "2026-11-09/2026-11-23"),
        # Weekdays: the latest one before today (today is a Monday)
        ("last monday", "last monday", "2026-11-16/2026-11-16"),
        ("i ordered on friday", "friday", "2026-11-20/2026-11-20"),
        ("on Sat", "Sat", "2026-11-21/2026-11-21"),
        ("tracking hasn't moved since tuesday", "since tuesday", "2026-11-17/2026-11-23"),
        # Months: the latest one that has begun
        ("what did i buy in october", "october", "2026-10-01/2026-10-31"),
        ("what did i get in december", "december", "2025-12-01/2025-12-31"),
        ("orders in november", "november", "2026-11-01/2026-11-30"),
        ("last november", "last november", "2025-11-01/2025-11-30"),
        ("this december", "this december", "2026-12-01/2026-12-31"),
        ("what did i order in may", "may", "2026-05-01/2026-05-31"),
        ("in oct", "oct", "2026-10-01/2026-10-31"),
        ("early jan", "jan", "2026-01-01/2026-01-31"),
        ("in mid-march", "march", "2026-03-01/2026-03-31"),
        ("october 2024", "october 2024", "2024-10-01/2024-10-31"),
        ("dec, 2025", "dec, 2025", "2025-12-01/2025-12-31"),
        # Days of a month
        ("the parcel i ordered on 3 November", "3 November", "2026-11-03/2026-11-03"),
        ("3 Nov", "3 Nov", "2026-11-03/2026-11-03"),
        ("on the 3rd of november", "the 3rd of november", "2026-11-03/2026-11-03"),
        ("november 3rd", "november 3rd", "2026-11-03/2026-11-03"),
        ("nov 3rd, 2025", "nov 3rd, 2025", "2025-11-03/2025-11-03"),
        ("on 25 december", "25 december", "2025-12-25/2025-12-25"),
        ("on 2 may", "2 may", "2026-05-02/2026-05-02"),
        ("2nd may", "2nd may", "2026-05-02/2026-05-02"),
        ("5 march 2026", "5 march 2026", "2026-03-05/2026-03-05"),
        ("29 feb", "29 feb", "2024-02-29/2024-02-29"),
        # Numbers
        ("2026-10-12", "2026-10-12", "2026-10-12/2026-10-12"),
        ("ordered 2026/1/5.", "2026/1/5", "2026-01-05/2026-01-05"),
        ("orders in 2026-10", "2026-10", "2026-10-01/2026-10-31"),
        ("on 12/10", "12/10", "2026-10-12/2026-10-12"),
        ("since 12/25", "since 12/25", "2025-12-25/2026-11-23"),
        ("12/10/2026", "12/10/2026", "2026-10-12/2026-10-12"),
        ("12.10.26", "12.10.26", "2026-10-12/2026-10-12"),
        ("in 2025", "2025", "2025-01-01/2025-12-31"),
        # Ranges
        ("between 1 and 15 october", "between 1 and 15 october", "2026-10-01/2026-10-15"),
        ("1-15 oct", "1-15 oct", "2026-10-01/2026-10-15"),
        ("from march to may", "from march to may", "2026-03-01/2026-05-31"),
        ("between march and may", "between march and may", "2026-03-01/2026-05-31"),
        ("between 2026-10-01 and 2026-10-15", "between 2026-10-01 and 2026-10-15", "2026-10-01/2026-10-15"),
        ("october to november", "october to november", "2026-10-01/2026-11-30"),
        ("since june", "since june", "2026-06-01/2026-11-23"),
        ("since last week", "since last week", "2026-11-16/2026-11-23"),
        ("starting from 2025", "starting from 2025", "2025-01-01/2026-11-23"),
    ],
)
def test_expressions_become_inclusive_day_ranges(text: str, span: str, value: str) -> None:
    assert one(text) == (span, value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "show me my orders",
        "may i return it",
        "you may want to check",
        "i bought 2 may i return one",
        "we're open 24/7",
        "rated 4/5",
        "31 february",
        "on 30/2",
        "2026-13-45",
        "on 32/10",
        "on 13/13/2026",
        "9999-12-31",
        "last blursday",
        "show me my last 5 orders",
        "will it be here by friday",
        "the package was supposed to be here tuesday",
        "hi, it's jan from accounts",
        "left it in the sun",
        "c'mon",
        "order ORD-104233",
        "order 202610",
        "it cost $12.10",
        "2025-2026",
        "i have 2025 points",
        "a few days ago",
        "last christmas",
        "🙂 🙂",
        "asdf qwer",
    ],
)
def test_nonsense_and_lookalikes_are_not_dates(text: str) -> None:
    assert found(text) == []


def test_month_ends_and_short_months() -> None:
    march_31 = date(2026, 3, 31)
    assert one("last month", march_31) == ("last month", "2026-02-01/2026-02-28")
    assert one("the past month", march_31) == ("the past month", "2026-02-28/2026-03-31")
    assert one("the past month", date(2024, 3, 31)) == ("the past month", "2024-02-29/2024-03-31")
    assert one("a month ago", march_31) == ("a month ago", "2026-02-01/2026-02-28")
    assert one("on 31 march", march_31) == ("31 march", "2026-03-31/2026-03-31")
    assert one("on 1 april", march_31) == ("1 april", "2025-04-01/2025-04-01")
    assert one("29 feb", date(2024, 2, 29)) == ("29 feb", "2024-02-29/2024-02-29")


def test_the_year_wraps_in_january() -> None:
    tuesday = date(2027, 1, 5)
    assert one("last month", tuesday) == ("last month", "2026-12-01/2026-12-31")
    assert one("last week", tuesday) == ("last week", "2026-12-28/2027-01-03")
    assert one("this week", tuesday) == ("this week", "2027-01-04/2027-01-10")
    assert one("last year", tuesday) == ("last year", "2026-01-01/2026-12-31")
    assert one("in december", tuesday) == ("december", "2026-12-01/2026-12-31")
    assert one("january", tuesday) == ("january", "2027-01-01/2027-01-31")
    assert one("last january", tuesday) == ("last january", "2026-01-01/2026-01-31")
    assert one("next january", tuesday) == ("next january", "2028-01-01/2028-01-31")
    assert one("2 months ago", tuesday) == ("2 months ago", "2026-11-01/2026-11-30")
    assert one("on 30 dec", tuesday) == ("30 dec", "2026-12-30/2026-12-30")
    assert one("from 20 dec to 3 jan", tuesday) == ("from 20 dec to 3 jan", "2026-12-20/2027-01-03")
    assert one("on sunday", tuesday) == ("sunday", "2027-01-03/2027-01-03")
    assert one("the past 10 days", tuesday) == ("the past 10 days", "2026-12-26/2027-01-05")


def test_numeric_dates_follow_the_configured_order_unless_unambiguous() -> None:
    assert one("on 12/10", day_first=False) == ("12/10", "2025-12-10/2025-12-10")
    assert one("on 25/12", day_first=False) == ("25/12", "2025-12-25/2025-12-25")
    assert one("on 12/25", day_first=True) == ("12/25", "2025-12-25/2025-12-25")
    assert one("10/12/2026", day_first=False) == ("10/12/2026", "2026-10-12/2026-10-12")


def test_several_dates_in_one_message_stay_apart() -> None:
    assert found("ordered yesterday, it should come tomorrow") == [
        ("yesterday", "2026-11-22/2026-11-22"),
        ("tomorrow", "2026-11-24/2026-11-24"),
    ]
    assert found("october and november") == [
        ("october", "2026-10-01/2026-10-31"),
        ("november", "2026-11-01/2026-11-30"),
    ]
    assert found("i ordered on monday to be delivered on friday") == [
        ("monday", "2026-11-16/2026-11-16"),
        ("friday", "2026-11-20/2026-11-20"),
    ]


def test_range_values_read_back_and_give_a_query_window() -> None:
    period = DateRange(date(2026, 10, 1), date(2026, 10, 31))
    assert DateRange.from_value(period.to_value()) == period
    assert DateRange.from_value(" 2026-10-01/2026-10-31 ") == period
    assert period.days == 31
    assert period.utc_bounds() == (datetime(2026, 10, 1), datetime(2026, 11, 1))
    for junk in [None, "", "last week", "2026-10-31/2026-10-01", "2026-02-30/2026-03-01", ["2026-10-01/2026-10-31"], 5]:
        assert DateRange.from_value(junk) is None, junk
