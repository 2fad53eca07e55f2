"""The hash-chained, append-only audit log of every DSP message sent and received, with signed receipts.

Each entry's hash covers the previous entry's hash and the entry's own fields, and the node signs each
entry hash (JWS, Ed25519); so an edited, removed, inserted or reordered entry breaks the chain at that point.
A receipt is the receiver's signature over the hash of a message it took in and its own entry hash for it.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec

from fabnet.exchange import compact_jws
from fabnet.exchange.keys import SIGNING_ALGORITHM, KeyPairs, PublicKeys

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """What is logged about one message."""

    at: str
    direction: str  # "sent" | "received"
    peer: str
    message_type: str
    process_id: str
    message_sha256: str


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    record: AuditRecord
    prev_hash: str
    entry_hash: str
    signature: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    problems: list[str] = field(default_factory=list)


def message_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical(document: object) -> bytes:
    """Compact JSON with sorted keys, UTF-8: for the strings and integers hashed and signed here, byte for byte
    `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)` (tests/exchange/test_audit.py checks
    it, so logs written before verify alike) at a tenth of its cost."""
    return msgspec.json.encode(document, order="sorted")


def hash_entry(seq: int, record: AuditRecord, prev_hash: str) -> str:
    # the record's fields spelled out: dataclasses.asdict deep-copies, which costs more than the hash
    fields = {"at": record.at, "direction": record.direction, "peer": record.peer, "message_type": record.message_type,
              "process_id": record.process_id, "message_sha256": record.message_sha256}
    return hashlib.sha256(canonical({"seq": seq, "prev": prev_hash, **fields})).hexdigest()


def _sign(payload: bytes, keys: KeyPairs) -> str:
    return compact_jws.sign({"alg": SIGNING_ALGORITHM, "kid": keys.signing_kid}, payload, keys.signing)


def append(previous: AuditEntry | None, record: AuditRecord, keys: KeyPairs) -> AuditEntry:
    """The entry that follows `previous` (None: the first entry), hashed and signed."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.entry_hash
    digest = hash_entry(seq, record, prev_hash)
    return AuditEntry(seq, record, prev_hash, digest, _sign(digest.encode(), keys))


def _signed_payload(token: str, keys: PublicKeys) -> bytes | None:
    try:
        header, payload, signing_input, signature = compact_jws.parse(token)  # parsed once, not per step
    except compact_jws.MalformedJws:
        return None
    kid = header.get("kid")
    key = keys.signing_key(kid if isinstance(kid, str) else None)
    if key is None or header.get("alg") != compact_jws.ALGORITHM or "crit" in header:
        return None
    return payload if compact_jws.signature_valid(signing_input, signature, key) else None


def verify(entries: Iterable[AuditEntry], keys: PublicKeys) -> ChainReport:
    """Walk the chain in `seq` order as stored; name every place it breaks."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry {entry.seq}: expected sequence number {expected_seq} (entry removed or reordered)")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq}: does not link to the entry before it (removed, inserted or reordered)")
        if hash_entry(entry.seq, entry.record, entry.prev_hash) != entry.entry_hash:
            problems.append(f"entry {entry.seq}: contents do not match its hash (edited)")
        if _signed_payload(entry.signature, keys) != entry.entry_hash.encode():
            problems.append(f"entry {entry.seq}: signature does not verify")
        expected_prev = entry.entry_hash
        expected_seq = entry.seq + 1
    return ChainReport(entries=count, ok=not problems, problems=problems)


def issue_receipt(keys: KeyPairs, receiver: str, message_sha256: str, entry: AuditEntry) -> str:
    """The receiver's signed acknowledgement that it logged the message with this hash."""
    claims = {"receiver": receiver, "message_sha256": message_sha256, "seq": entry.seq, "entry_hash": entry.entry_hash}
    return _sign(canonical(claims), keys)


def verify_receipt(receipt: str, keys: PublicKeys, message_sha256: str) -> dict | None:
    """The receipt's claims if it is signed by `keys` and acknowledges exactly this message; otherwise None."""
    payload = _signed_payload(receipt, keys)
    if payload is None:
        return None
    claims = json.loads(payload)
    return claims if claims.get("message_sha256") == message_sha256 else None
