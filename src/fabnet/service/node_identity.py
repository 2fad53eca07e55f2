"""The node's identity on disk: its key pair (generated on first start) and its membership bundle from the hub."""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fabnet.exchange.keys import KeyPairs, PublicKeys
from fabnet.network.trust import HubAnchor, Member, MembershipCredential, TrustError, verify_credential
from fabnet.service.node_config import ConfigError, NodeConfig


@dataclass(frozen=True)
class MembershipBundle:
    """What `fabnet hub add-member` hands a member: its credential, the hub's anchor key and the hub's URL."""

    credential: str
    anchor: HubAnchor
    hub_url: str | None

    def to_json(self) -> dict:
        return {
            "credential": self.credential,
            "hub_id": self.anchor.hub_id,
            "hub_public_jwk": self.anchor.public_jwk,
            "hub_url": self.hub_url,
        }

    @classmethod
    def from_json(cls, data: dict) -> "MembershipBundle":
        return cls(data["credential"], HubAnchor(data["hub_id"], data["hub_public_jwk"]), data.get("hub_url"))


def load_or_create_keys(path: Path) -> tuple[KeyPairs, bool]:
    """The key pair in `path`; generated (file mode 0600) if the file does not exist yet. Second: whether new."""
    if path.exists():
        return _read_keys(path), False
    keys = KeyPairs.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(keys.private_jwks(), handle)
    return keys, True


def _read_keys(path: Path) -> KeyPairs:
    try:
        return KeyPairs.from_jwks(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError) as error:
        raise ConfigError(f"{path}: not a usable key set ({error})") from None


def rotate_keys(path: Path) -> KeyPairs:
    """Add a fresh key pair to the key file, keeping the present keys as retired; the node signs with the new pair
    from its next start. Publish `public_jwks(with_retired=True)` at the hub first, so peers accept both meanwhile.
    """
    keys = _read_keys(path).rotated()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".keys-", suffix=".tmp")  # created with mode 0600
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(keys.private_jwks(), out)
    os.replace(temporary, path)
    return keys


def load_bundle(path: Path) -> MembershipBundle:
    try:
        return MembershipBundle.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"{path}: membership bundle not found") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{path}: not a membership bundle ({error})") from None


@dataclass(frozen=True)
class NodeIdentity:
    member_id: str
    keys: KeyPairs
    own: Member
    bundle: MembershipBundle | None
    keys_created: bool


def node_identity(config: NodeConfig) -> NodeIdentity:
    keys, created = load_or_create_keys(config.resolved_keys_file)
    now = datetime.now(UTC)
    if config.credential_file is None:
        credential = MembershipCredential(
            member_id=config.member_id, company_name=config.company_name, kvk="00000000", hub_id="(none)",
            endpoint=config.base_url, jwks=keys.public_jwks(), issued_at=now, expires_at=now,
        )
        return NodeIdentity(config.member_id, keys, Member(credential, PublicKeys.from_jwks(keys.public_jwks())), None,
                            created)
    bundle = load_bundle(config.credential_file)
    try:
        credential = verify_credential(bundle.credential, bundle.anchor, now)
    except TrustError as error:
        raise ConfigError(f"{config.credential_file}: {error}") from None
    public = {key["kid"] for key in keys.public_jwks()["keys"]}
    if not public <= {key.get("kid") for key in credential.jwks.get("keys", [])}:
        raise ConfigError(f"{config.credential_file}: the credential names other keys than {config.resolved_keys_file}")
    return NodeIdentity(credential.member_id, keys, Member(credential, _own_public_keys(keys, credential)), bundle,
                        created)


def _own_public_keys(keys: KeyPairs, credential: MembershipCredential) -> PublicKeys:
    """The credential's keys, plus the node's retired signing keys: its own audit entries signed before a rotation
    keep verifying after the hub dropped the old key (retired keys come first: the credential's stay current)."""
    named = {key.get("kid") for key in credential.jwks.get("keys", [])}
    retired = [key for key in keys.public_jwks(with_retired=True)["keys"]
               if key.get("kid") not in named and key.get("crv") == "Ed25519"]
    return PublicKeys.from_jwks({"keys": [*retired, *credential.jwks.get("keys", [])]})
