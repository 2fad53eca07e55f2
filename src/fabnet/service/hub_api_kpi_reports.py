"""Members' KPI reports, kept in the hub's database: one row per (member, period), so a re-sent report replaces
the earlier one instead of counting twice; a report older than the stored one of the same period is refused."""

from datetime import UTC, datetime

from sqlalchemy import select

from fabnet.network.kpi_reports import KpiReport
from fabnet.store import Store
from fabnet.store.hub_tables import HubKpiReportRow


class StaleReport(ValueError):
    """A report generated before the one the hub already holds for the same member and period."""


class KpiReportLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, report: KpiReport) -> bool:
        """Store the report; True if it replaced an earlier one of the same member and period."""
        first, last = report.bounds
        with self.store.transaction() as uow:
            row = uow.session.get(HubKpiReportRow, (report.member_id, report.period))
            values = {"first_day": first, "last_day": last, "generated_at": report.generated_at,
                      "received_at": datetime.now(UTC), "document": report.model_dump(mode="json")}
            if row is None:
                uow.session.add(HubKpiReportRow(member_id=report.member_id, period=report.period, **values))
                return False
            stored = row.generated_at if row.generated_at.tzinfo else row.generated_at.replace(tzinfo=UTC)
            if report.generated_at < stored:
                raise StaleReport(f"generated_at: the hub holds a newer report of {report.period} from "
                                  f"{report.member_id} (generated {stored.isoformat()})")
            for key, value in values.items():
                setattr(row, key, value)
            return True

    def reports(self) -> list[KpiReport]:
        with self.store.transaction() as uow:
            rows = uow.session.scalars(select(HubKpiReportRow).order_by(HubKpiReportRow.member_id,
                                                                        HubKpiReportRow.first_day))
            return [KpiReport.model_validate(row.document) for row in rows]
