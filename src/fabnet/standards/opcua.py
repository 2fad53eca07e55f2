"""OPC UA telemetry (asyncua): a server with a node per machine and a variable per signal, and a subscriber.

Address space: Objects/Machines/<machine id> (string node id `<machine>`), with a Double variable per signal and
measured characteristic (node id `<machine>/<signal>`, engineering unit in its description) and a String
variable `part_id` (node id `<machine>/part_id`) holding the part being made. Until the first part, variables
hold the status BadWaitingForInitialData. Node ids are stable, so a restarted server is the same address space
to a reconnecting client.

The subscriber uses asyncua's supervisor for reconnects (exponential back-off up to `max_backoff`; after a
network drop the session is re-activated and missed notifications republished, after a server restart a new
session re-creates the subscription); the first connection is retried with the same back-off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from asyncua import Client, Node, Server, ua

from fabnet.standards.mqtt import ReceivedSample
from fabnet.twin.signals import MachineProfile, PartRecord, Sample

NAMESPACE_URI = "urn:fabnet:telemetry"
PART_VARIABLE = "part_id"


class ServerUnavailable(ConnectionError):
    """The OPC UA server cannot be reached; the message names the endpoint."""


def endpoint_url(host: str, port: int) -> str:
    return f"opc.tcp://{host}:{port}/fabnet/"


_NOT_YET = ua.DataValue(ua.Variant(0.0, ua.VariantType.Double),
                       StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData))


class OpcUaTelemetryServer:
    """Serves the signals of a set of machines; `write_part` publishes one part's samples."""

    def __init__(self, profiles: Sequence[MachineProfile], host: str = "127.0.0.1", port: int = 4840) -> None:
        self.profiles = list(profiles)
        self.host, self.port = host, port
        self.url = endpoint_url(host, port)
        self._server: Server | None = None
        self._nodes: dict[tuple[str, str], Node] = {}
        self._index = 0
        self.running = False

    async def start(self) -> None:
        """Build the address space (first time only) and listen; after `stop`, listens again on the same port."""
        if self._server is None:
            self._server = await self._build()
        try:
            await self._server.start()
        except OSError as error:
            raise ServerUnavailable(f"OPC UA server cannot listen on {self.host}:{self.port}: "
                                    f"{error.strerror or error}") from None
        self.running = True

    async def _build(self) -> Server:
        server = Server()
        await server.init()
        server.set_endpoint(self.url)
        server.set_server_name("fabnet telemetry")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self._index = await server.register_namespace(NAMESPACE_URI)
        folder = await server.nodes.objects.add_folder(ua.NodeId("Machines", self._index), "Machines")
        for profile in self.profiles:
            machine = await folder.add_object(ua.NodeId(profile.machine_id, self._index), profile.machine_id)
            company = await machine.add_property(ua.NodeId(f"{profile.machine_id}/company_id", self._index),
                                                 "company_id", profile.company_id)
            await company.set_writable(False)
            names = [(s.name, s.unit) for s in profile.signals] + [(c.name, c.unit) for c in profile.characteristics]
            for name, unit in names:
                node = await machine.add_variable(ua.NodeId(f"{profile.machine_id}/{name}", self._index), name,
                                                  ua.Variant(0.0, ua.VariantType.Double))
                await node.write_value(_NOT_YET)  # no part made yet: a subscriber must not take 0.0 for a sample
                description = ua.Variant(ua.LocalizedText(unit), ua.VariantType.LocalizedText)
                await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(description))
                self._nodes[(profile.machine_id, name)] = node
            self._nodes[(profile.machine_id, PART_VARIABLE)] = await machine.add_variable(
                ua.NodeId(f"{profile.machine_id}/{PART_VARIABLE}", self._index), PART_VARIABLE,
                ua.Variant("", ua.VariantType.String))
        return server

    async def write(self, sample: Sample) -> None:
        node = self._nodes.get((sample.machine_id, sample.name))
        if node is None:
            raise ValueError(f"machine {sample.machine_id!r} has no OPC UA variable {sample.name!r}")
        await node.write_value(ua.DataValue(ua.Variant(sample.value, ua.VariantType.Double),
                                            SourceTimestamp=sample.timestamp, ServerTimestamp=sample.timestamp))

    async def write_part(self, record: PartRecord) -> None:
        """The part id first, then every sample of the part (so a subscriber can attribute them)."""
        stamp = record.start
        await self._nodes[(record.machine_id, PART_VARIABLE)].write_value(
            ua.DataValue(ua.Variant(record.part_id, ua.VariantType.String), SourceTimestamp=stamp,
                         ServerTimestamp=stamp))
        for sample in record.samples:
            await self.write(sample)

    async def stop(self) -> None:
        """Stop listening (clients lose their sessions); the address space is kept for a later `start`."""
        if self._server is not None and self.running:
            self.running = False
            try:  # asyncua's stop can wait forever on a client that does not let go; do not hang the caller
                await asyncio.wait_for(self._server.stop(), 10.0)
            except TimeoutError:
                logging.getLogger(__name__).warning("OPC UA server on port %s did not stop within 10 s", self.port)


class _Handler:
    """asyncua data-change handler: turns notifications into ReceivedSamples."""

    def __init__(self, ingestor: OpcUaIngestor) -> None:
        self.ingestor = ingestor

    def datachange_notification(self, node: Node, value: object, data: object) -> None:
        self.ingestor._changed(node, value, data)


class OpcUaIngestor:
    """Subscribes to every machine variable of an `OpcUaTelemetryServer` and hands samples to `on_samples`."""

    def __init__(
        self,
        url: str,
        on_samples: Callable[[Sequence[ReceivedSample]], None],
        *,
        publishing_ms: float = 50.0,
        queue_size: int = 1000,
        max_backoff: float = 30.0,
        timeout: float = 4.0,
    ) -> None:
        self.url = url
        self.on_samples = on_samples
        self.publishing_ms = publishing_ms
        self.queue_size = queue_size
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.received = 0
        self.notifications = 0
        """Every data change, including the current values a (re)created subscription reports first."""
        self.connects = 0
        self.losses = 0
        """Connection losses asyncua's supervisor detected (each followed by reconnect attempts)."""
        self._client: Client | None = None
        self._meaning: dict[str, tuple[str, str, str]] = {}  # node id -> (company, machine, signal)
        self._parts: dict[str, list[tuple[datetime, str]]] = {}  # machine -> recent (part start, part id)
        self._units: dict[str, str] = {}

    async def start(self, attempts: int = 1) -> None:
        """Connect, browse and subscribe; after `attempts` failed tries (exponential back-off) ServerUnavailable."""
        delay = 0.5
        for attempt in range(attempts):
            client = Client(self.url, timeout=self.timeout, watchdog_intervall=1.0, auto_reconnect=True,
                            reconnect_max_delay=self.max_backoff)
            client.connection_lost_callback = self._lost
            try:
                await client.connect()
            except (TimeoutError, OSError, ua.UaError) as error:
                if attempt + 1 >= attempts:
                    raise ServerUnavailable(f"OPC UA server {self.url} is not reachable: {error!r}") from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            self._client = client
            self.connects += 1
            break
        assert self._client is not None
        await self._subscribe(self._client)

    async def _lost(self, error: Exception) -> None:
        self.losses += 1

    def drop_connection(self) -> None:
        """Cut the TCP connection without closing the session (as a failing network would); asyncua reconnects."""
        protocol = self._client.uaclient.protocol if self._client is not None else None
        if protocol is not None and protocol.transport is not None:
            protocol.transport.abort()

    @property
    def connected(self) -> bool:
        """True while the session is up (asyncua's supervisor reconnects it after a loss)."""
        return self._client is not None and self._client.state.name == "CONNECTED"

    async def _subscribe(self, client: Client) -> None:
        index = await client.get_namespace_index(NAMESPACE_URI)
        folder = client.get_node(ua.NodeId("Machines", index))
        nodes: list[Node] = []
        for machine in await folder.get_children():
            machine_id = (await machine.read_browse_name()).Name
            company = ""
            for child in await machine.get_children():
                name = (await child.read_browse_name()).Name
                if name == "company_id":
                    company = str(await child.read_value())
            for child in await machine.get_children():
                name = (await child.read_browse_name()).Name
                if name == "company_id":
                    continue
                key = child.nodeid.to_string()
                self._meaning[key] = (company, machine_id, name)
                if name != PART_VARIABLE:
                    description = await child.read_description()
                    self._units[key] = description.Text or ""
                nodes.append(child)
        subscription = await client.create_subscription(self.publishing_ms, _Handler(self))
        # part ids first so a machine's part is known before its samples arrive in the same notification
        nodes.sort(key=lambda n: self._meaning[n.nodeid.to_string()][2] != PART_VARIABLE)
        await subscription.subscribe_data_change(nodes, queuesize=self.queue_size)

    def _changed(self, node: Node, value: object, data: object) -> None:
        self.notifications += 1
        key = node.nodeid.to_string()
        meaning = self._meaning.get(key)
        if meaning is None:
            return
        company, machine, name = meaning
        data_value = getattr(getattr(data, "monitored_item", None), "Value", None)
        status = getattr(data_value, "StatusCode", None)
        if status is not None and not status.is_good():
            return  # e.g. BadWaitingForInitialData: a (restarted) server that has no value yet
        stamp = getattr(data_value, "SourceTimestamp", None)
        if isinstance(stamp, datetime) and stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        parts = self._parts.setdefault(machine, [])
        if name == PART_VARIABLE:
            if value and stamp is not None and not any(part == value for _, part in parts):
                parts.append((stamp, str(value)))
                parts.sort()
                del parts[:-64]
            return
        if not parts:
            return  # a value before any part id: nothing to attribute it to
        # notifications may group values by variable, so attribute a sample by time, not by arrival; a part's
        # measurements carry its end time, which is the next part's start, hence the strict comparison
        part_id = next((part for start, part in reversed(parts) if stamp is None or start < stamp), parts[0][1])
        self.received += 1
        self.on_samples([ReceivedSample(company, machine, name, float(value),  # type: ignore[arg-type]
                                        self._units.get(key, ""), part_id, stamp)])

    async def stop(self) -> None:
        if self._client is not None:
            try:
                await self._client.disconnect()
            except (TimeoutError, OSError, ua.UaError) as error:
                logging.getLogger(__name__).debug("disconnect after loss: %r", error)
            self._client = None
