"""The agent page's forms, turned into what the use-cases take (the admin API's shapes): working hours and time
zone, and an absence. Text that does not fit is passed on as it is, so that the use-case's own check names the
field and says what to write, exactly as the API would answer it."""
from __future__ import annotations

import re
from datetime import date, datetime, time

from routing.hours import DAYS, zone as zone_info

DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
_SEPARATORS = re.compile(r"[,;]")
_DASH = re.compile(r"\s*[-–—]\s*")
_IDS = re.compile(r"[\s,]+")
_CLOCK = re.compile(r"[0-9]{2}:[0-9]{2}")


def ids(text: str) -> list[str]:
    """Agent ids separated by commas or spaces, in the order given."""
    return [part for part in _IDS.split(text.strip()) if part]


def day_ranges(text: str) -> list[list[str]]:
    """"09:00-12:00, 13:00-17:30" as [["09:00", "12:00"], ["13:00", "17:30"]]; a part that is not one range is
    passed as a list of its own, which the hours check refuses by its place (e.g. tue[1])."""
    out = []
    for part in _SEPARATORS.split(text):
        part = part.strip()
        if part:
            pair = _DASH.split(part)
            out.append(pair if len(pair) == 2 else [part])
    return out


def hours_from(form) -> dict:
    """`time_zone` (empty: null, the default zone) and `hours` (null: always on duty; else each day's ranges, an
    empty day a day off) as PATCH /api/agents/{id} takes them."""
    data: dict = {"time_zone": form.get("time_zone", "").strip() or None}
    if form.get("schedule") == "always":
        data["hours"] = None
    else:
        data["hours"] = {day: day_ranges(form.get(day, "")) for day in DAYS if form.get(day, "").strip()}
    if "cover" in form:
        data["cover"] = ids(form.get("cover", ""))
    return data


def hours_values(agent: dict) -> dict:
    """The form's fields for an agent as stored."""
    hours = agent["hours"]
    values = {"time_zone": agent["time_zone"] or "", "schedule": "always" if hours is None else "weekly",
              "cover": ", ".join(agent["cover"])}
    for day in DAYS:
        values[day] = ", ".join(f"{s}-{e}" for s, e in (hours or {}).get(day, []))
    return values


def sent_values(form) -> dict:
    """The form's fields as they were sent (shown again with the error)."""
    fields = ("time_zone", "schedule", "cover", *DAYS)
    return {name: form.get(name, "") for name in fields}


def absence_from(form, zone: str) -> dict:
    """An absence as POST /api/agents/{id}/absences takes it. A date alone is a whole day in the agent's zone;
    a date with a time is that moment on the agent's clock, sent with the zone's offset then."""
    data: dict = {"start": moment(form.get("from_date", ""), form.get("from_time", ""), zone),
                  "end": moment(form.get("to_date", ""), form.get("to_time", ""), zone),
                  "cover": ids(form.get("cover", ""))}
    note = form.get("note", "").strip()
    if note:
        data["note"] = note
    return data


def moment(day: str, clock: str, zone: str) -> str:
    day, clock = day.strip(), clock.strip()
    if not clock:
        return day
    try:
        if not _CLOCK.fullmatch(clock):
            raise ValueError(clock)
        wall = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    except ValueError:
        return f"{day}T{clock}"  # the use-case says what is wrong with it
    return wall.replace(tzinfo=zone_info(zone)).isoformat()


def bad_fields(exc) -> set[str]:
    """The form fields a use-case's error names (hours.tue[1] is the Tuesday field)."""
    found = set()
    for detail in getattr(exc, "details", None) or []:
        field = str(detail.get("field", ""))
        if field.startswith("hours."):
            field = field[len("hours."):].split("[")[0]
        found.add(field.split("[")[0])
    return found
