"""The regional network: the hub as trust anchor (membership credentials, trust and revocation lists)."""
