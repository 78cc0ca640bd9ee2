"""The platform admin runs end of day from its page, after a confirmation, and sees the history of runs."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.audit.actor import Actor
from xinyidai.loans import eod
from xinyidai.loans.models import EodRun


def test_the_admin_runs_the_next_day_after_confirming_and_sees_the_history(
    client: TestClient, session: Session, world: World
) -> None:
    yesterday = clock.today() - timedelta(days=1)
    eod.run(session, business_date=yesterday - timedelta(days=1), actor=Actor.system("test"))
    session.commit()
    login(client, "admin")
    page = client.get("/admin/end-of-day")
    assert page.status_code == 200
    assert 'href="/admin/end-of-day"' in page.text  # in the navigation
    assert f'data-testid="eod-run-{yesterday - timedelta(days=1)}"' in page.text
    assert f'data-testid="eod-next-date">{yesterday}<' in page.text
    assert 'data-testid="eod-confirm-form"' not in page.text  # the button leads to a confirmation first
    confirm = client.get("/admin/end-of-day/confirm").text
    assert 'data-testid="eod-confirm-form"' in confirm
    form = {"csrf_token": page_csrf(client, "/admin/end-of-day/confirm"),
            "business_date": re.findall(r'name="business_date" value="([^"]+)"', confirm)[0]}
    response = client.post("/admin/end-of-day", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/end-of-day"
    history = client.get("/admin/end-of-day").text
    assert f"{yesterday} 日终处理完成" in history and f'data-testid="eod-run-{yesterday}"' in history
    # The same confirmation sent again runs nothing twice.
    assert client.post("/admin/end-of-day", data=form, follow_redirects=False).status_code == 303
    assert "未重复执行" in client.get("/admin/end-of-day").text
    session.expire_all()
    assert [r.business_date for r in session.scalars(select(EodRun).order_by(EodRun.business_date))] == [
        yesterday - timedelta(days=1), yesterday]


def test_only_the_platform_admin_sees_the_end_of_day_page(client: TestClient, world: World) -> None:
    login(client, "a.manager")
    assert client.get("/admin/end-of-day", follow_redirects=False).status_code == 403
