"""A participant's key pairs: Ed25519 to sign (JWS/JWT), X25519 to receive encrypted payloads (JWE ECDH-ES)."""

from dataclasses import dataclass
from functools import cached_property

from joserfc.jwk import KeySet, OKPKey

SIGNING_ALGORITHM = "Ed25519"
"""JWS `alg` per RFC 9864 (the fully specified successor of `EdDSA` with the Ed25519 curve)."""
SIGNING_ALGORITHMS = [SIGNING_ALGORITHM]
ENCRYPTION_ALGORITHMS = ["ECDH-ES", "A256GCM"]


@dataclass(frozen=True)
class KeyPairs:
    """The private keys of one participant; `public_jwks()` is what a membership credential carries.

    After a rotation the earlier keys stay as `retired`: they no longer sign, but streams sealed to the old
    encryption key (in flight, or kept sealed at rest) still open, and the own audit chain still verifies.
    """

    signing: OKPKey
    encryption: OKPKey
    retired: tuple[OKPKey, ...] = ()

    @classmethod
    def generate(cls) -> "KeyPairs":
        return cls.from_jwks({"keys": _fresh_pair()})

    @classmethod
    def from_jwks(cls, jwks: dict) -> "KeyPairs":
        """Keys from a private JWK set (`kid` = RFC 7638 thumbprint): the last private Ed25519 and X25519 keys are
        current, earlier ones retired."""
        keys = [OKPKey.import_key(entry) for entry in jwks.get("keys", [])]
        signing = [key for key in keys if key.curve_name == "Ed25519" and key.is_private]
        encryption = [key for key in keys if key.curve_name == "X25519" and key.is_private]
        if not signing or not encryption:
            raise ValueError("keys: need one private Ed25519 (signing) and one private X25519 (encryption) key")
        for key in (*signing, *encryption):
            key.ensure_kid()
        return cls(signing=signing[-1], encryption=encryption[-1], retired=(*signing[:-1], *encryption[:-1]))

    def rotated(self) -> "KeyPairs":
        """A fresh current pair; the present keys join the retired ones."""
        fresh = KeyPairs.generate()
        return KeyPairs(fresh.signing, fresh.encryption, (*self.retired, self.signing, self.encryption))

    def private_jwks(self) -> dict:
        return {"keys": [key.as_dict(private=True) for key in (*self.retired, self.signing, self.encryption)]}

    def public_jwks(self, with_retired: bool = False) -> dict:
        """The current public keys; with the retired ones first while a rotation is in flight (a reader of the
        set takes the last encryption key as current)."""
        keys = (*self.retired, self.signing, self.encryption) if with_retired else (self.signing, self.encryption)
        return {"keys": [key.as_dict(private=False) for key in keys]}

    @cached_property
    def signing_kid(self) -> str:
        return self.signing.kid or self.signing.thumbprint()

    @cached_property
    def decryption_keys(self) -> KeySet:
        """Every private X25519 key, current and retired: a JWE names by `kid` the one it was sealed for."""
        return KeySet([key for key in (*self.retired, self.encryption) if key.curve_name == "X25519"])


def _fresh_pair() -> list[dict]:
    return [
        OKPKey.generate_key("Ed25519", parameters={"use": "sig"}).as_dict(private=True),
        OKPKey.generate_key("X25519", parameters={"use": "enc"}).as_dict(private=True),
    ]


@dataclass(frozen=True)
class PublicKeys:
    """A member's public keys as named in its credential; several signing keys while a rotation is in flight."""

    signing: tuple[OKPKey, ...]
    encryption: OKPKey

    @classmethod
    def from_jwks(cls, jwks: dict) -> "PublicKeys":
        key_set = KeySet.import_key_set(jwks)
        okp = [key for key in key_set.keys if isinstance(key, OKPKey)]
        signing = tuple(key for key in okp if key.curve_name == "Ed25519")
        encryption = [key for key in okp if key.curve_name == "X25519"]
        if not signing or not encryption:
            raise ValueError("jwks: need at least one Ed25519 and one X25519 public key")
        for key in (*signing, *encryption):
            key.ensure_kid()
        return cls(signing=signing, encryption=encryption[-1])

    def signing_key(self, kid: str | None) -> OKPKey | None:
        """The signing key named by `kid`; the only key when `kid` is absent and there is just one."""
        if kid is None:
            return self.signing[0] if len(self.signing) == 1 else None
        return next((key for key in self.signing if key.kid == kid), None)
