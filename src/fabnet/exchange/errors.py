"""Protocol errors carried as the DSP error body (`ContractNegotiationError`, `TransferError`, `CatalogError`)."""


class ProtocolError(Exception):
    """A refusal: HTTP status, DSP error code and a one-line reason; the pids when the process is known.

    Not a frozen dataclass: exceptions get `__traceback__` assigned as they travel through context managers.
    """

    def __init__(self, status: int, code: str, reason: str, provider_pid: str | None = None,
                 consumer_pid: str | None = None) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.provider_pid = provider_pid
        self.consumer_pid = consumer_pid


class IllegalTransition(ProtocolError):
    """A message that the process's current state does not allow; nothing changes."""
