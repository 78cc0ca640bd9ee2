"""The demo's record plan and loan fates without a database: rows parse under the catalogue, the same seed
gives the same rows, and the hidden creditworthiness shows in what a model could see."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from datetime import date

from xinyidai.creditdata import catalogue
from xinyidai.creditdata.fields import RowParser
from xinyidai.demo.generator import loan_plans, make_uscc
from xinyidai.demo.records import Profile, plan_rows
from xinyidai.registry.enums import EntityKind

TODAY = date(2026, 11, 23)
TRADES = ["F52", "H62", "E50", "I65", "C13", "A01", "F51", "M75", "G54", "L72"]


def _profiles(count: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)
    kinds = [EntityKind.INDIVIDUAL_BUSINESS, EntityKind.ENTERPRISE, EntityKind.FARMERS_COOPERATIVE,
             EntityKind.FAMILY_FARM]
    profiles = []
    for index in range(count):
        kind = rng.choices(kinds, weights=[50, 40, 5, 5])[0]
        registered = date(rng.randint(2008, 2024), rng.randint(1, 12), rng.randint(1, 28))
        profiles.append(Profile(
            enterprise_id=index + 1, uscc=make_uscc(rng, "91"), name=f"重庆测试{index}有限公司", kind=kind,
            industry_code=rng.choice(TRADES), trade="柑橘种植", legal_rep_name="张三", registered=registered,
            capital_fen=rng.choice([None, 50_000_000, 500_000_000]), employees=rng.randint(1, 60),
            last_report_year=2025 if registered.year <= 2025 else None, abnormal_since=None,
            latent=rng.gauss(0, 1),
        ))
    return profiles


def test_every_planned_row_parses_under_the_packaged_catalogue_and_the_plan_is_reproducible() -> None:
    definition = catalogue.load_packaged()
    parsers = {item.code: RowParser(fields=item.fields, key_fields=item.key, date_field=item.date_field, today=TODAY)
               for item in definition.items}
    rows = plan_rows(_profiles(300, seed=3), rng=random.Random(5), today=TODAY)
    for row in rows:
        parsed = parsers[row.item].parse(row.values)
        assert not isinstance(parsed, list), (row.item, parsed)
        assert parsed.fact_date is None or parsed.fact_date <= row.delivered <= TODAY
    again = plan_rows(_profiles(300, seed=3), rng=random.Random(5), today=TODAY)
    assert [(r.item, r.enterprise_id, r.values, r.delivered) for r in again] == [
        (r.item, r.enterprise_id, r.values, r.delivered) for r in rows]
    planned_categories = {item.category for item in definition.items if item.code in {r.item for r in rows}}
    assert planned_categories == {code for code, _ in definition.categories}


def test_weak_entities_show_it_in_their_records() -> None:
    profiles = _profiles(800, seed=8)
    rows = plan_rows(profiles, rng=random.Random(9), today=TODAY)
    negative = {item.code for item in catalogue.load_packaged().items if item.negative}
    negatives: Counter[int] = Counter(r.enterprise_id for r in rows if r.item in negative)
    grades: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        if row.item == "tax_credit_grade":
            grades[row.enterprise_id].append(row.values["grade"])
    ranked = sorted(profiles, key=lambda p: p.latent)
    bottom, top = ranked[:200], ranked[-200:]
    assert statistics.mean(negatives[p.enterprise_id] for p in bottom) > 4 * statistics.mean(
        negatives[p.enterprise_id] for p in top)
    bottom_grades = Counter(g for p in bottom for g in grades[p.enterprise_id])
    top_grades = Counter(g for p in top for g in grades[p.enterprise_id])
    assert bottom_grades["C"] + bottom_grades["D"] > 10 * (top_grades["C"] + top_grades["D"] + 1) / 2
    assert top_grades["A"] > 5 * bottom_grades["A"]


def test_loan_fates_follow_the_latent_score_and_every_fate_occurs() -> None:
    rng = random.Random(4)
    latent = {n: rng.gauss(0, 1) for n in range(4000)}
    plans = loan_plans(random.Random(2), latent, present=set())
    ranked = sorted(latent, key=latent.__getitem__)
    bottom, top = ranked[:1000], ranked[-1000:]
    bad = ("defaulted", "overdue")
    assert sum(plans[e] == "defaulted" for e in bottom) > 5 * sum(plans[e] == "defaulted" for e in top)
    assert sum(plans[e] in bad for e in bottom) > 3 * sum(plans[e] in bad for e in top)
    # Four borrowers and a fifth already current: the four take the four other fates, the weakest defaults.
    few = {1: 1.2, 2: -0.3, 3: 0.4, 4: 2.0}
    fates = loan_plans(random.Random(0), few, present={"current"})
    assert set(fates.values()) == {"defaulted", "overdue", "settled", "prepaid"}
    assert fates[2] in bad
