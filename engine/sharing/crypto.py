"""Passphrase encryption of files sent by e-mail: scrypt for the key, AES-256-GCM for the data.

AES-GCM is authenticated: a wrong passphrase, a changed byte anywhere (header included, it is
the associated data) or a truncated file fails the tag check, and the caller gets a clear
``OverlapError`` and no plaintext at all.

Layout: ``MAGIC`` (8 bytes) | version (1) | log2(N) (1) | r (1) | p (1) | salt (16) | nonce (12)
| ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from engine.errors import OverlapError

MAGIC = b"OVLPENC\x00"
VERSION = 1
# scrypt cost: N = 2**15, r = 8 (32 MiB, about 0.1 s) - slow for guessing, quick for a user.
LOG2_N, R, P = 15, 8, 1
# The most a file may ask for before its passphrase is tried: one step above what Overlap
# writes in N and p (room for a later default), so a crafted header costs at most 64 MiB and
# under a second. The header has room for N = 2**255; the bound before this one (N = 2**20,
# r = 16, p = 4) let a file take 24 s and 2.2 GB before "wrong passphrase".
MIN_LOG2_N, MAX_LOG2_N, MAX_R, MAX_P = 10, 16, 8, 2
_HEADER = struct.Struct(">8sBBBB16s12s")
MIN_PASSPHRASE = 8


def is_encrypted(data: bytes) -> bool:
    """True when ``data`` starts like a file written by ``encrypt``."""
    return data[: len(MAGIC)] == MAGIC


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def encrypt(data: bytes, passphrase: str) -> bytes:
    """Encrypt ``data`` with a key derived from ``passphrase`` (at least 8 characters)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise OverlapError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _HEADER.pack(MAGIC, VERSION, LOG2_N, R, P, salt, nonce)
    return header + AESGCM(_key(passphrase, salt, LOG2_N, R, P)).encrypt(nonce, data, header)


def decrypt(blob: bytes, passphrase: str, *, where: str | None = None) -> bytes:
    """The plaintext of ``blob``, or an ``OverlapError`` when anything does not check out."""
    if not is_encrypted(blob):
        raise OverlapError("this file is not encrypted by Overlap", where=where)
    if len(blob) < _HEADER.size + 16:
        raise OverlapError(
            "the encrypted file is cut short; ask the sender for it again", where=where
        )
    _magic, version, log2_n, r, p, salt, nonce = _HEADER.unpack_from(blob)
    if version != VERSION:
        raise OverlapError(
            f"the file is encrypted with a newer format ({version}); update Overlap", where=where
        )
    if log2_n < MIN_LOG2_N or r < 1 or p < 1:
        raise OverlapError("the encrypted file is damaged (bad key parameters)", where=where)
    if log2_n > MAX_LOG2_N or r > MAX_R or p > MAX_P:
        raise OverlapError(
            f"the encrypted file asks for a key cost (scrypt N=2^{log2_n}, r={r}, p={p}) above "
            f"what Overlap writes (at most N=2^{MAX_LOG2_N}, r={MAX_R}, p={MAX_P}); it was not "
            "encrypted by Overlap, and nothing was imported",
            where=where,
        )
    header = blob[: _HEADER.size]
    try:
        return AESGCM(_key(passphrase, salt, log2_n, r, p)).decrypt(
            nonce, blob[_HEADER.size :], header
        )
    except InvalidTag:
        raise OverlapError(
            "the passphrase is wrong, or the file was changed or cut short on the way; "
            "nothing was imported",
            where=where,
        ) from None
