"""SHA-256 for the small inputs every start hashes, without loading OpenSSL (hashlib's _hashlib)."""

from __future__ import annotations

# hashlib imports _hashlib, which loads libcrypto: a few milliseconds at every start of a one-shot
# command, to hash a few small files. CPython's own SHA-256 gives the same digests; large data
# still goes to hashlib (OpenSSL's is several times faster per byte).
try:
    from _sha2 import sha256 as _builtin  # CPython 3.12+
except ImportError:
    try:
        from _sha256 import sha256 as _builtin  # CPython 3.11 and earlier
    except ImportError:  # another Python, or a build without it
        _builtin = None

# Inputs up to this size are hashed with the built-in implementation.
SMALL_BYTES = 1 << 20


def sha256(data: bytes = b""):
    """A SHA-256 hash object of `data` (hashlib.sha256's interface: update, digest, hexdigest)."""
    if _builtin is not None and len(data) <= SMALL_BYTES:
        return _builtin(data)
    import hashlib

    return hashlib.sha256(data)


def large_sha256(data: bytes = b""):
    """hashlib.sha256, for data that may be large (read in chunks)."""
    import hashlib

    return hashlib.sha256(data)
