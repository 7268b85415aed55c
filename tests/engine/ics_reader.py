"""A small, strict iCalendar (RFC 5545) reader for the tests: it fails on what a calendar client
might stumble on (bare LF, long lines, a fold inside a UTF-8 character, bad escapes, unbalanced
components) and evaluates a ``VTIMEZONE`` independently of the writer."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.rrule import rrulestr

MAX_OCTETS = 75


@dataclass
class Prop:
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    name: str
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def all(self, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name]

    def one(self, name: str) -> Prop:
        found = self.all(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name} properties"
        return found[0]

    def has(self, name: str) -> bool:
        return bool(self.all(name))

    def text(self, name: str) -> str:
        return unescape(self.one(name).value)

    def components(self, name: str) -> list[Component]:
        return [c for c in self.children if c.name == name]


def physical_lines(data: bytes) -> list[bytes]:
    """The file's lines: every one ends in CRLF, none is longer than 75 octets."""
    assert data.endswith(b"\r\n"), "the file does not end with CRLF"
    lines = data[:-2].split(b"\r\n")
    for number, line in enumerate(lines, start=1):
        assert b"\n" not in line and b"\r" not in line, f"line {number}: bare CR or LF"
        assert len(line) <= MAX_OCTETS, f"line {number} has {len(line)} octets: {line!r}"
        line.decode("utf-8")  # a fold never splits a UTF-8 character
    return lines


def unfold(data: bytes) -> list[str]:
    logical: list[str] = []
    for line in physical_lines(data):
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            assert logical, "the file starts with a continuation line"
            logical[-1] += text[1:]
        else:
            logical.append(text)
    return logical


_NAME = re.compile(r"[A-Za-z0-9-]+")


def _split(line: str) -> Prop:
    head, sep, value = line.partition(":")
    assert sep, f"no ':' in {line!r}"
    parts = head.split(";")
    name = parts[0]
    assert _NAME.fullmatch(name), f"bad property name {name!r}"
    params = {}
    for part in parts[1:]:
        key, eq, param = part.partition("=")
        assert eq and _NAME.fullmatch(key), f"bad parameter {part!r}"
        params[key.upper()] = param
    return Prop(name.upper(), params, value)


def parse(data: bytes) -> Component:
    """The VCALENDAR of ``data``, with its components nested."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(data):
        prop = _split(line)
        if prop.name == "BEGIN":
            component = Component(prop.value)
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif prop.name == "END":
            assert stack and stack[-1].name == prop.value, f"END:{prop.value} does not match"
            stack.pop()
        else:
            assert stack, f"property {prop.name} outside a component"
            stack[-1].props.append(prop)
    assert not stack, "unclosed component"
    assert root is not None and root.name == "VCALENDAR"
    return root


def unescape(value: str) -> str:
    """A TEXT value with its escapes resolved; any other backslash sequence fails."""
    out = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            following = value[index + 1 : index + 2]
            assert following in ("\\", ";", ",", "n", "N"), f"bad escape in {value!r}"
            out.append("\n" if following in "nN" else following)
            index += 2
            continue
        assert char not in ";,", f"unescaped {char!r} in {value!r}"
        out.append(char)
        index += 1
    return "".join(out)


def local_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def _offset(text: str) -> timedelta:
    match = re.fullmatch(r"([+-])(\d{2})(\d{2})(\d{2})?", text)
    assert match, f"bad UTC offset {text!r}"
    sign = -1 if match[1] == "-" else 1
    return sign * timedelta(hours=int(match[2]), minutes=int(match[3]), seconds=int(match[4] or 0))


class ZoneReader:
    """Offsets from a VTIMEZONE: the observance with the latest onset at or before a time."""

    def __init__(self, vtimezone: Component, until: datetime) -> None:
        onsets: list[tuple[datetime, timedelta]] = []
        for part in vtimezone.children:
            assert part.name in ("STANDARD", "DAYLIGHT")
            start = local_time(part.one("DTSTART").value)
            offset = _offset(part.one("TZOFFSETTO").value)
            _offset(part.one("TZOFFSETFROM").value)
            if part.has("RRULE"):
                rule = rrulestr(part.one("RRULE").value, dtstart=start)
                onsets += [(moment, offset) for moment in rule.between(start, until, inc=True)]
            else:
                onsets.append((start, offset))
        onsets.sort()
        self.moments = [moment for moment, _ in onsets]
        self.offsets = [offset for _, offset in onsets]

    def offset(self, wall: datetime) -> timedelta:
        index = bisect.bisect_right(self.moments, wall) - 1
        assert index >= 0, f"{wall} is before the zone's first observance"
        return self.offsets[index]
