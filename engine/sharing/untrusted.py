"""The one door for documents a partner sends: their declared schemas, their limits, and the
conversion to the types the workspace stores.

Every file that arrives from outside - an ``.overlap-plan`` plan file, an ``.ovpsi``
private-matching file - is read here and nowhere else, in three stages, each bounded before the
next one runs:

1. bytes: the file's size against the format's limit, before it is read (and the key cost of an
   encrypted file against what Overlap writes, in ``crypto.decrypt``);
2. JSON: numbers bounded as they are parsed (no 5,000-digit integers, no NaN, no infinity);
   nesting bounded (the parser's recursion limit is caught, then the depth is checked without
   recursion, so nothing later - the content hash, the merge - can recurse deeper);
3. schema: every field is declared with its type, choices, length, date format, bound and
   count (plan files' fields in ``untrusted_plans.py``, private matching's below), and comes
   out as the type the workspace stores.

A document that does not fit ends in one ``OverlapError`` naming the plan and the field, before
the caller has written anything. Fields a document carries beyond its schema are ignored and
never stored: a newer Overlap may add one without changing the schema version.

The limits sit far above what a real partner sends (a pilot shortlist is 20-50 plans; the
sharing benchmark exports 500 plans and 100k private-matching keys) and far below what hurts
the machine (a 10 MB file of 200,000 steps took 23 s and 1 GB to merge).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from engine.errors import OverlapError
from engine.overlaps import STAGES
from engine.sharing import _curve25519

# ---------------------------------------------------------------------------- limits

MAX_PLAN_FILE_BYTES = 16 * 2**20
MAX_PLANS_PER_FILE = 5_000
MAX_STEPS_PER_PLAN = 200
MAX_METRICS_PER_PLAN = 50
MAX_ROLES_PER_PLAN = 50
# Steps, metrics and roles of all plans together: the merge's work grows with them (25,000
# merge in about 7 s of CPU: 3,500 plans of bench/bench_sharing.py's shape).
MAX_ITEMS_PER_FILE = 25_000
SHORT_TEXT = 1_000  # names, people, roles, units, keys
LONG_TEXT = 20_000  # objectives, steps, notes: a few pages each
MAX_MAGNITUDE = 1e15  # amounts and metric values: a quadrillion is beyond any deal or target
MAX_COUNT = 1_000_000_000  # counts of accounts, plans and steps in a plan file's summary
# Digits of a JSON integer: int64 with its sign. A longer one is refused before Python converts
# it (a 5,000-digit integer otherwise ends in the interpreter's own ValueError).
MAX_INT_DIGITS = 20
# An Overlap file nests six levels at most (document, content, plans, a plan, steps, a step).
MAX_NESTING = 12

# Private matching: a domain key and a name key for each of a million accounts (the benchmark's
# 100k keys take up to 10 s a step; this many take minutes, with progress and cancel).
MAX_PSI_POINTS = 2_000_000
_MAX_POINTS_TEXT = 4 * math.ceil(MAX_PSI_POINTS * _curve25519.POINT_BYTES / 3)  # in base64
# A sealed box holds one account's allowed fields, padded to the file's one size.
PSI_TAG_BYTES = 16
MAX_PSI_BOX_BYTES = 1_024
MAX_PSI_BOXES_BYTES = 256 * 2**20
MAX_PSI_FILE_BYTES = 512 * 2**20  # values, tags and boxes of a million accounts, in base64

# ---------------------------------------------------------------------------- formats

PLAN_FORMAT = "overlap-plan"
PLAN_SCHEMA_VERSION = 1

PSI_FORMAT = "overlap-psi"
PSI_FORMAT_VERSION = 3
PSI_GROUP = "curve25519"
PSI_KINDS = ("request", "response", "back")


def canonical(value: Any) -> bytes:
    """The bytes a plan file's content hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


# ---------------------------------------------------------------------------- the schema language


class Invalid(Exception):
    """A value that does not fit its declaration: where it is and what is wrong with it."""

    def __init__(self, where: tuple[str, ...], problem: str) -> None:
        super().__init__(", ".join(where) + ": " + problem if where else problem)


def _shown(value: Any) -> str:
    """A value as a message shows it: short, on one line, quoted when it is text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    return repr(value)[:40]


def _described(value: Any) -> str:
    if isinstance(value, str):
        return f"text ({_shown(value)})"
    if isinstance(value, bool) or value is None:
        return _shown(value)
    if isinstance(value, int | float):
        return f"a number ({_shown(value)})"
    return "a list" if isinstance(value, list) else "an object"


def _wrong_type(value: Any, name: str, where: tuple[str, ...], expected: str) -> Invalid:
    return Invalid(where, f"{name} is {_described(value)} where {expected} is expected")


class Spec:
    """The declaration of one value. ``check`` returns the value as the engine stores it, or
    raises ``Invalid``; ``name`` is what messages call the value, ``where`` where it sits."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Spec):
    """Text up to ``limit`` characters; ``blank=False`` wants more than spaces. ``null`` says
    what a JSON null becomes: ``refuse`` it, ``keep`` it as None, or the ``empty`` text."""

    limit: int
    blank: bool = True
    null: str = "refuse"

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if value is None and self.null != "refuse":
            return None if self.null == "keep" else ""
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, "text")
        if len(value) > self.limit:
            raise Invalid(
                where,
                f"{name} is {len(value):,} characters long; Overlap reads at most {self.limit:,}",
            )
        if not self.blank and not value.strip():
            raise Invalid(where, f"{name} is empty")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, from a \ud800 escape
            raise Invalid(where, f"{name} holds text that is not valid Unicode") from None
        return value


@dataclass(frozen=True)
class Choice(Spec):
    """One of a few words; or null, when ``null``; or the empty text, when ``blank``."""

    options: tuple[str, ...]
    null: bool = False
    blank: bool = False

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if (value is None and self.null) or (value == "" and self.blank):
            return value
        allowed = ", ".join(self.options) + (" or null" if self.null else "")
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, f"one of {allowed}")
        if value not in self.options:
            raise Invalid(where, f"{name} {_shown(value)} is not one of {allowed}")
        return value


@dataclass(frozen=True)
class IsoDate(Spec):
    """A calendar date, YYYY-MM-DD; null and the empty text are no date (None)."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, "a date (YYYY-MM-DD)")
        try:
            if len(value) != len("YYYY-MM-DD"):  # fromisoformat also takes 20261201 and weeks
                raise ValueError(value)
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise Invalid(where, f"{name} {_shown(value)} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class IsoTime(Spec):
    """A date and time as ``datetime.isoformat`` writes it."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, "a date and time (ISO 8601)")
        try:
            if len(value) > 40:
                raise ValueError(value)
            datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(
                where, f"{name} {_shown(value)} is not a date and time (ISO 8601)"
            ) from None
        return value


@dataclass(frozen=True)
class Number(Spec):
    """An amount or a metric value: finite, within ``MAX_MAGNITUDE``, as a float; or null."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type(value, name, where, "a number")
        if not abs(value) <= MAX_MAGNITUDE:  # also refuses NaN, whatever let it through
            raise Invalid(
                where, f"{name} {_shown(value)} is beyond {MAX_MAGNITUDE:,.0f}, above any amount"
            )
        return float(value)


@dataclass(frozen=True)
class Count(Spec):
    """A whole number from 0 to ``limit``; or null, when ``null``."""

    limit: int = MAX_COUNT
    null: bool = False

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if value is None and self.null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(value, name, where, "a whole number")
        if value < 0:
            raise Invalid(where, f"{name} {value} is below 0")
        if value > self.limit:
            raise Invalid(
                where, f"{name} {value} is above {self.limit:,}, more than Overlap ever writes"
            )
        return value


@dataclass(frozen=True)
class Flag(Spec):
    """true or false."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, bool):
            raise _wrong_type(value, name, where, "true or false")
        return value


def _numbered(noun: str) -> Callable[[int, Any], str]:
    return lambda index, _item: f"{noun} {index + 1}"


@dataclass(frozen=True)
class ListOf(Spec):
    """A list of up to ``limit`` items (``nouns`` ``per`` something); messages name an item by
    ``label`` (by default, its noun and number)."""

    item: Spec
    limit: int
    nouns: str
    per: str
    label: Callable[[int, Any], str]

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, list):
            raise _wrong_type(value, name, where, "a list")
        if len(value) > self.limit:
            raise Invalid(
                where,
                f"{len(value):,} {self.nouns}; Overlap reads at most {self.limit:,} "
                f"{self.nouns} {self.per}",
            )
        return [self.item.check(item, self.label(i, item), where) for i, item in enumerate(value)]


@dataclass(frozen=True)
class MapOf(Spec):
    """An object of up to ``limit`` entries, its keys and its values each declared."""

    key: Spec
    value: Spec
    limit: int

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, dict):
            raise _wrong_type(value, name, where, "an object")
        if len(value) > self.limit:
            raise Invalid(
                where, f"{name} has {len(value):,} entries; Overlap reads at most {self.limit:,}"
            )
        inside = (*where, name) if name else where
        return {
            self.key.check(key, "a key", inside): self.value.check(item, key[:40], inside)
            for key, item in value.items()
        }


_LEFT_OUT = object()


@dataclass(frozen=True)
class Optional(Spec):
    """A field a document may leave out: then absent from the result too, or ``default``."""

    spec: Spec
    default: Any = _LEFT_OUT

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        return self.spec.check(value, name, where)


@dataclass(frozen=True)
class Record(Spec):
    """An object with declared fields, each required unless ``Optional``."""

    fields: Mapping[str, Spec]

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, dict):
            raise _wrong_type(value, name, where, "an object")
        inside = (*where, name) if name else where
        result: dict[str, Any] = {}
        for key, spec in self.fields.items():
            if key in value:
                result[key] = spec.check(value[key], key, inside)
            elif not isinstance(spec, Optional):
                raise Invalid(inside, f"{key} is missing")
            elif spec.default is not _LEFT_OUT:
                result[key] = spec.default
        return result


@dataclass(frozen=True)
class Points(Spec):
    """Group elements of private matching: concatenated, base64-encoded; bytes per point."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, "base64 text")
        if len(value) > _MAX_POINTS_TEXT:
            raise Invalid(
                where, f"{name} holds more values than Overlap reads (at most {MAX_PSI_POINTS:,})"
            )
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(where, f"{name} cannot be read (the file is damaged)") from None
        size = _curve25519.POINT_BYTES
        if len(raw) % size:
            raise Invalid(where, f"{name} is damaged or cut short")
        return [raw[i : i + size] for i in range(0, len(raw), size)]


@dataclass(frozen=True)
class Positions(Spec):
    """Positions in a list of private-matching values: whole numbers below the limit."""

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, list):
            raise _wrong_type(value, name, where, "a list")
        if len(value) > MAX_PSI_POINTS:
            raise Invalid(where, f"{len(value):,} {name}; Overlap reads at most {MAX_PSI_POINTS:,}")
        # Passes in C over up to two million items, not a check call per item.
        if not all(type(p) is int for p in value):
            odd = next(p for p in value if type(p) is not int)
            raise _wrong_type(odd, f"an item of {name}", where, "a whole number")
        if value and (min(value) < 0 or max(value) >= MAX_PSI_POINTS):
            odd = min(value) if min(value) < 0 else max(value)
            raise Invalid(where, f"{name}: {odd} is out of range")
        return value


@dataclass(frozen=True)
class Chunks(Spec):
    """Equal-sized byte strings (tags, sealed boxes): concatenated, base64-encoded."""

    size: int
    limit: int

    def check(self, value: Any, name: str, where: tuple[str, ...]) -> Any:
        if not isinstance(value, str):
            raise _wrong_type(value, name, where, "base64 text")
        if len(value) > 4 * math.ceil(self.limit / 3):
            raise Invalid(where, f"{name} holds more than Overlap reads ({_size(self.limit)})")
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(where, f"{name} cannot be read (the file is damaged)") from None
        if self.size <= 0 or len(raw) % self.size:
            raise Invalid(where, f"{name} is damaged or cut short")
        return [raw[i : i + self.size] for i in range(0, len(raw), self.size)]


# ---------------------------------------------------------------------------- private matching


@dataclass(frozen=True)
class PsiFile:
    """A checked private-matching file; what its kind does not carry is empty (or None)."""

    kind: str
    exchange: str
    counts_only: bool
    values: list[bytes]  # request: the requester's blinded keys
    evaluated: list[bytes]  # response: those keys raised to the responder's secret
    tags: list[bytes]  # response: a tag per responder key; back: a tag per shared key
    boxes: list[bytes]  # sealed fields, one per tag (none when counts only)
    box_size: int
    fields: list[str]  # the account fields inside each box, in order
    count: int | None  # back, counts only: how many keys are shared
    summary: dict[str, Any]  # {"accounts": n, "by_stage": {stage: n}} as the sender shares it


# Account fields a sealed box may carry, each with its declaration (the box's first value is
# the sender's reference of the account in this exchange).
PSI_ACCOUNT_FIELDS: dict[str, Spec] = {
    "ref": Text(32, blank=False),
    "external_id": Text(SHORT_TEXT, null="keep"),
    "name": Text(SHORT_TEXT, null="keep"),
    "domains": Text(SHORT_TEXT, null="keep"),
    "stage": Choice(STAGES, null=True),
    "industry": Text(SHORT_TEXT, null="keep"),
    "country": Text(SHORT_TEXT, null="keep"),
    "city": Text(SHORT_TEXT, null="keep"),
    "deal_size": Number(),
    "deal_close_date": IsoDate(),
    "annual_revenue": Number(),
    "owner": Text(SHORT_TEXT, null="keep"),
    "first_touch": IsoDate(),
    "priority": Text(SHORT_TEXT, null="keep"),
}
_PSI_COMMON: dict[str, Spec] = {
    "exchange": Text(64, blank=False),
    "counts_only": Optional(Flag(), False),
    "summary": Optional(
        Record(
            {
                "accounts": Count(MAX_PSI_POINTS),
                "by_stage": Optional(MapOf(Choice(STAGES), Count(MAX_PSI_POINTS), 10), {}),
            }
        ),
        {},
    ),
}
_PSI_SEALED: dict[str, Spec] = {
    "tags": Chunks(PSI_TAG_BYTES, MAX_PSI_POINTS * PSI_TAG_BYTES),
    "box_size": Optional(Count(MAX_PSI_BOX_BYTES), 0),
    "boxes": Optional(Text(4 * math.ceil(MAX_PSI_BOXES_BYTES / 3)), ""),
    "fields": Optional(
        ListOf(
            Choice(tuple(PSI_ACCOUNT_FIELDS)),
            len(PSI_ACCOUNT_FIELDS),
            "fields",
            "per box",
            lambda i, _item: f"fields item {i + 1}",
        ),
        [],
    ),
}
PSI_SCHEMAS = {
    "request": Record({**_PSI_COMMON, "values": Points()}),
    "response": Record({**_PSI_COMMON, "evaluated": Points(), **_PSI_SEALED}),
    "back": Record({**_PSI_COMMON, **_PSI_SEALED}),
    "counts-only back": Record({**_PSI_COMMON, "count": Count(MAX_PSI_POINTS)}),
}


def read_psi_file(path: str | Path) -> PsiFile:
    """A private-matching file, checked (format, version, group, kind, schema, limits)."""
    where = str(path)
    data = _read_bounded(Path(path), MAX_PSI_FILE_BYTES, "private-matching files")
    try:
        document = _parse(data, "this is not a private-matching file, or it is damaged")
        return _psi_file(document, where)
    except Invalid as problem:
        raise OverlapError(f"{problem}; nothing was changed", where=where) from None


def _psi_file(document: Any, where: str) -> PsiFile:
    if not isinstance(document, dict) or document.get("format") != PSI_FORMAT:
        raise OverlapError("this is not a private-matching file", where=where)
    version = Count().check(document.get("version"), "version", ())
    if version != PSI_FORMAT_VERSION or document.get("group") != PSI_GROUP:
        raise OverlapError(
            "this private-matching file comes from a different Overlap version; "
            "both sides need the same version",
            where=where,
        )
    kind = Choice(PSI_KINDS).check(document.get("kind"), "kind", ())
    counts_only = Flag().check(document.get("counts_only", False), "counts_only", ())
    schema = "counts-only back" if kind == "back" and counts_only else kind
    checked = PSI_SCHEMAS[schema].check(document, "", ())
    tags = checked.get("tags", [])
    boxes: list[bytes] = []
    box_size = checked.get("box_size", 0)
    if checked.get("boxes"):
        if counts_only or box_size <= PSI_TAG_BYTES:
            raise Invalid((), "boxes come without a box size, or in a counts-only file")
        boxes = Chunks(box_size, MAX_PSI_BOXES_BYTES).check(checked["boxes"], "boxes", ())
        if len(boxes) != len(tags):
            raise Invalid((), f"{len(boxes):,} boxes for {len(tags):,} tags; the file is damaged")
    elif kind in ("response", "back") and not counts_only and tags:
        raise Invalid((), "the boxes are missing")
    return PsiFile(
        kind=kind,
        exchange=checked["exchange"],
        counts_only=checked["counts_only"],
        values=checked.get("values", []),
        evaluated=checked.get("evaluated", []),
        tags=tags,
        boxes=boxes,
        box_size=box_size,
        fields=checked.get("fields", []),
        count=checked.get("count"),
        summary=checked.get("summary", {}),
    )


def read_psi_account(fields: list[str], values: Any, where: str) -> dict[str, Any]:
    """One account opened from a sealed box, checked field by field."""
    try:
        if not isinstance(values, list) or len(values) != len(fields) or not fields:
            raise Invalid((), "a sealed account does not hold the fields the file declares")
        if fields[0] != "ref":
            raise Invalid((), "a sealed account starts without its reference")
        return {
            name: PSI_ACCOUNT_FIELDS[name].check(value, name, ("a shared account",))
            for name, value in zip(fields, values, strict=True)
        }
    except Invalid as problem:
        raise OverlapError(f"{problem}; nothing was changed", where=where) from None


# ---------------------------------------------------------------------------- bytes and JSON


def _size(count: int) -> str:
    return f"{count / 2**20:,.0f} MiB" if count >= 2**20 else f"{count:,} bytes"


def _read_bounded(path: Path, limit: int, files: str) -> bytes:
    """The bytes of ``path``, refused unread when there are more than ``limit``."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(limit + 1) if size <= limit else b""
    except FileNotFoundError:
        raise OverlapError("no such file", where=where) from None
    except OSError as error:
        raise OverlapError(f"the file cannot be read ({error.strerror})", where=where) from None
    if size > limit or len(data) > limit:
        raise OverlapError(
            f"this file is {_size(max(size, len(data)))}; Overlap reads {files} of at most "
            f"{_size(limit)} (far more than a partner sends); nothing was imported",
            where=where,
        )
    return data


_TOO_DEEP = (
    f"the file nests lists or objects more than {MAX_NESTING} levels deep; no Overlap file does"
)


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise Invalid(
            (),
            f"the file holds a number of {digits:,} digits; Overlap writes none longer than "
            f"{MAX_INT_DIGITS}",
        )
    return int(text)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Invalid((), f"the file holds a number too large to read ({_shown(text)})")
    return number


def _parse_constant(text: str) -> Any:
    raise Invalid((), f"{text} is not a number Overlap writes")


def _parse(data: bytes, not_json: str) -> Any:
    """JSON with its numbers and nesting bounded; ``not_json`` when it is not JSON at all."""
    try:
        value = json.loads(
            data.decode("utf-8"),
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid((), not_json) from None
    except RecursionError:
        raise Invalid((), _TOO_DEEP) from None
    # Fewer brackets than the limit cannot nest deeper than it: most private-matching files.
    if data.count(b"[") + data.count(b"{") > MAX_NESTING and _deeper_than(value, MAX_NESTING):
        raise Invalid((), _TOO_DEEP)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
