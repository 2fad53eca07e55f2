"""Hypothesis strategies for valid domain records, drawn from the constraints of the pydantic models.

Text is drawn from letters, digits, punctuation, symbols and spaces of all of Unicode, plus tab, CR and LF; it
leaves out the other control characters and the surrogates, which XML 1.0 cannot carry (AAS constraint AASd-130
forbids them in every format).
"""

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from fabnet.domain import (
    Address,
    BomLine,
    BoundingBox,
    CadFile,
    ChangeoverMatrix,
    ChangeoverRule,
    Company,
    Design,
    DesignKind,
    Features,
    Machine,
    MachineSkill,
    Measurement,
    Operation,
    OperationMode,
    Order,
    OrderStatus,
    Part,
    PartVerdict,
    ProcessPlan,
    RouteStep,
    Shift,
    ShiftCalendar,
    TimeWindow,
    Tolerance,
)
from fabnet.domain.skills import SKILLS

identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/\-]{0,24}", fullmatch=True)
texts = (
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs"), include_characters="\t\n\r"), min_size=1, max_size=16)
    .map(str.strip)
    .filter(bool)
)
optional_texts = st.one_of(st.just(""), texts)
keys = st.one_of(st.from_regex(r"[a-z][a-z0-9_]{1,12}", fullmatch=True), texts)
"""Dictionary keys: mostly valid idShorts, sometimes free text (which the codec writes as Key/Value pairs)."""
finite = st.floats(allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0, exclude_min=True, allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0, allow_nan=False, allow_infinity=False)
zones = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones)
scalars = st.one_of(texts, finite, st.integers(-(10**20), 10**20))
skills = st.sampled_from(sorted(SKILLS))


def _optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


addresses = st.builds(
    Address,
    street=texts,
    postal_code=st.from_regex(r"[0-9]{4} ?[A-Z]{2}", fullmatch=True),
    city=texts,
    country=st.from_regex(r"[A-Z]{2}", fullmatch=True),
    latitude=st.floats(-90, 90),
    longitude=st.floats(-180, 180),
)

companies = st.builds(
    Company,
    id=identifiers,
    name=texts,
    kvk=st.from_regex(r"[0-9]{8}", fullmatch=True),
    vat_id=st.from_regex(r"NL[0-9]{9}B[0-9]{2}", fullmatch=True),
    address=addresses,
    hub_id=identifiers,
    role=st.sampled_from(["manufacturer", "oem", "service"]),
    email=optional_texts,
)


@st.composite
def machine_skills(draw: st.DrawFn) -> MachineSkill:
    minimum = draw(non_negative)
    maximum = draw(_optional(st.floats(min_value=max(minimum, 1e-9), allow_nan=False, allow_infinity=False)))
    return MachineSkill(
        skill=draw(skills),
        materials=tuple(draw(st.lists(texts, max_size=3))),
        min_thickness_mm=minimum,
        max_thickness_mm=maximum,
        envelope_mm=draw(_optional(st.tuples(positive, positive, positive))),
        tolerance_mm=draw(_optional(positive)),
        parameters=draw(st.dictionaries(keys, finite, max_size=3)),
    )


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(st.integers(0, 1439))
    return Shift(
        weekdays=tuple(draw(st.lists(st.integers(0, 6), max_size=7))),
        start_minute=start,
        end_minute=draw(st.integers(start + 1, 2880)),
    )


@st.composite
def time_windows(draw: st.DrawFn) -> TimeWindow:
    start = draw(st.integers(0, 10**6))
    return TimeWindow(start=start, end=draw(st.integers(start + 1, start + 10**5)), reason=draw(texts))


changeovers = st.builds(
    ChangeoverMatrix,
    default_minutes=st.integers(0, 600),
    rules=st.lists(
        st.builds(ChangeoverRule, from_family=texts, to_family=texts, minutes=st.integers(0, 600)), max_size=3
    ).map(tuple),
)


@st.composite
def machines(draw: st.DrawFn) -> Machine:
    power = draw(positive)
    return Machine(
        id=draw(identifiers),
        company_id=draw(identifiers),
        name=draw(texts),
        skills=tuple(draw(st.lists(machine_skills(), min_size=1, max_size=3))),
        hourly_rate_eur=draw(st.decimals(min_value=0, max_value=10**7, places=2)),
        power_kw=power,
        idle_power_kw=draw(st.floats(min_value=0, max_value=power)),
        calendar=ShiftCalendar(shifts=tuple(draw(st.lists(shifts(), max_size=3)))),
        maintenance=tuple(draw(st.lists(time_windows(), max_size=2))),
        changeovers=draw(changeovers),
        initial_family=draw(_optional(texts)),
        manufacturer=draw(optional_texts),
        model=draw(optional_texts),
        year_of_construction=draw(_optional(st.integers(1950, 2100))),
    )


@st.composite
def features(draw: st.DrawFn) -> Features:
    coated = draw(non_negative)
    colour = draw(texts) if coated > 0 else draw(_optional(texts))
    return Features(
        cut_contour_mm=draw(non_negative),
        pierces=draw(st.integers(0, 10**6)),
        holes=draw(st.integers(0, 10**6)),
        bends=draw(st.integers(0, 10**4)),
        weld_length_mm=draw(non_negative),
        milled_volume_cm3=draw(non_negative),
        turned_length_mm=draw(non_negative),
        printed_volume_cm3=draw(non_negative),
        coated_area_m2=coated,
        coating_colour=colour,
    )


@st.composite
def tolerances(draw: st.DrawFn) -> Tolerance:
    lower = draw(st.floats(-1e6, 1e6))
    upper = draw(st.floats(lower, 1e6 + 1).filter(lambda u: u > lower))
    nominal = draw(st.floats(lower, upper))
    return Tolerance(characteristic=draw(texts), nominal_mm=nominal, lower_mm=lower, upper_mm=upper)


cad_files = st.builds(
    CadFile,
    name=texts,
    media_type=st.one_of(st.just("model/step"), st.just("application/pdf"), texts),
    sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    size_bytes=st.integers(0, 10**12),
)


@st.composite
def designs(draw: st.DrawFn) -> Design:
    design_id = draw(identifiers)
    kind = draw(st.sampled_from(DesignKind))
    bom: tuple[BomLine, ...] = ()
    if kind is DesignKind.ASSEMBLY:
        components = identifiers.filter(lambda i: i != design_id)
        bom = tuple(
            draw(st.lists(st.builds(BomLine, design_id=components, quantity=st.integers(1, 10**4)), min_size=1,
                          max_size=4))
        )
    return Design(
        id=design_id,
        name=draw(texts),
        owner_id=draw(identifiers),
        product_family=draw(texts),
        kind=kind,
        revision=draw(texts),
        material=draw(texts),
        thickness_mm=draw(_optional(positive)),
        bounding_box=BoundingBox(x_mm=draw(positive), y_mm=draw(positive), z_mm=draw(positive)),
        mass_kg=draw(positive),
        features=draw(features()),
        tolerances=tuple(draw(st.lists(tolerances(), max_size=3))),
        bom=bom,
        cad_files=tuple(draw(st.lists(cad_files, max_size=2))),
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    release = draw(moments)
    return Order(
        id=draw(identifiers),
        customer_id=draw(identifiers),
        supplier_id=draw(identifiers),
        design_id=draw(identifiers),
        quantity=draw(st.integers(1, 1_000_000)),
        release=release,
        due=release + draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400))),
        weight=draw(st.integers(1, 100)),
        status=draw(st.sampled_from(OrderStatus)),
        customer_reference=draw(optional_texts),
    )


@st.composite
def process_plans(draw: st.DrawFn) -> ProcessPlan:
    operation_ids = draw(st.lists(identifiers, min_size=1, max_size=4, unique=True))
    operations = []
    for index, operation_id in enumerate(operation_ids):
        machines_used = draw(st.lists(identifiers, min_size=1, max_size=3, unique=True))
        operations.append(
            Operation(
                id=operation_id,
                skill=draw(skills),
                name=draw(texts),
                predecessors=tuple(draw(st.lists(st.sampled_from(operation_ids[:index]), unique=True)))
                if index
                else (),
                modes=tuple(
                    OperationMode(
                        machine_id=m,
                        duration_min=draw(st.integers(0, 10**5)),
                        setup_minutes_hint=draw(st.integers(0, 600)),
                        skill=draw(_optional(skills)),
                        instructions=draw(st.dictionaries(keys, scalars, max_size=2)),
                    )
                    for m in machines_used
                ),
                setup_family=draw(texts),
                setup_attributes=draw(st.dictionaries(keys, texts, max_size=3)),
                instructions=draw(st.dictionaries(keys, scalars, max_size=4)),
                time_model=draw(optional_texts),
            )
        )
    return ProcessPlan(
        design_id=draw(identifiers),
        company_id=draw(identifiers),
        quantity=draw(st.integers(1, 10**6)),
        operations=tuple(operations),
    )


@st.composite
def route_steps(draw: st.DrawFn) -> RouteStep:
    start = draw(moments)
    return RouteStep(
        operation_id=draw(identifiers),
        machine_id=draw(identifiers),
        start=start,
        end=start + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))),
        instructions=draw(st.dictionaries(keys, scalars, max_size=3)),
        signals_summary=draw(st.dictionaries(keys, finite, max_size=3)),
        energy_kwh=draw(non_negative),
    )


measurements = st.builds(
    Measurement,
    characteristic=texts,
    value=st.floats(allow_nan=False),
    unit=texts,
    timestamp=moments,
    part_id=_optional(identifiers),
    machine_id=_optional(identifiers),
    lower_limit=_optional(finite),
    upper_limit=_optional(finite),
)

parts = st.builds(
    Part,
    id=identifiers,
    order_id=identifiers,
    design_id=identifiers,
    serial=texts,
    material_lot=optional_texts,
    route=st.lists(route_steps(), max_size=3).map(tuple),
    measurements=st.lists(measurements, max_size=3).map(tuple),
    verdict=st.sampled_from(PartVerdict),
    co2_kg=non_negative,
)

records_of_every_kind = st.one_of(companies, machines(), designs(), orders(), process_plans(), parts)
