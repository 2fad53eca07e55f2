"""Adapters between fabnet's domain and external standard formats (AAS, OPC UA, MQTT, UBL)."""
