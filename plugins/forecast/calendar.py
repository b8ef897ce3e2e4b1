"""Chinese holiday calendar for monthly sales: the Spring Festival (春节) and the National
Day golden week (国庆黄金周), computed for any year rather than typed in.

The Spring Festival is the first day of the first lunar month. It is found the way the
Chinese calendar defines it (GB/T 33661-2017): months start on the day (Beijing time,
UTC+8) of a new moon; the month holding the winter solstice is the 11th; a year between
two 11th months with 13 new moons has a leap month, the first one holding no principal
solar term (中气, a solar longitude that is a multiple of 30 degrees). New Year is the
second new moon after the start of the 11th month, or the third when the 11th or 12th
month is doubled by a leap (as in 2033-34).

Astronomy: new moons by Meeus, *Astronomical Algorithms* ch. 49 (seconds), the Sun's
apparent longitude by ch. 25 (about 0.01 degree, a quarter of an hour), Delta T by the
Espenak-Meeus polynomial. That is ample except for an event within minutes of midnight;
tests pin 2000-2040 against the published table.

The holiday spans are the statutory pattern (7 days from New Year's Eve; 1-7 October);
the make-up working days are decreed year by year and are not modelled.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import numpy as np

J2000 = 2451545.0
BEIJING = 8 / 24  # UTC+8, in days
SYNODIC = 29.530588861
SPRING_HOLIDAY = (-1, 5)  # days from New Year, inclusive: the Eve to the 6th day, 7 days off
PRE_FESTIVAL = (-22, -1)  # the three weeks of stocking up before the Eve
GOLDEN_WEEK = ((10, 1), (10, 8))  # 1-7 October
CALENDAR_NAMES = ("spring_pre", "spring_holiday", "working_days")

_NEW_MOON_TERMS = (  # (coefficient, power of E, multiples of M, M', F, Omega)
    (-0.40720, 0, 0, 1, 0, 0),
    (0.17241, 1, 1, 0, 0, 0),
    (0.01608, 0, 0, 2, 0, 0),
    (0.01039, 0, 0, 0, 2, 0),
    (0.00739, 1, -1, 1, 0, 0),
    (-0.00514, 1, 1, 1, 0, 0),
    (0.00208, 2, 2, 0, 0, 0),
    (-0.00111, 0, 0, 1, -2, 0),
    (-0.00057, 0, 0, 1, 2, 0),
    (0.00056, 1, 1, 2, 0, 0),
    (-0.00042, 0, 0, 3, 0, 0),
    (0.00042, 1, 1, 0, 2, 0),
    (0.00038, 1, 1, 0, -2, 0),
    (-0.00024, 1, -1, 2, 0, 0),
    (-0.00017, 0, 0, 0, 0, 1),
    (-0.00007, 0, 2, 1, 0, 0),
    (0.00004, 0, 0, 2, -2, 0),
    (0.00004, 0, 3, 0, 0, 0),
    (0.00003, 0, 1, 1, -2, 0),
    (0.00003, 0, 0, 2, 2, 0),
    (-0.00003, 0, 1, 1, 2, 0),
    (0.00003, 0, -1, 1, 2, 0),
    (-0.00002, 0, -1, 1, -2, 0),
    (-0.00002, 0, 1, 3, 0, 0),
    (0.00002, 0, 0, 4, 0, 0),
)
_PLANETARY = (  # (a, b, coefficient): a + b k degrees
    (299.77, 0.107408, 0.000325),
    (251.88, 0.016321, 0.000165),
    (251.83, 26.651886, 0.000164),
    (349.42, 36.412478, 0.000126),
    (84.66, 18.206239, 0.000110),
    (141.74, 53.303771, 0.000062),
    (207.14, 2.453732, 0.000060),
    (154.84, 7.306860, 0.000056),
    (34.52, 27.261239, 0.000047),
    (207.19, 0.121824, 0.000042),
    (291.34, 1.844379, 0.000040),
    (161.72, 24.198154, 0.000037),
    (239.56, 25.513099, 0.000035),
    (331.55, 3.592518, 0.000023),
)


def _sin(degrees: float) -> float:
    return math.sin(math.radians(degrees))


def new_moon_jde(k: int) -> float:
    """Julian ephemeris day of new moon number ``k`` (0 = 6 January 2000)."""
    t = k / 1236.85
    jde = (
        2451550.09766 + SYNODIC * k + 0.00015437 * t**2 - 0.000000150 * t**3 + 0.00000000073 * t**4
    )
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    m = 2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3
    mp = 201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3 - 0.000000058 * t**4
    f = 160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3 + 0.000000011 * t**4
    om = 124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3
    for coef, pe, cm, cmp, cf, co in _NEW_MOON_TERMS:
        jde += coef * e**pe * _sin(cm * m + cmp * mp + cf * f + co * om)
    jde += sum(
        c * _sin(a + b * k - (0.009173 * t**2 if i == 0 else 0))
        for i, (a, b, c) in enumerate(_PLANETARY)
    )
    return jde


def sun_longitude(jde: float) -> float:
    """The Sun's apparent geocentric longitude in degrees [0, 360)."""
    t = (jde - J2000) / 36525
    l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t**2
    m = 357.52911 + 35999.05029 * t - 0.0001537 * t**2
    c = (
        (1.914602 - 0.004817 * t - 0.000014 * t**2) * _sin(m)
        + (0.019993 - 0.000101 * t) * _sin(2 * m)
        + 0.000289 * _sin(3 * m)
    )
    omega = 125.04 - 1934.136 * t
    return (l0 + c - 0.00569 - 0.00478 * _sin(omega)) % 360


def solar_term_jde(longitude: float, near: float) -> float:
    """When the Sun reaches ``longitude``, starting from the guess ``near`` (a JDE)."""
    jde = near
    for _ in range(50):
        step = 58.13 * _sin(longitude - sun_longitude(jde))
        jde += step
        if abs(step) < 1e-7:
            break
    return jde


def _delta_t_days(jde: float) -> float:
    year = 2000 + (jde - J2000) / 365.25
    u = year - 2000
    return (62.92 + 0.32217 * u + 0.005589 * u * u) / 86400


def beijing_date(jde: float) -> dt.date:
    """The civil date in Beijing of a moment given in dynamical time."""
    day = math.floor(jde - _delta_t_days(jde) + 0.5 + BEIJING)
    return dt.date(2000, 1, 1) + dt.timedelta(days=day - 2451545)


def _solstice(year: int) -> float:
    return solar_term_jde(270.0, 2451545.0 + (year - 2000) * 365.2422 + 354)


@lru_cache(maxsize=512)
def spring_festival(year: int) -> dt.date:
    """The first day of the first lunar month of ``year`` (Gregorian year it falls in)."""
    s1, s2 = _solstice(year - 1), _solstice(year)
    k0 = math.floor((s1 - 2451550.09766) / SYNODIC) - 1
    moons = [beijing_date(new_moon_jde(k)) for k in range(k0, k0 + 16)]
    d1, d2 = beijing_date(s1), beijing_date(s2)
    start = max(i for i, m in enumerate(moons) if m <= d1)  # the 11th month begins
    end = max(i for i, m in enumerate(moons) if m <= d2)
    offset = 2
    if end - start == 13:
        terms = [
            beijing_date(solar_term_jde((270 + 30 * j) % 360, s1 + 30.44 * j)) for j in range(13)
        ]
        leap = next(
            i for i in range(start + 1, end) if not any(moons[i] <= d < moons[i + 1] for d in terms)
        )
        if leap - start <= 2:  # a leap 11th or 12th month delays New Year by a month
            offset = 3
    return moons[start + offset]


def _days(start: dt.date, end: dt.date) -> set[dt.date]:
    return {start + dt.timedelta(days=i) for i in range((end - start).days)}


def holidays(year: int) -> set[dt.date]:
    """The statutory Spring Festival and National Day days off of ``year``."""
    sf = spring_festival(year)
    spring = _days(
        sf + dt.timedelta(days=SPRING_HOLIDAY[0]), sf + dt.timedelta(days=SPRING_HOLIDAY[1] + 1)
    )
    (m1, d1), (m2, d2) = GOLDEN_WEEK
    return spring | _days(dt.date(year, m1, d1), dt.date(year, m2, d2))


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def month_features(month: dt.date) -> tuple[float, float, float]:
    """For the month starting ``month``: the share of the pre-festival weeks and of the
    Spring Festival holiday falling in it, and its working days (weekdays not off)."""
    days = _days(month, _next_month(month))
    sf = spring_festival(month.year)
    pre = _days(sf + dt.timedelta(days=PRE_FESTIVAL[0]), sf + dt.timedelta(days=PRE_FESTIVAL[1]))
    spring = _days(
        sf + dt.timedelta(days=SPRING_HOLIDAY[0]), sf + dt.timedelta(days=SPRING_HOLIDAY[1] + 1)
    )
    off = holidays(month.year)
    working = sum(1 for d in days if d.weekday() < 5 and d not in off)
    return len(days & pre) / len(pre), len(days & spring) / len(spring), float(working)


def monthly_features(first: dt.date, count: int) -> np.ndarray:
    """``count`` rows from the month of ``first``: the columns of ``CALENDAR_NAMES``,
    working days as the difference from that calendar month's average (the season
    already carries the average)."""
    months = [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(count)
    ]
    rows = np.array([month_features(m) for m in months], dtype=float).reshape(count, 3)
    by_month = np.array([m.month for m in months])
    for month in set(by_month.tolist()):
        same = by_month == month
        rows[same, 2] -= _typical_working_days(month)
    return rows


@lru_cache(maxsize=12)
def _typical_working_days(month: int) -> float:
    """The calendar month's average working days over 2000-2039 (a fixed reference, so a
    month's value does not depend on which months a series happens to cover)."""
    return float(np.mean([month_features(dt.date(y, month, 1))[2] for y in range(2000, 2040)]))
