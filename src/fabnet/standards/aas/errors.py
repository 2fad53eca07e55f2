"""The errors of reading and writing AAS documents, each a one-line message naming the file and the problem."""


class AasError(ValueError):
    """An AAS document that cannot be written or imported: `file: problem`."""


class AasContentError(ValueError):
    """An AAS environment whose content does not map onto fabnet's records (the path inside it and the reason)."""
