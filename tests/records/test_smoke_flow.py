from __future__ import annotations

from decimal import Decimal

from cecert.records.domain.years import certified_hours_by_subject, person_compliance
from cecert.records.enums import RecordState
from tests.factories import World
from tests.records.factories import CONFERENCE, advanced, declared


def test_public_and_professional_records_reach_certified(world: World) -> None:
    person = world.people["emp_zhongyuan"]
    public = advanced(world, declared(person))
    professional = advanced(world, declared(person, CONFERENCE, title="全国学术会议"))
    assert (public.state, professional.state) == (RecordState.CERTIFIED, RecordState.CERTIFIED)
    assert certified_hours_by_subject(person, 2025) == {
        "public": Decimal(24),
        "professional": Decimal(24),
        "total": Decimal(48),
    }
    assert person_compliance(person, 2025).earned["total"] == Decimal(48)
