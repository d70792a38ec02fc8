"""Date expressions in customer messages, resolved to inclusive day ranges.

Customers narrow order questions by time: "what did I buy in October", "my orders
from last week", "the parcel I ordered on 3 Nov". Rasa's own date extraction needs
Duckling, a separate server; the handful of shapes shop customers write is covered
here by regexes that run in-process, are deterministic and are easy to test.

Every expression becomes a `DateRange` (first and last day, both included),
computed against an injectable `today` (the UTC date in production). Resolution
leans towards the past, because customers ask about orders they already placed: a
month or a day without a year is its most recent occurrence ("October" in
February 2027 is October 2026), and "on Monday" is the last Monday before today.
Calendar units start on Monday (ISO weeks). Words that are often not dates ("may",
"jan", "mar", weekday names, bare years, 12/10 without a year) count only after a
cue such as "in", "on" or "since", so "may I return it" or "open 24/7" are not dates.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Pattern, Set, Tuple

# Range values travel as "YYYY-MM-DD/YYYY-MM-DD" (ISO 8601 interval), e.g. in a slot.
VALUE_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")

MONTHS: Dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Month words that are usually something else ("may I", "Jan from accounts").
AMBIGUOUS_MONTHS = {name for name in MONTHS if len(name) <= 4 and name not in ("june", "july")}
WEEKDAYS: Dict[str, int] = {
    name: index
    for index, names in enumerate(
        [("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
         ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
         ("sunday",)]  # not "sun": "left in the sun"
    )
    for name in names
}
NUMBER_WORDS: Dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "couple of": 2,
    "a couple": 2, "couple": 2,
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"
_NUMBER = r"(?P<n>\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)).replace(" ", r"\s+") + r")"
_UNIT = r"(?P<unit>day|week|month|year)s?"

# What may come just before a word that is only a date in context ("in may", "on monday").
# Not "by": "by friday" is a deadline in the future, not a day to look up.
_CUE = re.compile(r"\b(?:in|on|since|from|during|of|until|till|before|after|dated|early|mid|late)\s+$", re.I)
# What joins the two ends of a range, and what may open one.
_JOINERS = r"(?:-|–|to|till|until|through|thru|and)"
_JOINER = re.compile(r"^\s*" + _JOINERS + r"\s*$", re.I)
_TRAILING_JOINER = re.compile(_JOINERS + r"\s*$", re.I)
_RANGE_OPENER = re.compile(r"\b(?:between|from)\s+$", re.I)
_SINCE = re.compile(r"\b(?:since|starting(?:\s+from)?)\s+$", re.I)


@dataclass(frozen=True)
class DateRange:
    """A period of whole days; `end` is included."""

    start: date
    end: date

    def to_value(self) -> str:
        """'2026-10-01/2026-10-31', the entity and slot value."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def from_value(cls, value: object) -> Optional[DateRange]:
        """The range of a `to_value` string; None for anything else."""
        match = VALUE_PATTERN.match(value.strip()) if isinstance(value, str) else None
        if not match:
            return None
        try:
            start, end = (date.fromisoformat(part) for part in match.groups())
        except ValueError:
            return None
        return cls(start, end) if start <= end else None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self) -> Tuple[datetime, datetime]:
        """Midnight of the first day and of the day after the last: a half-open query window."""
        return datetime.combine(self.start, time.min), datetime.combine(self.end + timedelta(days=1), time.min)


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a text: its characters and its range."""

    start: int
    end: int
    text: str
    range: DateRange


# Calendar helpers ------------------------------------------------------------------


def _day(value: date) -> DateRange:
    return DateRange(value, value)


def _week_of(value: date) -> DateRange:
    monday = value - timedelta(days=value.weekday())
    return DateRange(monday, monday + timedelta(days=6))


def _month(year: int, month: int) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _shift_months(year: int, month: int, delta: int) -> Tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _months_back(value: date, count: int) -> date:
    """The same day `count` months earlier, clamped to the month's length."""
    year, month = _shift_months(value.year, value.month, -count)
    return date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _recent_day(month: int, day: int, today: date) -> Optional[date]:
    """The latest `day` `month` on or before today (29 February: the latest leap year)."""
    for year in range(today.year, today.year - 8, -1):
        found = _safe_date(year, month, day)
        if found is not None and found <= today:
            return found
    return None


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


# Resolvers: one per pattern, (match, today) -> range or None -------------------------

Resolver = Callable[["re.Match[str]", date], Optional[DateRange]]


def _named_day(match: re.Match[str], today: date) -> Optional[DateRange]:
    word = " ".join(match.group(0).lower().split())
    offsets = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
               "yesterday": -1, "last night": -1, "the day before yesterday": -2, "tomorrow": 1}
    return _day(today + timedelta(days=offsets[word]))


def _calendar_unit(match: re.Match[str], today: date) -> Optional[DateRange]:
    which, unit = match.group("which").lower(), match.group("unit").lower()
    step = {"this": 0, "current": 0, "last": -1, "previous": -1, "next": 1}[which]
    if unit == "week":
        return _week_of(today + timedelta(weeks=step))
    if unit == "weekend":
        saturday = _week_of(today + timedelta(weeks=step)).start + timedelta(days=5)
        return DateRange(saturday, saturday + timedelta(days=1))
    if unit == "month":
        return _month(*_shift_months(today.year, today.month, step))
    return DateRange(date(today.year + step, 1, 1), date(today.year + step, 12, 31))


def _count(match: re.Match[str]) -> int:
    raw = " ".join(match.group("n").lower().split())
    return int(raw) if raw.isdigit() else NUMBER_WORDS[raw]


def _ago(match: re.Match[str], today: date) -> Optional[DateRange]:
    count, unit = _count(match), match.group("unit").lower()
    if unit == "day":
        return _day(today - timedelta(days=count))
    if unit == "week":
        return _week_of(today - timedelta(weeks=count))
    if unit == "month":
        return _month(*_shift_months(today.year, today.month, -count))
    return DateRange(date(today.year - count, 1, 1), date(today.year - count, 12, 31)) if count < 100 else None


def _rolling(match: re.Match[str], today: date) -> Optional[DateRange]:
    """'the past 30 days', 'the last week', 'past month': up to and including today."""
    count = min(_count(match), 1000) if match.group("n") else 1
    unit = match.group("unit").lower()
    if unit == "day":
        start = today - timedelta(days=count)
    elif unit == "week":
        start = today - timedelta(weeks=count)
    elif unit == "month":
        start = _months_back(today, count)
    else:
        start = _months_back(today, 12 * min(count, 100))
    return DateRange(start, today)


def _weekday(match: re.Match[str], today: date) -> Optional[DateRange]:
    """The latest such weekday before today: 'last monday', 'on monday'."""
    back = (today.weekday() - WEEKDAYS[match.group("weekday").lower()]) % 7 or 7
    return _day(today - timedelta(days=back))


def _month_only(match: re.Match[str], today: date) -> Optional[DateRange]:
    month = MONTHS[match.group("month").lower()]
    which = (match.group("which") or "").lower()
    if which == "this":
        return _month(today.year, month)
    if which == "next":
        return _month(today.year + (month <= today.month), month)
    if which in ("last", "previous"):
        return _month(today.year - (month >= today.month), month)
    return _month(today.year - (month > today.month), month)


def _month_year(match: re.Match[str], today: date) -> Optional[DateRange]:
    return _month(int(match.group("year")), MONTHS[match.group("month").lower()])


def _day_month(match: re.Match[str], today: date) -> Optional[DateRange]:
    month, day = MONTHS[match.group("month").lower()], int(match.group("day"))
    if match.group("year"):
        found = _safe_date(int(match.group("year")), month, day)
    else:
        found = _recent_day(month, day, today)
    return _day(found) if found else None


def _day_span_month(match: re.Match[str], today: date) -> Optional[DateRange]:
    """'1-15 october', 'between the 1st and 10th of may'."""
    month = MONTHS[match.group("month").lower()]
    first, last = int(match.group("day")), int(match.group("day2"))
    if first > last:
        return None
    if match.group("year"):
        year = int(match.group("year"))
    else:
        year = today.year if (_safe_date(today.year, month, first) or date.max) <= today else today.year - 1
    start, end = _safe_date(year, month, first), _safe_date(year, month, last)
    return DateRange(start, end) if start and end else None


def _year_only(match: re.Match[str], today: date) -> Optional[DateRange]:
    year = int(match.group("year"))
    return DateRange(date(year, 1, 1), date(year, 12, 31))


def _iso(match: re.Match[str], today: date) -> Optional[DateRange]:
    found = _safe_date(int(match.group("year")), int(match.group("m")), int(match.group("d")))
    return _day(found) if found else None


def _iso_month(match: re.Match[str], today: date) -> Optional[DateRange]:
    month = int(match.group("m"))
    return _month(int(match.group("year")), month) if 1 <= month <= 12 else None


def _numeric(day_first: bool) -> Resolver:
    """12/10/2026, 12.10.26, 12/10: day first unless `day_first` is False or the numbers say otherwise."""

    def resolve(match: re.Match[str], today: date) -> Optional[DateRange]:
        first, second = int(match.group("a")), int(match.group("b"))
        day, month = (first, second) if day_first else (second, first)
        if month > 12 >= day:
            day, month = month, day
        if match.group("y"):
            found = _safe_date(_full_year(match.group("y")), month, day)
        else:
            found = _recent_day(month, day, today) if 1 <= month <= 12 else None
        return _day(found) if found else None

    return resolve


def _never(match: re.Match[str]) -> bool:
    return False


def _always(match: re.Match[str]) -> bool:
    return True


def _ambiguous_month(match: re.Match[str]) -> bool:
    """'may', 'jan', 'mar' alone; 'last may' or 'in may' are dates."""
    return not match.group("which") and match.group("month").lower() in AMBIGUOUS_MONTHS


def _bare_may(match: re.Match[str]) -> bool:
    """'2 may i return one' is not the 2nd of May; 'on 2 may', '2nd may', 'may 2 2026' are."""
    return re.fullmatch(r"\d+\s+may|may\s+\d+", match.group(0), re.I) is not None


def _bare_weekday(match: re.Match[str]) -> bool:
    """'monday' alone; 'last monday' or 'on monday' are dates, 'by monday' is not."""
    return re.match(r"(?:last|this\s+past|past)\s", match.group(0), re.I) is None


@dataclass(frozen=True)
class _Rule:
    pattern: Pattern[str]
    resolve: Resolver
    # True when this match counts only after a cue word ("in may", "on monday").
    needs_cue: Callable[[re.Match[str]], bool] = _never


def _compile(pattern: str) -> Pattern[str]:
    # Whole words only, and not a piece of a longer number ("2026-13-45", "1.5.2026.7").
    return re.compile(r"(?<![\w/])(?<!\d[.-])" + pattern + r"(?![\w/]|[-.]\d)", re.I)


@lru_cache(maxsize=2)
def _rules(day_first: bool) -> List[_Rule]:
    day_month_year = r"(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+" + _YEAR + r")?"
    return [
        _Rule(_compile(r"(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|last\s+night"
                       r"|this\s+(?:morning|afternoon|evening))"), _named_day),
        _Rule(_compile(r"(?P<which>this|current|last|previous|next)\s+(?P<unit>week(?:end)?|month|year)"),
              _calendar_unit),
        _Rule(_compile(_NUMBER + r"\s+" + _UNIT + r"\s+(?:ago|back)"), _ago),
        _Rule(_compile(r"(?:(?:the\s+)?(?:last|past)\s+" + _NUMBER + r"\s+|the\s+(?:last|past)\s+|past\s+)"
                       + _UNIT), _rolling),
        _Rule(_compile(r"(?:(?:last|this\s+past|past)\s+)?" + _WEEKDAY), _weekday, _bare_weekday),
        # "1-15 october", "between the 1st and 10th of may"
        _Rule(_compile(r"(?:(?:between|from)\s+)?(?:the\s+)?" + _DAY + r"\s*(?:-|–|to|and|till|until)\s*(?:the\s+)?"
                       + _DAY.replace("(?P<day>", "(?P<day2>") + day_month_year), _day_span_month),
        _Rule(_compile(r"(?:the\s+)?" + _DAY + day_month_year), _day_month, _bare_may),
        _Rule(_compile(_MONTH + r"\s+(?:the\s+)?" + _DAY + r"(?:,?\s+" + _YEAR + r")?"), _day_month, _bare_may),
        _Rule(_compile(_MONTH + r"(?:\s+of)?,?\s+" + _YEAR), _month_year),
        _Rule(_compile(r"(?:(?P<which>last|this|next|previous)\s+)?" + _MONTH), _month_only, _ambiguous_month),
        _Rule(_compile(_YEAR), _year_only, _always),
        _Rule(_compile(_YEAR + r"[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"), _iso),
        _Rule(_compile(_YEAR + r"-(?P<m>\d{2})"), _iso_month),
        _Rule(_compile(r"(?P<a>\d{1,2})([/.])(?P<b>\d{1,2})\2(?P<y>\d{4}|\d{2})"), _numeric(day_first)),
        _Rule(_compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?P<y>)"), _numeric(day_first), _always),
    ]


# Finding ------------------------------------------------------------------------------


def _is_cued(text: str, position: int, date_ends: Set[int]) -> bool:
    """A cue word just before `position`, or a joiner right after another date ("march and may")."""
    before = text[:position]
    if _CUE.search(before):
        return True
    joiner = _TRAILING_JOINER.search(before)
    return joiner is not None and len(before[: joiner.start()].rstrip()) in date_ends


def _candidates(text: str, today: date, rules: List[_Rule], known: List[DateMention]) -> List[DateMention]:
    found: List[DateMention] = []
    impossible: List[Tuple[int, int]] = []  # "31 february", "2026-13-45": no date, nor a part of one
    date_ends = {mention.end for mention in known}
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if rule.needs_cue(match) and not _is_cued(text, match.start(), date_ends):
                continue
            period = rule.resolve(match, today)
            if period is None:
                impossible.append(match.span())
            else:
                found.append(DateMention(match.start(), match.end(), match.group(0), period))
    return [
        mention
        for mention in found
        if not any(
            start <= mention.start and mention.end <= end and end - start > mention.end - mention.start
            for start, end in impossible
        )
    ]


def _leftmost_longest(candidates: List[DateMention]) -> List[DateMention]:
    chosen: List[DateMention] = []
    for mention in sorted(candidates, key=lambda m: (m.start, -(m.end - m.start))):
        if not chosen or mention.start >= chosen[-1].end:
            chosen.append(mention)
    return chosen


def _combine(text: str, mentions: List[DateMention], today: date) -> List[DateMention]:
    """Join 'between A and B' / 'from A to B' into one range; extend 'since A' to today."""
    combined: List[DateMention] = []
    index = 0
    while index < len(mentions):
        mention = mentions[index]
        following = mentions[index + 1] if index + 1 < len(mentions) else None
        opener = _RANGE_OPENER.search(text[: mention.start])
        joined = following is not None and _JOINER.match(text[mention.end : following.start])
        if following is not None and joined and (opener or "and" not in text[mention.end : following.start].lower()):
            start = opener.start() if opener else mention.start
            period = DateRange(
                min(mention.range.start, following.range.start), max(mention.range.end, following.range.end)
            )
            combined.append(DateMention(start, following.end, text[start : following.end], period))
            index += 2
            continue
        since = _SINCE.search(text[: mention.start])
        if since and mention.range.start <= today:
            period = DateRange(mention.range.start, max(mention.range.end, today))
            combined.append(DateMention(since.start(), mention.end, text[since.start() : mention.end], period))
        else:
            combined.append(mention)
        index += 1
    return combined


def find_dates(text: str, today: date, day_first: bool = True) -> List[DateMention]:
    """Every date expression in `text`, left to right, resolved against `today`."""
    rules = _rules(day_first)
    # Two passes: words that need a cue may take it from a date just before ("march and may").
    first = _leftmost_longest(_candidates(text, today, rules, []))
    mentions = _leftmost_longest(_candidates(text, today, rules, first))
    return _combine(text, mentions, today)
