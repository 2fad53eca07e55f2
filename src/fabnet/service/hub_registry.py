"""The hub's member registry: its signing key (a file, mode 0600), and in its database the credentials it issued
and the members it revoked. A `members.json` of an older hub in the data folder is taken over once."""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import select

from fabnet.network.trust import (
    HubAnchor,
    MembershipCredential,
    TrustError,
    issue_credential,
    issue_revocation_list,
    issue_trust_list,
    verify_credential,
)
from fabnet.service.hub_config import HubConfig
from fabnet.service.node_identity import MembershipBundle
from fabnet.store import Store, open_store
from fabnet.store.hub_tables import HubMemberRow

__all__ = ["HubConfig", "HubRegistry", "RegisteredMember"]

LEGACY_MEMBERS_FILE = "members.json"


@dataclass(frozen=True)
class RegisteredMember:
    credential: MembershipCredential
    token: str
    revoked: bool


class HubRegistry:
    """Members and trust lists of one hub; `close()` releases the database."""

    def __init__(self, config: HubConfig, store: Store | None = None) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.key = _load_or_create_key(config.resolved_key_file)
        self.store = store or open_store(config.resolved_database_url)
        self._take_over_legacy_file(config.data_dir / LEGACY_MEMBERS_FILE)

    @property
    def anchor(self) -> HubAnchor:
        return HubAnchor(self.config.hub_id, self.key.as_dict(private=False))

    def close(self) -> None:
        self.store.close()

    def add_member(self, member_id: str, company_name: str, kvk: str, endpoint: str, jwks: dict) -> MembershipBundle:
        now = datetime.now(UTC)
        credential = issue_credential(self.key, self.config.hub_id, member_id, company_name, kvk, endpoint, jwks, now)
        with self.store.transaction() as uow:
            row = uow.session.get(HubMemberRow, member_id)
            if row is None:
                uow.session.add(HubMemberRow(member_id=member_id, credential=credential, revoked=False, issued_at=now))
            else:
                row.credential, row.revoked, row.issued_at = credential, False, now
        return MembershipBundle(credential, self.anchor, self.config.base_url)

    def revoke(self, member_id: str) -> bool:
        with self.store.transaction() as uow:
            row = uow.session.get(HubMemberRow, member_id)
            if row is None:
                return False
            row.revoked = True
        return True

    def members(self) -> dict[str, str]:
        """Every member ever onboarded (revoked ones too) with its credential JWT."""
        with self.store.transaction() as uow:
            return {row.member_id: row.credential for row in uow.session.scalars(select(HubMemberRow))}

    def revoked(self) -> set[str]:
        with self.store.transaction() as uow:
            return set(uow.session.scalars(select(HubMemberRow.member_id).where(HubMemberRow.revoked)))

    def member(self, member_id: str) -> RegisteredMember | None:
        with self.store.transaction() as uow:
            row = uow.session.get(HubMemberRow, member_id)
            return None if row is None else self._registered(row)

    def registered_members(self) -> list[RegisteredMember]:
        with self.store.transaction() as uow:
            rows = uow.session.scalars(select(HubMemberRow).order_by(HubMemberRow.member_id)).all()
            return [self._registered(row) for row in rows]

    def _registered(self, row: HubMemberRow) -> RegisteredMember:
        try:
            credential = verify_credential(row.credential, self.anchor, datetime.now(UTC))
        except TrustError:
            # expired (or signed by a replaced key): still listed, but no longer trusted
            return RegisteredMember(_unverified_credential(row.credential), row.credential, revoked=True)
        return RegisteredMember(credential, row.credential, revoked=row.revoked)

    def trust_list(self) -> str:
        return issue_trust_list(self.key, self.config.hub_id, self.members().values(), datetime.now(UTC))

    def revocation_list(self) -> str:
        return issue_revocation_list(self.key, self.config.hub_id, self.revoked(), datetime.now(UTC))

    def _take_over_legacy_file(self, path: Path) -> None:
        """Move the credentials of a hub from before the database into it (once; the file is renamed)."""
        if not path.exists():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        revoked = set(data.get("revoked", []))
        now = datetime.now(UTC)
        with self.store.transaction() as uow:
            for member_id, credential in data.get("credentials", {}).items():
                if uow.session.get(HubMemberRow, member_id) is None:
                    uow.session.add(HubMemberRow(member_id=member_id, credential=credential,
                                                 revoked=member_id in revoked, issued_at=now))
        os.replace(path, path.with_suffix(".json.imported"))


def _unverified_credential(token: str) -> MembershipCredential:
    claims = json.loads(jws.extract_compact(token.encode()).payload)
    return MembershipCredential.model_validate(claims["member"])


def _load_or_create_key(path: Path) -> OKPKey:
    if not path.exists():
        key = OKPKey.generate_key("Ed25519", parameters={"use": "sig"})
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process of this hub made it first: use that one
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(key.as_dict(private=True)))
    key = OKPKey.import_key(json.loads(path.read_text(encoding="utf-8")))
    key.ensure_kid()
    return key
