"""Signed, end-to-end encrypted payload streams: files of any size pass through in bounded memory.

A stream is a sequence of frames, each `kind (1 byte) | length (4 bytes, big endian) | body`:

- `K` once, first: a JWE (compact, `alg` ECDH-ES, `enc` A256GCM) for the recipient's X25519 key whose plaintext
  is the stream key, the nonce prefix and the transfer id;
- `D` per chunk: AES-256-GCM of the chunk under the stream key, nonce = prefix ‖ sequence number, and the
  transfer id, sequence number and kind as associated data, so chunks cannot be reordered, dropped or moved
  to another transfer;
- `F` once, last: the same AEAD over a JWS (Ed25519) by the sender of the manifest — the SHA-256 content hash,
  byte and chunk counts, transfer id — so a truncated stream, a tampered chunk or a wrong sender all fail.

The JOSE parts use joserfc; the bulk AEAD uses `cryptography` directly, since per-chunk JWE compact
serialization (base64 of every byte) halves the throughput.
"""

import base64
import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry

from fabnet.exchange.keys import ENCRYPTION_ALGORITHMS, SIGNING_ALGORITHM, SIGNING_ALGORITHMS, KeyPairs, PublicKeys

CHUNK_SIZE = 1 << 20
MAX_FRAME = 16 << 20
_FRAME = struct.Struct(">cI")
_KEY, _DATA, _FINAL = b"K", b"D", b"F"
_JWE_REGISTRY = JWERegistry(algorithms=ENCRYPTION_ALGORITHMS)


class PayloadError(ValueError):
    """A stream that does not decrypt or verify: tampered, truncated, wrong recipient or wrong sender."""


@dataclass(frozen=True)
class Manifest:
    transfer_id: str
    sender: str
    sha256: str
    size: int
    chunks: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _frame(kind: bytes, body: bytes) -> bytes:
    return _FRAME.pack(kind, len(body)) + body


def _nonce(prefix: bytes, sequence: int) -> bytes:
    return prefix + sequence.to_bytes(8, "big")


def _aad(transfer_id: str, sequence: int, kind: bytes) -> bytes:
    return transfer_id.encode() + b"|" + sequence.to_bytes(8, "big") + kind


def rechunk(blocks: Iterable[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Blocks of exactly `size` bytes (the last one shorter), whatever sizes come in."""
    pending = bytearray()
    for block in blocks:
        pending += block
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


def seal(
    chunks: Iterable[bytes], recipient: PublicKeys, sender_keys: KeyPairs, sender_id: str, transfer_id: str
) -> Iterator[bytes]:
    """Encrypt `chunks` for `recipient` and sign the content hash; yields the frames of the stream."""
    stream_key = AESGCM.generate_key(bit_length=256)
    prefix = os.urandom(4)
    envelope = json.dumps({"k": _b64(stream_key), "n": _b64(prefix), "transfer": transfer_id}).encode()
    header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": recipient.encryption.kid, "cty": "fabnet-stream-key"}
    yield _frame(_KEY, jwe.encrypt_compact(header, envelope, recipient.encryption, registry=_JWE_REGISTRY).encode())
    aead = AESGCM(stream_key)
    digest = hashlib.sha256()
    size = 0
    sequence = 0
    for chunk in chunks:
        if not chunk:
            continue
        digest.update(chunk)
        size += len(chunk)
        yield _frame(_DATA, aead.encrypt(_nonce(prefix, sequence), chunk, _aad(transfer_id, sequence, _DATA)))
        sequence += 1
    manifest = {"transfer": transfer_id, "iss": sender_id, "sha256": digest.hexdigest(), "size": size,
                "chunks": sequence}
    signed = jws.serialize_compact(
        {"alg": SIGNING_ALGORITHM, "kid": sender_keys.signing_kid},
        json.dumps(manifest, sort_keys=True).encode(),
        sender_keys.signing,
        algorithms=SIGNING_ALGORITHMS,
    )
    yield _frame(_FINAL, aead.encrypt(_nonce(prefix, sequence), signed.encode(), _aad(transfer_id, sequence, _FINAL)))


class StreamOpener:
    """Incremental reader of a sealed stream: `feed` bytes as they arrive, get plaintext back, then `finish`."""

    def __init__(self, recipient_keys: KeyPairs, sender: PublicKeys, transfer_id: str) -> None:
        self._recipient = recipient_keys
        self._sender = sender
        self._transfer_id = transfer_id
        self._buffer = bytearray()
        self._aead: AESGCM | None = None
        self._prefix = b""
        self._sequence = 0
        self._digest = hashlib.sha256()
        self._size = 0
        self.manifest: Manifest | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Plaintext of every frame completed by `data`; PayloadError as soon as one does not verify."""
        # frames are read in place, from `data` itself unless a frame is pending: only plaintext is copied
        pending = bool(self._buffer)
        if pending:
            self._buffer += data
        plain: list[bytes] = []
        view = memoryview(self._buffer if pending else data)
        offset = 0
        try:
            while len(view) - offset >= _FRAME.size:
                kind, length = _FRAME.unpack_from(view, offset)
                if length > MAX_FRAME:
                    raise PayloadError(f"frame of {length} bytes exceeds the {MAX_FRAME}-byte limit")
                end = offset + _FRAME.size + length
                if len(view) < end:
                    break
                with view[offset + _FRAME.size : end] as body:
                    chunk = self._frame(kind, body)
                offset = end
                if chunk:
                    plain.append(chunk)
            if not pending:
                self._buffer += view[offset:]
        finally:
            view.release()
        if pending:
            del self._buffer[:offset]
        return plain

    def _frame(self, kind: bytes, body: memoryview) -> bytes | None:
        if self.manifest is not None:
            raise PayloadError("data after the final frame")
        if kind == _KEY:
            self._open_envelope(bytes(body))
            return None
        if self._aead is None:
            raise PayloadError("stream does not start with its key frame")
        if kind == _DATA:
            chunk = self._decrypt(body, _DATA)
            self._digest.update(chunk)
            self._size += len(chunk)
            self._sequence += 1
            return chunk
        if kind == _FINAL:
            self.manifest = self._verify_manifest(self._decrypt(body, _FINAL))
            return None
        raise PayloadError(f"unknown frame kind {kind!r}")

    def _open_envelope(self, body: bytes) -> None:
        if self._aead is not None:
            raise PayloadError("a second key frame")
        try:
            envelope = json.loads(
                jwe.decrypt_compact(body, self._recipient.decryption_keys, registry=_JWE_REGISTRY).plaintext or b""
            )
            key, prefix = _unb64(envelope["k"]), _unb64(envelope["n"])
        except (JoseError, ValueError, KeyError, TypeError):
            raise PayloadError("key frame does not decrypt with this recipient's key") from None
        if envelope.get("transfer") != self._transfer_id or len(key) != 32 or len(prefix) != 4:
            raise PayloadError("key frame belongs to another transfer")
        self._aead, self._prefix = AESGCM(key), prefix

    def _decrypt(self, body: memoryview, kind: bytes) -> bytes:
        assert self._aead is not None
        try:
            return self._aead.decrypt(
                _nonce(self._prefix, self._sequence), body, _aad(self._transfer_id, self._sequence, kind)
            )
        except InvalidTag:
            raise PayloadError(f"chunk {self._sequence} is tampered, reordered or from another stream") from None

    def _verify_manifest(self, signed: bytes) -> Manifest:
        try:
            header = jws.extract_compact(signed).protected
            key = self._sender.signing_key(header.get("kid"))
            if key is None:
                raise PayloadError("manifest is signed with a key the sender's credential does not name")
            claims = json.loads(jws.deserialize_compact(signed, key, algorithms=SIGNING_ALGORITHMS).payload)
        except (JoseError, ValueError):
            raise PayloadError("manifest signature does not verify") from None
        if claims.get("sha256") != self._digest.hexdigest() or claims.get("size") != self._size:
            raise PayloadError("content hash does not match the signed manifest")
        if claims.get("chunks") != self._sequence or claims.get("transfer") != self._transfer_id:
            raise PayloadError("manifest names another transfer or chunk count")
        return Manifest(self._transfer_id, claims.get("iss", ""), claims["sha256"], self._size, self._sequence)

    def finish(self) -> Manifest:
        """The verified manifest; PayloadError when the stream ended early or left bytes over."""
        if self.manifest is None or self._buffer:
            raise PayloadError("stream is truncated: no final signed manifest")
        return self.manifest


def open_stream(
    frames: Iterable[bytes], recipient_keys: KeyPairs, sender: PublicKeys, transfer_id: str
) -> Iterator[bytes]:
    """Plaintext chunks of a sealed stream; raises PayloadError at the point it stops verifying (or at the end)."""
    opener = StreamOpener(recipient_keys, sender, transfer_id)
    for data in frames:
        yield from opener.feed(data)
    opener.finish()
