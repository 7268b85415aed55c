"""The ristretto255 group from libsodium: hash to the group and scalar multiplication.

PyNaCl's bindings do not expose the ristretto255 functions, and its wheels link only the parts
of libsodium they bind, so the functions are called through ``ctypes`` from the first libsodium
that has them: PyNaCl's own extension (newer builds), ``OVERLAP_LIBSODIUM``, then the system's
libsodium (1.0.18 or later). ctypes releases the GIL during each call, so chunks run in parallel
on threads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from engine.errors import Cancelled, OverlapError

POINT_BYTES = 32
SCALAR_BYTES = 32
CHUNK = 4096


def _candidates() -> list[str]:
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
        if hasattr(lib, "crypto_core_ristretto255_from_hash") and hasattr(
            lib, "crypto_scalarmult_ristretto255"
        ):
            if hasattr(lib, "sodium_init") and lib.sodium_init() < 0:  # pragma: no cover
                continue
            for name in ("crypto_core_ristretto255_from_hash", "crypto_scalarmult_ristretto255"):
                getattr(lib, name).restype = ctypes.c_int
            return lib
    raise OverlapError(
        "private matching needs libsodium 1.0.18 or later with ristretto255 "
        "(install libsodium, or set OVERLAP_LIBSODIUM to its library file)"
    )


def available() -> bool:
    """True when the group operations can run on this machine."""
    try:
        _lib()
    except OverlapError:
        return False
    return True


def random_scalar() -> bytes:
    """A fresh uniformly random non-zero scalar modulo the group order."""
    out = ctypes.create_string_buffer(SCALAR_BYTES)
    _lib().crypto_core_ristretto255_scalar_random(out)
    return out.raw


def invert_scalar(scalar: bytes) -> bytes:
    """``1 / scalar`` modulo the group order (``scalar`` is non-zero)."""
    out = ctypes.create_string_buffer(SCALAR_BYTES)
    if _lib().crypto_core_ristretto255_scalar_invert(out, scalar) != 0:  # pragma: no cover
        raise OverlapError("the exchange's secret cannot be inverted; start a new exchange")
    return out.raw


def hash_to_group(tag: bytes, key: bytes) -> bytes:
    """A ristretto255 point from SHA-512(len(tag) || tag || key): a domain-separated hash."""
    digest = hashlib.sha512(len(tag).to_bytes(2, "big") + tag + key).digest()
    out = ctypes.create_string_buffer(POINT_BYTES)
    _lib().crypto_core_ristretto255_from_hash(out, digest)
    return out.raw


def _hash_blind_chunk(tag: bytes, keys: Sequence[bytes], scalar: bytes) -> list[bytes]:
    lib = _lib()
    from_hash, mult = lib.crypto_core_ristretto255_from_hash, lib.crypto_scalarmult_ristretto255
    prefix = len(tag).to_bytes(2, "big") + tag
    point = ctypes.create_string_buffer(POINT_BYTES)
    out = ctypes.create_string_buffer(POINT_BYTES)
    result = []
    for key in keys:
        from_hash(point, hashlib.sha512(prefix + key).digest())
        if mult(out, scalar, point) != 0:  # pragma: no cover - only for the identity point
            raise OverlapError("a key hashed to an unusable point; try the exchange again")
        result.append(out.raw)
    return result


def _mult_chunk(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    mult = _lib().crypto_scalarmult_ristretto255
    out = ctypes.create_string_buffer(POINT_BYTES)
    result = []
    for point in points:
        # libsodium refuses a non-canonical encoding, a point off the group and the identity.
        if len(point) != POINT_BYTES or mult(out, scalar, point) != 0:
            raise OverlapError(
                "the file holds a value that is not a valid group element; it is damaged"
            )
        result.append(out.raw)
    return result


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


def hash_and_blind(
    tag: bytes,
    keys: Sequence[bytes],
    scalar: bytes,
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[bytes]:
    """``H(key) ** scalar`` for every key, in order."""
    return _chunked(
        keys,
        lambda chunk: _hash_blind_chunk(tag, chunk, scalar),
        progress=progress,
        cancel=cancel,
        label="Blinding keys",
    )


def blind(
    points: Sequence[bytes],
    scalar: bytes,
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[bytes]:
    """``point ** scalar`` for every point, in order; a damaged point raises ``OverlapError``."""
    return _chunked(
        points,
        lambda chunk: _mult_chunk(chunk, scalar),
        progress=progress,
        cancel=cancel,
        label="Blinding the partner's values",
    )
