"""The hash-chained audit log: a clean chain verifies; edits, removals, insertions and reorders are named."""

import hashlib
import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.exchange import audit
from fabnet.exchange.keys import KeyPairs, PublicKeys

KEYS = KeyPairs.generate()
PUBLIC = PublicKeys.from_jwks(KEYS.public_jwks())


def chain(length: int = 6) -> list[audit.AuditEntry]:
    entries: list[audit.AuditEntry] = []
    for index in range(length):
        record = audit.AuditRecord(f"2026-11-29T06:00:{index:02d}+00:00", "sent" if index % 2 else "received",
                                   "urn:m:peer", "ContractRequestMessage", f"urn:uuid:{index}",
                                   audit.message_digest(f"message {index}".encode()))
        entries.append(audit.append(entries[-1] if entries else None, record, KEYS))
    return entries


def test_clean_chain_verifies() -> None:
    report = audit.verify(chain(), PUBLIC)
    assert report.ok and report.entries == 6


def test_edited_entry_is_detected() -> None:
    entries = chain()
    entries[3] = replace(entries[3], record=replace(entries[3].record, peer="urn:m:someone-else"))
    report = audit.verify(entries, PUBLIC)
    assert not report.ok and any("entry 4" in problem and "edited" in problem for problem in report.problems)


def test_removed_entry_is_detected() -> None:
    entries = chain()
    del entries[2]
    assert not audit.verify(entries, PUBLIC).ok


def test_reordered_entries_are_detected() -> None:
    entries = chain()
    entries[1], entries[2] = entries[2], entries[1]
    assert not audit.verify(entries, PUBLIC).ok


def test_rehashed_forgery_fails_the_signature() -> None:
    entries = chain(2)
    forged_record = replace(entries[1].record, peer="urn:m:forger")
    forged_hash = audit.hash_entry(2, forged_record, entries[0].entry_hash)
    entries[1] = replace(entries[1], record=forged_record, entry_hash=forged_hash)
    report = audit.verify(entries, PUBLIC)
    assert report.problems == ["entry 2: signature does not verify"]


def test_receipt_acknowledges_exactly_one_message() -> None:
    entry = chain(1)[0]
    receipt = audit.issue_receipt(KEYS, "urn:m:receiver", entry.record.message_sha256, entry)
    assert audit.verify_receipt(receipt, PUBLIC, entry.record.message_sha256)["seq"] == 1
    assert audit.verify_receipt(receipt, PUBLIC, "0" * 64) is None
    other = PublicKeys.from_jwks(KeyPairs.generate().public_jwks())
    assert audit.verify_receipt(receipt, other, entry.record.message_sha256) is None


TEXT = st.text(st.characters(blacklist_categories=("Cs",)))  # any character a str can be encoded with


@settings(max_examples=500, deadline=None)
@given(document=st.dictionaries(TEXT, TEXT | st.integers(-(2**63), 2**63 - 1), max_size=8))
def test_canonical_json_is_byte_for_byte_what_json_dumps_writes(document: dict) -> None:
    # entry hashes and receipts written before canonical() used msgspec must still verify
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert audit.canonical(document) == expected


def test_a_hash_from_the_json_module_still_verifies() -> None:
    record = audit.AuditRecord("2026-11-29T06:00:00+00:00", "sent", "urn:m:peer", "ContractRequestMessage",
                               "urn:uuid:ä\n", "0" * 64)
    fields = {"seq": 1, "prev": audit.GENESIS, "at": record.at, "direction": record.direction, "peer": record.peer,
              "message_type": record.message_type, "process_id": record.process_id,
              "message_sha256": record.message_sha256}
    written_before = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                               ensure_ascii=False).encode()).hexdigest()
    assert audit.hash_entry(1, record, audit.GENESIS) == written_before
