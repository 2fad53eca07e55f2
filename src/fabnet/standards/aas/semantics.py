"""Every semanticId and identifier scheme fabnet's AAS documents use, in one place.

IDTA submodel templates are used where one is published; their semanticIds are quoted from the templates:
- Digital Nameplate for Industrial Equipment 3.0 (IDTA 02006-3-0),
- Capability Description 1.0 (IDTA 02020-1-0),
- Hierarchical Structures enabling Bills of Material 1.0 (IDTA 02011-1-0),
- Carbon Footprint 0.9 (IDTA 02023-0-9),
- Time Series Data 1.1 (IDTA 02008-1-1).

IDTA publishes no Purchase Order, design-data, process-plan or part-genealogy template, so those submodels, and
every element without a template counterpart, carry a fabnet IRI under `https://fabnet.example/semantics/`:
`.../submodels/<Name>/1/0` for a submodel, `.../<Record>/<field>` for an element that holds the field of a domain
record, `.../<Record>` for a list item that holds a whole record, `.../skills/<code>` for a skill.
"""

from urllib.parse import quote, unquote

FABNET = "https://fabnet.example/semantics"
"""Root of fabnet's own concept IRIs (documented in the README's AAS section)."""

IDS = "https://fabnet.example/ids"
"""Root of the identifiers of the shells, submodels and assets fabnet writes."""

# --- Digital Nameplate 3.0 (IDTA 02006-3-0) ---------------------------------------------------------------------
NAMEPLATE = "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
NAMEPLATE_URI_OF_THE_PRODUCT = "0112/2///61987#ABN590#002"
NAMEPLATE_MANUFACTURER_NAME = "0112/2///61987#ABA565#009"
NAMEPLATE_PRODUCT_DESIGNATION = "0112/2///61987#ABA567#009"
NAMEPLATE_ADDRESS_INFORMATION = "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/AddressInformation"
NAMEPLATE_ORDER_CODE = "0112/2///61987#ABA950#008"
NAMEPLATE_SERIAL_NUMBER = "0112/2///61987#ABA951#009"
NAMEPLATE_YEAR_OF_CONSTRUCTION = "0112/2///61987#ABP000#002"
ADDRESS_STREET = "0173-1#02-AAO128#002"
ADDRESS_ZIPCODE = "0173-1#02-AAO129#002"
ADDRESS_CITY_TOWN = "0173-1#02-AAO132#002"
ADDRESS_NATIONAL_CODE = "0173-1#02-AAO134#002"

# --- Capability Description 1.0 (IDTA 02020-1-0) ----------------------------------------------------------------
CAPABILITY_DESCRIPTION = "https://admin-shell.io/idta/CapabilityDescription/1/0/Submodel"
CAPABILITY_SET = "https://admin-shell.io/idta/CapabilityDescription/CapabilitySet/1/0"
CAPABILITY_CONTAINER = "https://admin-shell.io/idta/CapabilityDescription/CapabilityContainer/1/0"
CAPABILITY_PROPERTY_SET = "https://admin-shell.io/idta/CapabilityDescription/PropertySet/1/0"
CAPABILITY_ROLE_OFFERED = "https://admin-shell.io/idta/CapabilityDescription/CapabilityRoleQualifier/Offered/1/0"

# --- Hierarchical Structures enabling Bills of Material 1.0 (IDTA 02011-1-0) ------------------------------------
HIERARCHICAL_STRUCTURES = "https://admin-shell.io/idta/HierarchicalStructures/1/0/Submodel"
HS_ARCHE_TYPE = "https://admin-shell.io/idta/HierarchicalStructures/ArcheType/1/0"
HS_ENTRY_NODE = "https://admin-shell.io/idta/HierarchicalStructures/EntryNode/1/0"
HS_NODE = "https://admin-shell.io/idta/HierarchicalStructures/Node/1/0"
HS_HAS_PART = "https://admin-shell.io/idta/HierarchicalStructures/HasPart/1/0"
HS_BULK_COUNT = "https://admin-shell.io/idta/HierarchicalStructures/BulkCount/1/0"

# --- Carbon Footprint 0.9 (IDTA 02023-0-9) ----------------------------------------------------------------------
CARBON_FOOTPRINT = "https://admin-shell.io/idta/CarbonFootprint/CarbonFootprint/0/9"
PRODUCT_CARBON_FOOTPRINT = "https://admin-shell.io/idta/CarbonFootprint/ProductCarbonFootprint/0/9"
PCF_CALCULATION_METHOD = "0173-1#02-ABG854#002"
PCF_CO2_EQ = "0173-1#02-ABG855#001"
PCF_REFERENCE_UNIT = "0173-1#02-ABG856#001"
PCF_QUANTITY = "0173-1#02-ABG857#001"
PCF_LIFE_CYCLE_PHASE = "0173-1#02-ABG858#001"

# --- Time Series Data 1.1 (IDTA 02008-1-1) ----------------------------------------------------------------------
TIME_SERIES = "https://admin-shell.io/idta/TimeSeries/1/1"
TS_METADATA = "https://admin-shell.io/idta/TimeSeries/Metadata/1/1"
TS_NAME = "https://admin-shell.io/idta/TimeSeries/Metadata/Name/1/1"
TS_SEGMENTS = "https://admin-shell.io/idta/TimeSeries/Segments/1/1"
TS_INTERNAL_SEGMENT = "https://admin-shell.io/idta/TimeSeries/Segments/InternalSegment/1/1"
TS_RECORDS = "https://admin-shell.io/idta/TimeSeries/Records/1/1"
TS_RECORD = "https://admin-shell.io/idta/TimeSeries/Record/1/1"
TS_TIME = "https://admin-shell.io/idta/TimeSeries/UtcTime/1/1"

# --- fabnet's own submodels (no IDTA template published) --------------------------------------------------------
COMPANY_DATA = f"{FABNET}/submodels/CompanyData/1/0"
MACHINE_OPERATION = f"{FABNET}/submodels/MachineOperation/1/0"
DESIGN_DATA = f"{FABNET}/submodels/DesignData/1/0"
PURCHASE_ORDER = f"{FABNET}/submodels/PurchaseOrder/1/0"
PROCESS_PLAN = f"{FABNET}/submodels/ProcessPlan/1/0"
PART_GENEALOGY = f"{FABNET}/submodels/PartGenealogy/1/0"
DICT_ENTRY = f"{FABNET}/DictionaryEntry"
CAD_FILE_CONTENT = f"{FABNET}/CadFile/content"
MANUFACTURING_INSTRUCTION = f"{FABNET}/ManufacturingInstruction"
ASSET_TYPE = f"{FABNET}/asset-types"


def field_semantic_id(record: str, field: str) -> str:
    """The fabnet concept of a domain record's field, e.g. `.../Machine/hourly_rate_eur`."""
    return f"{FABNET}/{record}/{field}"


def record_semantic_id(record: str) -> str:
    """The fabnet concept of a whole domain record, used for the items of a SubmodelElementList."""
    return f"{FABNET}/{record}"


def skill_semantic_id(code: str) -> str:
    """The concept of a skill of fabnet's vocabulary, e.g. `.../skills/cut.laser`."""
    return f"{FABNET}/skills/{code}"


def asset_type(kind: str) -> str:
    """The assetType that tells which kind of fabnet record a shell describes."""
    return f"{ASSET_TYPE}/{kind}"


def shell_id(kind: str, record_id: str) -> str:
    return f"{IDS}/aas/{kind}/{quote(record_id, safe='')}"


def asset_id(kind: str, record_id: str) -> str:
    return f"{IDS}/asset/{kind}/{quote(record_id, safe='')}"


def submodel_id(kind: str, record_id: str, name: str) -> str:
    return f"{IDS}/sm/{kind}/{quote(record_id, safe='')}/{name}"


def record_id_of_asset(kind: str, global_asset_id: str) -> str | None:
    """The record id inside an asset id written by `asset_id`, or None when it is not one of that kind."""
    prefix = f"{IDS}/asset/{kind}/"
    if not global_asset_id.startswith(prefix):
        return None
    return unquote(global_asset_id.removeprefix(prefix))
