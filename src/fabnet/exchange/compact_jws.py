"""Compact JWS (RFC 7515) with Ed25519 only, signed and checked straight with `cryptography`.

Every DSP message costs the connector several signatures (token, audit entries, receipt); joserfc's general
path spends more than the Ed25519 operation itself on each. The output is the standard compact serialization,
so joserfc (or any JOSE library) verifies it, and this module verifies what joserfc signs.
"""

import base64
import binascii
import json
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from joserfc.jwk import OKPKey

ALGORITHM = "Ed25519"


class MalformedJws(ValueError):
    """Not a compact JWS: wrong number of parts, bad base64url, or a header that is not a JSON object."""


def _encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise MalformedJws("not base64url") from None


@lru_cache(maxsize=64)
def _encoded_header(items: tuple[tuple[str, object], ...]) -> bytes:
    # a node signs with a handful of distinct headers (alg, kid, typ): each is encoded once
    return _encode(json.dumps(dict(items), separators=(",", ":")).encode())


def sign(header: dict, payload: bytes, key: OKPKey) -> str:
    """`header` (which must name alg Ed25519) and `payload`, signed with the private Ed25519 `key`."""
    private = key.private_key
    if private is None:
        raise ValueError("key: signing needs the private key")
    try:
        encoded_header = _encoded_header(tuple(header.items()))
    except TypeError:  # a header value that cannot be a cache key (a list, a dict)
        encoded_header = _encode(json.dumps(header, separators=(",", ":")).encode())
    signing_input = encoded_header + b"." + _encode(payload)
    signature = private.sign(signing_input)
    return (signing_input + b"." + _encode(signature)).decode()


def parse(token: str) -> tuple[dict, bytes, bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, unverified; MalformedJws if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJws("a compact JWS has three parts")
    try:
        header = json.loads(_decode(parts[0]))
    except (ValueError, UnicodeDecodeError):
        raise MalformedJws("header is not JSON") from None
    if not isinstance(header, dict):
        raise MalformedJws("header is not a JSON object")
    return header, _decode(parts[1]), f"{parts[0]}.{parts[1]}".encode(), _decode(parts[2])


def signature_valid(signing_input: bytes, signature: bytes, key: OKPKey) -> bool:
    """Whether `signature` is the Ed25519 signature of `signing_input` by the public part of `key`."""
    if key.curve_name != ALGORITHM:
        return False
    try:
        key.public_key.verify(signature, signing_input)
    except InvalidSignature:
        return False
    return True


def verified_payload(token: str, key: OKPKey) -> bytes | None:
    """The payload of `token` if it is a compact JWS with alg Ed25519 signed by `key`; otherwise None."""
    try:
        header, payload, signing_input, signature = parse(token)
    except MalformedJws:
        return None
    if header.get("alg") != ALGORITHM or "crit" in header:
        return None
    return payload if signature_valid(signing_input, signature, key) else None
