"""`fabnet telemetry`: Machine-signal simulator over OPC UA and MQTT."""

from fabnet.cli.root import group

app = group("telemetry", "Machine-signal simulator over OPC UA and MQTT.")
