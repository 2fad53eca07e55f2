"""`fabnet exchange`: Dataspace Protocol client: catalog, negotiate, transfer."""

from fabnet.cli.root import group

app = group("exchange", "Dataspace Protocol client: catalog, negotiate, transfer.")
