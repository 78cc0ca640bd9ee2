"""The demo district's shelf: at least 30 products from at least 8 lenders, the agricultural, tax-based, chain and
policy-subsidised ones among them, and the demo firm matched against all of it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock, main
from xinyidai.demo.generator import generate
from xinyidai.identity import service as identity_service
from xinyidai.products import service as products_service
from xinyidai.products.models import Product


def test_the_demo_shelf_is_varied_and_a_firm_is_matched_against_it(
    session: Session, frozen_clock: clock.FixedClock
) -> None:
    main.wire_events()  # matching learns chain membership from the communities as the application wires it
    with session.begin_nested() as nested:
        summary = generate(session, enterprises=40, seed=5)
        shelf = products_service.list_shelf(session, filters=products_service.ShelfFilters(limit=500))
        products = session.scalars(select(Product)).all()
        users = [u for u in identity_service.list_users(session) if u.username == "enterprise.demo"]
        firm = identity_service.principal_for_user(users[0])
        assert firm.enterprise_id is not None
        matched = products_service.match(session, principal=firm, enterprise_id=firm.enterprise_id)
        agricultural = products_service.list_shelf(session, filters=products_service.ShelfFilters(
            kind="agricultural", sort="max_amount"))
        nested.rollback()
    assert summary.products == len(shelf) >= 30
    assert len({p.lender_id for p in shelf}) >= 8
    names = {p.name for p in shelf}
    assert {"重信贷", "花椒贷", "榨菜贷", "柑橘贷", "税易贷", "链融贷", "创业担保贷"} <= names
    kinds = Counter(p.kind for p in shelf)
    assert set(kinds) == {"pure_credit", "guaranteed", "tax_based", "agricultural", "chain", "policy_subsidised"}
    for name, crop in (("花椒贷", "花椒"), ("榨菜贷", "榨菜"), ("柑橘贷", "柑橘")):
        product = next(p for p in shelf if p.name == name)
        assert product.kind == "agricultural" and product.line_rule["crop"] == crop
        assert "harvest_bullet" in product.repayment_methods
    assert all(p.current_version_id is not None for p in products)
    assert agricultural[0].name == "合作社兴农贷"
    # The demo firm: every product placed once, the eligible ranked, each exclusion in words.
    assert len(matched.eligible) + len(matched.ineligible) == len(shelf)
    assert matched.eligible and matched.ineligible
    assert [m.rank for m in matched.eligible] == list(range(1, len(matched.eligible) + 1))
    values = [m.expected_value_fen for m in matched.eligible]
    assert values == sorted(values, reverse=True)
    excluded = {m.product.name: m.failures for m in matched.ineligible}
    # The demo firm leads the demo district's industry-chain community, so the chain loan is open to it.
    assert "链融贷" in {m.product.name for m in matched.eligible} and "链融贷" not in excluded
    assert all(failures for failures in excluded.values())
    assert "花椒贷" in excluded  # an enterprise without 花椒 planted
