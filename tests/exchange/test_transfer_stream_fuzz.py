"""hypothesis on the sealed-stream parser: whatever bytes arrive, in whatever pieces, the opener either yields the
exact plaintext of an untouched stream or refuses with PayloadError (never another exception, never wrong data)."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.exchange import payload
from fabnet.exchange.keys import KeyPairs, PublicKeys

SENDER, RECIPIENT = KeyPairs.generate(), KeyPairs.generate()
SENDER_PUBLIC = PublicKeys.from_jwks(SENDER.public_jwks())
CONTENT = bytes(range(256)) * 40
STREAM = b"".join(payload.seal(payload.rechunk([CONTENT], 1000), PublicKeys.from_jwks(RECIPIENT.public_jwks()),
                               SENDER, "urn:s", "t-1"))
CASES = 300


def _open(pieces: list[bytes]) -> bytes:
    return b"".join(payload.open_stream(pieces, RECIPIENT, SENDER_PUBLIC, "t-1"))


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


@settings(max_examples=CASES, deadline=None)
@given(noise=st.binary(max_size=400), cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_arbitrary_bytes_are_refused_cleanly(noise: bytes, cuts: list[int]) -> None:
    with pytest.raises(payload.PayloadError):
        _open(_split(noise, cuts))


@settings(max_examples=CASES, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255),
       cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_any_flipped_byte_is_refused(position: int, flip: int, cuts: list[int]) -> None:
    tampered = bytearray(STREAM)
    tampered[position % len(STREAM)] ^= flip
    with pytest.raises(payload.PayloadError):
        _open(_split(bytes(tampered), cuts))


@settings(max_examples=CASES, deadline=None)
@given(length=st.integers(min_value=0), cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_a_cut_stream_is_refused_and_a_whole_one_opens(length: int, cuts: list[int]) -> None:
    kept = length % (len(STREAM) + 1)
    if kept == len(STREAM):
        assert _open(_split(STREAM, cuts)) == CONTENT
        return
    with pytest.raises(payload.PayloadError):
        _open(_split(STREAM[:kept], cuts))


@settings(max_examples=CASES, deadline=None)
@given(extra=st.binary(min_size=1, max_size=64))
def test_bytes_after_the_final_frame_are_refused(extra: bytes) -> None:
    with pytest.raises(payload.PayloadError):
        _open([STREAM, extra])
