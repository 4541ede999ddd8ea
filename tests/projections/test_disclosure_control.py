"""Disclosure control of a release: the rules on small hand-made tables (the whole release is
audited independently in tests/security/test_statistics_disclosure.py)."""

from __future__ import annotations

from projections.disclosure_control import Attacker, Cell, Microcell, protect

THRESHOLD = 10


def cells(values: dict[Microcell, int], metric: str = "m") -> list[Cell]:
    """By PIN, by cohort and in total, as a release publishes them."""
    space = set(values)
    out = [Cell("total", "all", metric, frozenset(space))]
    for tenant in sorted({m[0] for m in space}):
        out.append(Cell("pin", tenant, metric, frozenset(m for m in space if m[0] == tenant)))
    for cohort in sorted({m[1] for m in space}):
        out.append(Cell("cohort", cohort, metric, frozenset(m for m in space if m[1] == cohort)))
    return out


def attackers(values: dict[Microcell, int]) -> list[Attacker]:
    tenants = sorted({m[0] for m in values})
    return [Attacker("anyone"), *(Attacker(t, tenant=t) for t in tenants)]


def published(values: dict[Microcell, int]) -> dict[tuple[str, str], int | None]:
    result = protect({"m": values}, cells(values), attackers(values), THRESHOLD)
    return {(c.dimension, c.key): v for c, v in result.published.items()}


def test_a_total_is_hidden_when_one_pin_contributes_a_small_count_however_large_it_is() -> None:
    shown = published({("arec", "a1", ""): 30, ("cniea", "c1", ""): 3})
    assert shown["pin", "cniea"] is None
    assert shown["total", "all"] is None  # 33 - arec's own 30 would tell arec: cniea has 3
    assert shown["pin", "arec"] == 30


def test_zero_is_no_count_about_anyone() -> None:
    shown = published({("arec", "a1", ""): 12, ("cniea", "c1", ""): 0})
    assert shown["pin", "cniea"] == 0
    assert shown["total", "all"] == 12


def test_cohorts_nested_in_a_pin_do_not_give_away_a_hidden_cohort() -> None:
    """arec's two rounds (6 and 12) and its visible total 18 would give the 6 away: the 12 is
    suppressed with it."""
    shown = published({("arec", "a1", ""): 6, ("arec", "a2", ""): 12, ("iccc", "i1", ""): 15})
    assert shown["cohort", "a1"] is None
    assert shown["pin", "arec"] is None or shown["cohort", "a2"] is None


def test_the_issues_combined_breakdowns_no_longer_give_cniea_away() -> None:
    """Per breakdown, cniea (5) and iccc (11) were hidden by PIN, but by cohort iccc's round
    showed 11 and arec's rounds 6 + 6, so cniea = 40 - 12 - 12 - 11 = 5."""
    values = {
        ("arec", "a1", ""): 6,
        ("arec", "a2", ""): 6,
        ("chc", "h1", ""): 12,
        ("cniea", "c1", ""): 5,
        ("iccc", "i1", ""): 11,
    }
    result = protect({"m": values}, cells(values), attackers(values), THRESHOLD)
    assert not result.unresolved
    cniea = [i for i in result.intervals if i.quantity == "contribution of cniea"]
    assert cniea
    assert all(i.width >= 1 for i in cniea)
    shown = {(c.dimension, c.key): v for c, v in result.published.items()}
    assert shown["pin", "cniea"] is None
    assert shown["total", "all"] is None


def test_a_funders_exact_total_is_knowledge_the_release_is_protected_against() -> None:
    """A funder knows the round total exactly (18); with iccc's 15 visible, arec's 3 would be
    pinned, so iccc's figure is suppressed too."""
    values = {("arec", "a1", ""): 3, ("iccc", "i1", ""): 15}
    funder = Attacker("a funder", aggregates=(("m", frozenset(values)),))
    result = protect({"m": values}, cells(values), [*attackers(values), funder], THRESHOLD)
    shown = {(c.dimension, c.key): v for c, v in result.published.items()}
    assert shown["pin", "iccc"] is None
    assert shown["cohort", "i1"] is None
    assert not result.unresolved


def test_what_an_attacker_already_knows_is_reported_when_nothing_published_can_help() -> None:
    """If a funder already holds both the total and iccc's figure, arec's is pinned whatever
    the release shows: it says so instead of pretending."""
    values = {("arec", "a1", ""): 3, ("iccc", "i1", ""): 15}
    knows = (("m", frozenset(values)), ("m", frozenset({("iccc", "i1", "")})))
    funder = Attacker("a funder", aggregates=knows)
    result = protect({"m": values}, cells(values), [funder], THRESHOLD)
    # arec's 3 is pinned in each suppressed number it is part of: its PIN, round and total.
    assert {(i.attacker, i.quantity, i.low, i.high) for i in result.unresolved} == {
        ("a funder", "contribution of arec", 3.0, 3.0)
    }
    assert {i.cell.dimension for i in result.unresolved} == {"pin", "cohort", "total"}
