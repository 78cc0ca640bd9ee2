"""Imports every context's tables so that Base.metadata is complete (Alembic, tests, the CLI)."""

from __future__ import annotations

from xinyidai import events, workdays
from xinyidai.audit import models as audit_models
from xinyidai.chains import models as chains_models
from xinyidai.consent import models as consent_models
from xinyidai.creditcheck import models as creditcheck_models
from xinyidai.creditdata import models as creditdata_models
from xinyidai.creditdata.report import models as creditdata_report_models
from xinyidai.db import Base
from xinyidai.guarantee import models as guarantee_models
from xinyidai.identity import models as identity_models
from xinyidai.identity.notifications import models as notification_models
from xinyidai.identity.onboarding import models as onboarding_models
from xinyidai.loans import models as loans_models
from xinyidai.monitoring import models as monitoring_models
from xinyidai.network import models as network_models
from xinyidai.network.signon import models as signon_models
from xinyidai.orders import models as orders_models
from xinyidai.outreach import models as outreach_models
from xinyidai.products import models as products_models
from xinyidai.products.supermarket import models as supermarket_models
from xinyidai.registry import models as registry_models
from xinyidai.reporting import models as reporting_models
from xinyidai.reporting.simulator import models as simulator_models
from xinyidai.rights import models as rights_models
from xinyidai.scoring import models as scoring_models
from xinyidai.scoring.sandbox import models as sandbox_models
from xinyidai.webhooks import models as webhooks_models

__all__ = [
    "Base", "audit_models", "chains_models", "consent_models", "creditcheck_models", "creditdata_models",
    "creditdata_report_models", "events",
    "guarantee_models", "identity_models", "loans_models", "monitoring_models", "network_models", "notification_models",
    "onboarding_models", "orders_models", "outreach_models", "products_models", "registry_models", "reporting_models",
    "rights_models", "sandbox_models", "scoring_models", "signon_models", "simulator_models", "supermarket_models",
    "webhooks_models", "workdays",
]
