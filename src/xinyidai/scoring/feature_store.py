"""Loading an entity's credit file as of a date into the snapshots `scoring.features` computes from.

Reads go through the registry's and creditdata's services. The database already leaves out what was received
after the day; `features.compute` applies the whole as-of rule again (`as_of.counting`, which the batch's
column-wise features apply too), so the rule has one home that is pure and tested without a database.

The caller decides who may see the features and audits the read, as for any read of credit information.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import AuthoritativeChannel, MarkKind
from xinyidai.registry import service as registry_service
from xinyidai.scoring.features import EntitySnapshot, RecordSnapshot, compute


def snapshot(session: Session, *, enterprise_id: int, as_of: date) -> tuple[EntitySnapshot, list[RecordSnapshot]]:
    """The entity and every version of its records the platform had received by the end of `as_of`."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    items = {item.id: item for item in creditdata_service.list_items(session)}
    # A fact whose credit repair took effect on or before `as_of` no longer counts; before that day it still does.
    repaired = {key for key, kinds in creditdata_service.active_marks(session, enterprise_id=enterprise_id,
                                                                      as_of=as_of).items()
                if MarkKind.REPAIRED in kinds}
    records = [RecordSnapshot(
        id=record.id, item=items[record.catalogue_item_id].code, record_key=record.record_key, channel=record.channel,
        received_at=record.received_at, fact_date=record.fact_date, data=dict(record.data),
        authoritative=AuthoritativeChannel(items[record.catalogue_item_id].authoritative_channel),
        visible_days=items[record.catalogue_item_id].visible_days,
    ) for record in creditdata_service.records_known_by(session, enterprise_id=enterprise_id, as_of=as_of)
        if (record.catalogue_item_id, record.record_key) not in repaired]
    return EntitySnapshot(enterprise_id=enterprise.id, registration_date=enterprise.registration_date), records


def features_as_of(session: Session, *, enterprise_id: int, as_of: date) -> dict[str, float | None]:
    """The entity's features computed from what the platform knew on `as_of`."""
    entity, records = snapshot(session, enterprise_id=enterprise_id, as_of=as_of)
    return compute(as_of, entity, records)
