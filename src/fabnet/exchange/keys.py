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
    """The private keys of one participant; `public_jwks()` is what a membership credential carries."""

    signing: OKPKey
    encryption: OKPKey

    @classmethod
    def generate(cls) -> "KeyPairs":
        return cls.from_jwks(
            {
                "keys": [
                    OKPKey.generate_key("Ed25519", parameters={"use": "sig"}).as_dict(private=True),
                    OKPKey.generate_key("X25519", parameters={"use": "enc"}).as_dict(private=True),
                ]
            }
        )

    @classmethod
    def from_jwks(cls, jwks: dict) -> "KeyPairs":
        """Keys from a private JWK set holding one Ed25519 and one X25519 key (`kid` = RFC 7638 thumbprint)."""
        keys = [OKPKey.import_key(entry) for entry in jwks.get("keys", [])]
        signing = [key for key in keys if key.curve_name == "Ed25519" and key.is_private]
        encryption = [key for key in keys if key.curve_name == "X25519" and key.is_private]
        if not signing or not encryption:
            raise ValueError("keys: need one private Ed25519 (signing) and one private X25519 (encryption) key")
        for key in (signing[-1], encryption[-1]):
            key.ensure_kid()
        return cls(signing=signing[-1], encryption=encryption[-1])

    def private_jwks(self) -> dict:
        return {"keys": [self.signing.as_dict(private=True), self.encryption.as_dict(private=True)]}

    def public_jwks(self) -> dict:
        return {"keys": [self.signing.as_dict(private=False), self.encryption.as_dict(private=False)]}

    @cached_property
    def signing_kid(self) -> str:
        return self.signing.kid or self.signing.thumbprint()


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
