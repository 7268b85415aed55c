"""The prime-order group of Curve25519, worked with X25519: hash to the group and scalar
multiplication, both from libsodium.

A group element is its Montgomery u-coordinate (32 bytes, little-endian): ``u(P)`` names the
pair ``P, -P``, and scalar multiplication commutes with negation, so every value the protocol
compares is well defined. X25519 is libsodium's fastest variable-base multiplication (about
30 us, against 57 us for ristretto255 on the same machine): private matching spends nearly all
its time there.

X25519 clamps every scalar (bit 254 set, bit 255 and the low three bits clear). The scalars
used here are chosen clamped, so X25519 multiplies by exactly the scalar given. A clamped
scalar is a multiple of the cofactor 8: it removes any small-order part of a point, and on the
prime-order subgroup scalars act modulo the group order ``L``. A blinding scalar ``r`` is drawn
until ``1/r mod L`` is itself a clamped scalar (about one draw in two), so unblinding is one
X25519 too.

Hash to the group: SHA-512 of the tag and the key, its first 32 bytes mapped to Ed25519 by
libsodium's Elligator 2 (``from_uniform``), then to Montgomery form, ``u = (1 + y) / (1 - y)``
(one modular inversion per chunk, Montgomery's trick). ctypes releases the GIL during each
libsodium call, so chunks run in parallel on threads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache

from engine.errors import Cancelled, OverlapError

POINT_BYTES = 32
SCALAR_BYTES = 32
CHUNK = 4096

P = 2**255 - 19  # the field
L = 2**252 + 27742317777372353535851937790883648493  # the prime-order subgroup's order
_CLAMPED_TOP = 2**254
_INVERSE_OF_8 = pow(8, -1, L)
_LOW_255 = (1 << 255) - 1

_FUNCTIONS = (
    "crypto_core_ed25519_from_uniform",
    "crypto_scalarmult_curve25519",
)


def _candidates() -> list[str]:
    """Where libsodium may be: PyNaCl's own extension first (its wheels carry these
    functions), then ``OVERLAP_LIBSODIUM``, then the system's."""
    paths: list[str] = []
    try:
        import nacl._sodium as sodium_ext

        paths.append(str(sodium_ext.__file__))
    except ImportError:  # pragma: no cover - PyNaCl is a dependency
        pass
    if os.environ.get("OVERLAP_LIBSODIUM"):
        paths.append(os.environ["OVERLAP_LIBSODIUM"])
    found = ctypes.util.find_library("sodium") or ctypes.util.find_library("libsodium")
    if found:
        paths.append(found)
    paths += ["libsodium.so.26", "libsodium.so.23", "libsodium.dylib", "libsodium.dll"]
    return paths


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if all(hasattr(lib, name) for name in _FUNCTIONS):
            if hasattr(lib, "sodium_init") and lib.sodium_init() < 0:  # pragma: no cover
                continue
            for name in _FUNCTIONS:
                getattr(lib, name).restype = ctypes.c_int
            return lib
    raise OverlapError(
        "private matching needs libsodium 1.0.18 or later "
        "(install libsodium, or set OVERLAP_LIBSODIUM to its library file)"
    )


def available() -> bool:
    """True when the group operations can run on this machine."""
    try:
        _lib()
    except OverlapError:
        return False
    return True


# ---------------------------------------------------------------------------- scalars


def _clamped(value: int) -> bytes:
    return value.to_bytes(SCALAR_BYTES, "little")


def _random_clamped() -> int:
    return _CLAMPED_TOP + 8 * secrets.randbelow(2**251)


def _as_clamped(residue: int) -> int | None:
    """The clamped scalar equal to ``residue`` modulo ``L``, if there is one."""
    m = (residue - _CLAMPED_TOP) * _INVERSE_OF_8 % L
    return _CLAMPED_TOP + 8 * m if m < 2**251 else None


def random_scalar() -> bytes:
    """A fresh secret key: a uniformly random clamped scalar."""
    return _clamped(_random_clamped())


def random_blind() -> bytes:
    """A fresh blinding scalar whose inverse (``unblinding``) is a clamped scalar too."""
    while True:
        r = _random_clamped()
        if _as_clamped(pow(r, -1, L)) is not None:
            return _clamped(r)


def unblinding(blind: bytes) -> bytes:
    """The clamped scalar that undoes ``blind`` on the group (``1 / blind`` modulo ``L``)."""
    r = int.from_bytes(blind, "little")
    inverse = _as_clamped(pow(r, -1, L)) if r % L else None
    if inverse is None:
        raise OverlapError("the exchange's secret cannot be inverted; start a new exchange")
    return _clamped(inverse)


# ---------------------------------------------------------------------------- points


def _to_montgomery(encodings: Sequence[bytes]) -> list[bytes]:
    """Ed25519 encodings to u-coordinates, with one inversion for all of them."""
    ys = [int.from_bytes(e, "little") & _LOW_255 for e in encodings]
    dens = [(1 - y) % P for y in ys]
    if not all(dens):  # pragma: no cover - the identity: a 2**-252 chance per key
        raise OverlapError("a key hashed to an unusable point; try the exchange again")
    prefix, running = [], 1
    for d in dens:
        prefix.append(running)
        running = running * d % P
    inverse = pow(running, -1, P)
    us = [b""] * len(ys)
    for i in range(len(ys) - 1, -1, -1):
        us[i] = ((1 + ys[i]) * inverse * prefix[i] % P).to_bytes(POINT_BYTES, "little")
        inverse = inverse * dens[i] % P
    return us


def _canonical(point: bytes) -> bool:
    return len(point) == POINT_BYTES and int.from_bytes(point, "little") < P


def _hash_chunk(tag: bytes, keys: Sequence[bytes]) -> list[bytes]:
    from_uniform = _lib().crypto_core_ed25519_from_uniform
    prefix = len(tag).to_bytes(2, "big") + tag
    out = ctypes.create_string_buffer(POINT_BYTES)
    encodings = []
    for key in keys:
        from_uniform(out, hashlib.sha512(prefix + key).digest()[:POINT_BYTES])
        encodings.append(out.raw)
    return _to_montgomery(encodings)


def _mult_chunk(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    mult = _lib().crypto_scalarmult_curve25519
    out = ctypes.create_string_buffer(POINT_BYTES)
    result = []
    for point in points:
        # libsodium refuses a point of small order (the result would be zero); a value at or
        # above the field's size is no encoding Overlap writes.
        if not _canonical(point) or mult(out, scalar, point) != 0:
            raise OverlapError(
                "the file holds a value that is not a valid group element; it is damaged"
            )
        result.append(out.raw)
    return result


@contextmanager
def quick_turns() -> Iterator[None]:
    """Threads take turns every 0.5 ms instead of 5 ms while the block runs: the threads
    multiplying need the interpreter for a moment after each point, and Python work on
    another thread (sealing, keys) would otherwise hold them up for whole turns."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, 0.0005))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _chunked(
    items: Sequence[bytes],
    work: Callable[[Sequence[bytes]], list[bytes]],
    *,
    progress: Callable[[float, str], None] | None,
    cancel: Callable[[], bool] | None,
    label: str,
) -> list[bytes]:
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    results: list[list[bytes]] = []
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="psi") as pool:
        # Submit a window of chunks at a time so a cancel stops the work quickly.
        window = workers * 2
        for start in range(0, len(chunks), window):
            if cancel is not None and cancel():
                raise Cancelled()
            results.extend(pool.map(work, chunks[start : start + window]))
            if progress is not None:
                progress(min(1.0, (start + window) / max(1, len(chunks))), label)
    return [point for chunk in results for point in chunk]


def hash_to_group(
    tag: bytes,
    keys: Sequence[bytes],
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[bytes]:
    """``H(key)`` for every key, in order: SHA-512(len(tag) || tag || key) mapped to the group."""
    return _chunked(
        keys,
        lambda chunk: _hash_chunk(tag, chunk),
        progress=progress,
        cancel=cancel,
        label="Preparing our keys",
    )


def multiply(
    points: Sequence[bytes],
    scalar: bytes,
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[bytes]:
    """``scalar * point`` for every point, in order; a damaged point raises ``OverlapError``."""
    return _chunked(
        points,
        lambda chunk: _mult_chunk(chunk, scalar),
        progress=progress,
        cancel=cancel,
        label="Blinding the partner's values",
    )
