"""Machines and designs of the node's company: list, read, add and (machines) replace."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from fabnet.domain import Design, Machine
from fabnet.service import api_queries
from fabnet.service.access import Principal, Role, reader, require
from fabnet.service.api_errors import ERROR_RESPONSES, ErrorRoute, conflict, invalid, not_found
from fabnet.service.api_records import Limit, Offset, Page, company_id, own_company_id, record_page, runtime_of
from fabnet.store import UnitOfWork
from fabnet.store.records import DESIGNS

router = APIRouter(prefix="/api/v1", tags=["catalogue"], route_class=ErrorRoute, responses=ERROR_RESPONSES)
Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Reader = Annotated[Principal, Depends(reader)]


def _own_machine(uow: UnitOfWork, machine: Machine) -> None:
    own = company_id(uow.session)
    if machine.company_id != own:
        raise invalid(f"company_id: machine {machine.id!r} belongs to {machine.company_id!r}, this node runs {own!r}")


@router.get("/machines", response_model=Page[Machine], summary="The company's machines")
async def list_machines(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0) -> Page[Machine]:
    store = runtime_of(request).store
    own = own_company_id(store)
    with api_queries.reading(store) as connection:
        documents, total = api_queries.machine_page(connection, own, limit, offset)
    return Page[Machine](items=[api_queries.load(Machine, d) for d in documents], total=total, limit=limit,
                         offset=offset)


@router.post("/machines", response_model=Machine, status_code=201, summary="Add a machine")
async def add_machine(machine: Machine, request: Request, _: Planner) -> Machine:
    with runtime_of(request).store.transaction() as uow:
        _own_machine(uow, machine)
        if uow.machines.find(machine.id) is not None:
            raise conflict(f"id: machine {machine.id!r} exists already (PUT /api/v1/machines/{machine.id} replaces it)")
        uow.machines.add(machine)
    return machine


@router.get("/machines/{machine_id}", response_model=Machine, summary="One machine")
async def get_machine(machine_id: str, request: Request, _: Reader) -> Machine:
    with runtime_of(request).store.transaction() as uow:
        machine = uow.machines.find(machine_id)
        if machine is None or machine.company_id != company_id(uow.session):
            raise not_found(f"machine_id: no machine {machine_id!r}")
        return machine


@router.put("/machines/{machine_id}", response_model=Machine, summary="Replace (or add) a machine")
async def put_machine(machine_id: str, machine: Machine, request: Request, _: Planner) -> Machine:
    if machine.id != machine_id:
        raise invalid(f"id: the body names machine {machine.id!r}, the path {machine_id!r}")
    with runtime_of(request).store.transaction() as uow:
        _own_machine(uow, machine)
        uow.machines.put(machine)
    return machine


@router.get("/designs", response_model=Page[Design], summary="Designs the node holds")
async def list_designs(request: Request, _: Reader, limit: Limit = 100, offset: Offset = 0,
                       owner_id: str | None = None) -> Page[Design]:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        return record_page(uow.session, DESIGNS, limit, offset, owner_id=owner_id)


@router.post("/designs", response_model=Design, status_code=201, summary="Add a design")
async def add_design(design: Design, request: Request, _: Planner) -> Design:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        if uow.companies.find(design.owner_id) is None:
            raise invalid(f"owner_id: no company {design.owner_id!r} is known to this node")
        for line in design.bom:
            if uow.designs.find(line.design_id) is None:
                raise invalid(f"bom: design {line.design_id!r} is not stored")
        if uow.designs.find(design.id) is not None:
            raise conflict(f"id: design {design.id!r} exists already")
        uow.designs.add(design)
    return design


@router.get("/designs/{design_id}", response_model=Design, summary="One design")
async def get_design(design_id: str, request: Request, _: Reader) -> Design:
    with runtime_of(request).store.transaction() as uow:
        company_id(uow.session)
        design = uow.designs.find(design_id)
        if design is None:
            raise not_found(f"design_id: no design {design_id!r}")
        return design
