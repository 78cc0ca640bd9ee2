"""Locust users for a district's 9 a.m.: firms logging in, opening their home page, asking 测一测 and applying; bank
staff on their workbench, in 信易查 and in credit files; department systems pushing rows with OAuth tokens.

Run by ``bench/bench_load.py``, which builds the demo district, starts the server and writes the fixture this file
reads (``LOADTEST_FIXTURE``: logins, the orders each bank may look up, the departments' client credentials). Locust
speaks HTTP only: this file imports nothing of the platform, so locust can live in a virtualenv of its own.

Pacing is constant throughput: each user issues ``LOADTEST_RPS_PER_USER`` requests a second whatever the answers'
speed (as long as it keeps up), so users × that rate is the load asked for. A task that sends several requests
(a login: the form, the post, the home page) waits correspondingly longer, by each class's mean requests per task.
Every request is named by its route template, so that locust's statistics group by route.

The ``FloorUser`` class is the floor: the cheapest authenticated request, ``GET /api/v1/me``, at the same rate.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any

from locust import HttpUser, constant_throughput, task

FIXTURE: dict[str, Any] = {}
if os.environ.get("LOADTEST_FIXTURE"):
    with open(os.environ["LOADTEST_FIXTURE"], encoding="utf-8") as fixture_file:
        FIXTURE = json.load(fixture_file)
RPS_PER_USER = float(os.environ.get("LOADTEST_RPS_PER_USER", "5"))
RNG = random.Random()  # noqa: S311 - which firm or order next, not secrets
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# Each process of users takes logins, banks and clients in turn, so that the load spreads over all of them.
_turns: dict[str, itertools.count[int]] = {}
_turns_lock = threading.Lock()


def _next(kind: str) -> int:
    with _turns_lock:
        return next(_turns.setdefault(kind, itertools.count()))


def _pick(kind: str) -> dict[str, Any]:
    options: list[dict[str, Any]] = FIXTURE[kind]
    return options[_next(kind) % len(options)]


def _pacing(mean_requests_per_task: float) -> Any:
    """Tasks at the rate that makes this user's requests come at RPS_PER_USER a second."""
    return constant_throughput(RPS_PER_USER / mean_requests_per_task)


class PortalUser(HttpUser):
    """A person in a browser: logs in through the form as the browser does (the CSRF cookie and field)."""

    abstract = True
    username = ""
    csrf = ""

    def login(self, home: str) -> None:
        """GET /login, POST /login (303), then the home page, whose CSRF token the API calls echo."""
        self.client.cookies.clear()
        form = self.client.get("/login", name="/login")
        match = CSRF_RE.search(form.text)
        with self.client.post("/login", name="/login", allow_redirects=False, catch_response=True,
                              data={"username": self.username, "password": FIXTURE["password"],
                                    "csrf_token": match.group(1) if match else ""}) as response:
            if response.status_code != 303:
                response.failure(f"login {self.username}: {response.status_code} {response.text[:200]}")
                return
        self.home(home)

    def home(self, path: str) -> None:
        """The home page; remembers the session's CSRF token it carries."""
        with self.client.get(path, name=path, catch_response=True) as response:
            match = CSRF_RE.search(response.text)
            if response.status_code == 200 and match:
                self.csrf = match.group(1)
            elif response.status_code == 200:
                response.failure(f"{path}: no CSRF token on the page")

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


class EnterpriseUser(PortalUser):
    """A firm's administrator: home page, 测一测, an application (withdrawn again), now and then a fresh login."""

    weight = 6
    # home 3×1, estimate 4×1, apply + withdraw 1×2, login (form, post, home) 1×3: 12 requests in 9 tasks
    wait_time = _pacing(12 / 9)

    def on_start(self) -> None:
        firm = _pick("enterprises")
        self.username, self.estimate_products, self.apply_products = (
            firm["username"], firm["estimate_product_ids"], firm["apply_product_ids"])
        self.login("/enterprise")

    @task(3)
    def enterprise_home(self) -> None:
        self.home("/enterprise")

    @task(4)
    def estimate(self) -> None:
        self.client.post("/api/v1/orders/estimate", name="/api/v1/orders/estimate", headers=self.headers(),
                         json={"product_id": RNG.choice(self.estimate_products)})

    @task(1)
    def apply_and_withdraw(self) -> None:
        """An application, withdrawn at once: the next one is as valid, and the bank's open queue keeps its size."""
        with self.client.post("/api/v1/orders", name="/api/v1/orders", headers=self.headers(), catch_response=True,
                              json={"product_id": RNG.choice(self.apply_products), "amount_fen": 20_000_000,
                                    "term_months": 12, "repayment_method": "equal_installment",
                                    "purpose": "采购原材料", "authorise": True}) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:300]}")
                return
            order_id = response.json()["id"]
        self.client.post(f"/api/v1/orders/{order_id}/withdraw", name="/api/v1/orders/{order_id}/withdraw",
                         headers=self.headers())

    @task(1)
    def login_again(self) -> None:
        self.login("/enterprise")


class BankUser(PortalUser):
    """A bank's loan officer or manager: the workbench page and list, 信易查 and credit files of its applicants."""

    weight = 3
    # workbench 6×1 (page 3, API 3), lookup 3×1, credit file 2×1, login 1×3: 14 requests in 12 tasks
    wait_time = _pacing(14 / 12)

    def on_start(self) -> None:
        bank = _pick("banks")
        self.username, self.lookups = bank["username"], bank["lookups"]
        self.login("/bank/workbench")

    @task(3)
    def workbench_page(self) -> None:
        self.home("/bank/workbench")

    @task(3)
    def workbench_list(self) -> None:
        self.client.get("/api/v1/orders", name="/api/v1/orders")

    @task(3)
    def credit_lookup(self) -> None:
        order = RNG.choice(self.lookups)
        self.client.get(f"/api/v1/orders/{order['order_id']}/credit-lookup",
                        name="/api/v1/orders/{order_id}/credit-lookup")

    @task(2)
    def credit_file(self) -> None:
        order = RNG.choice(self.lookups)
        self.client.get(f"/api/v1/enterprises/{order['enterprise_id']}/credit-file",
                        params={"purpose_ref": order["order_no"]},
                        name="/api/v1/enterprises/{enterprise_id}/credit-file")

    @task(1)
    def login_again(self) -> None:
        self.login("/bank/workbench")


class DepartmentSystem(HttpUser):
    """A department's system: an OAuth client-credentials token, renewed before it expires, and pushes of rows."""

    weight = 1
    wait_time = _pacing(1.0)
    token = ""
    expires_at = 0.0

    def on_start(self) -> None:
        self.department = _pick("departments")
        self.serial = itertools.count(1)
        self.me = uuid.uuid4().hex[:8]

    def renew(self) -> None:
        with self.client.post("/api/v1/oauth/token", name="/api/v1/oauth/token", catch_response=True,
                              data={"grant_type": "client_credentials", "client_id": self.department["client_id"],
                                    "client_secret": self.department["client_secret"]}) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:200]}")
                return
            body = response.json()
            self.token, self.expires_at = body["access_token"], time.monotonic() + body["expires_in"] - 30

    def row(self) -> dict[str, str]:
        """One row, new each time: a fresh voucher number, or a bill corrected (a new version of its month)."""
        uscc = RNG.choice(self.department["usccs"])
        month_end = date.today().replace(day=1) - timedelta(days=1)
        if self.department["item"] == "tax_payment":
            return {"uscc": uscc, "voucher_no": f"LT{self.me}{next(self.serial):010d}",
                    "tax_period": f"{month_end:%Y-%m}", "tax_kind": "增值税",
                    "amount": f"{RNG.randint(500, 50_000)}.00", "paid_date": month_end.isoformat()}
        usage = RNG.randint(50, 900)
        return {"uscc": uscc, "month": f"{month_end:%Y-%m}", "month_end": month_end.isoformat(),
                "usage": f"{usage}.0", "amount_billed": f"{usage * 4.2:.2f}", "amount_overdue": "0.00"}

    @task
    def push(self) -> None:
        if time.monotonic() >= self.expires_at:
            self.renew()
            return
        item = self.department["item"]
        with self.client.post(f"/api/v1/credit-data/{item}/rows", name="/api/v1/credit-data/{item_code}/rows",
                              headers={"Authorization": f"Bearer {self.token}",
                                       "Idempotency-Key": f"lt-{self.me}-{next(self.serial)}"},
                              json={"rows": [self.row()]}, catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} {response.text[:300]}")
            elif any(r["status"] == "rejected" for r in response.json()["rows"]):
                response.failure(f"row rejected: {response.text[:300]}")


class FloorUser(PortalUser):
    """The floor: the cheapest authenticated request at the same rate, by logged-in firms."""

    weight = 1
    wait_time = _pacing(1.0)

    def on_start(self) -> None:
        self.username = _pick("enterprises")["username"]
        self.login("/enterprise")

    @task
    def me(self) -> None:
        self.client.get("/api/v1/me", name="/api/v1/me")
