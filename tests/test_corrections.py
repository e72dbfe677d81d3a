"""Corrections keep history: a record entered in error is voided or edited with a reason,
stays visible as voided, counts nowhere, and the log says who, when and why."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Tracker


def as_json(tracker: Tracker, command: str) -> object:
    return json.loads(tracker(command + " --json").stdout)


def data_lines(tracker: Tracker) -> tuple[Counter[tuple[str, Decimal]], Decimal]:
    """The run's data lines (what each says, its amount), and its data total."""
    budget = as_json(tracker, "budget r1")
    lines = Counter((line["description"], Decimal(line["amount"])) for line in budget["lines"]
                    if line["section"] == "data")
    return lines, Decimal(budget["totals"]["data"])


def total(tracker: Tracker) -> Decimal:
    return data_lines(tracker)[1]


def last_event(tracker: Tracker) -> dict:
    return as_json(tracker, "log -n 1")[0]


def verified(tracker: Tracker) -> bool:
    return tracker("verify").stdout.startswith("ok: ")


@pytest.fixture
def run(tracker: Tracker) -> Tracker:
    """A run drawing one dataset with two one-time fees and an acquisition cost."""
    tracker("dataset add news --name News --personal-data no")
    tracker("license claim news CC-BY-4.0 --by contract")
    tracker("run create r1 --model M --start 2024-07-01 --end 2024-12-31 --currency USD")
    tracker("run add-dataset r1 news")
    tracker("fee add news --amount 250000 --currency USD --counterparty Publisher "
            "--contract P-1 --description licence")
    tracker("fee add news --amount 100 --currency USD --counterparty Publisher "
            "--contract P-1 --description 'typed by mistake'")
    tracker("cost add news --category annotation --amount 1200.50 --currency USD")
    return tracker


def fee_ids(tracker: Tracker, *extra: str) -> dict[str, int]:
    fees = as_json(tracker, " ".join(("fee list", *extra)))["fees"]
    return {f["description"]: f["id"] for f in fees}


def test_voiding_a_fee_drops_the_budget_by_exactly_its_line(run: Tracker) -> None:
    lines, before = data_lines(run)
    stray = fee_ids(run)["typed by mistake"]
    run(f"fee void {stray} --reason 'entered twice: invoice 17 is already in'")

    lines_after, after = data_lines(run)
    assert lines - lines_after == Counter({("one-time fee, Publisher P-1", Decimal("100")): 1})
    assert not lines_after - lines
    assert after == before - Decimal("100.00")
    assert verified(run)
    listed = as_json(run, "fee list")
    assert [f["description"] for f in listed["fees"]] == ["licence"]
    assert listed["totals"] == [{"basis": "one-time", "unit": None, "currency": "USD",
                                 "amount": "250000"}]
    every = {f["id"]: f for f in as_json(run, "fee list --all")["fees"]}
    assert every[stray]["voided"]["by"] == "tester"
    assert every[stray]["voided"]["reason"] == "entered twice: invoice 17 is already in"
    assert every[stray]["voided"]["at"][:4].isdigit()
    shown = as_json(run, "dataset show news")["fees"]
    assert [(f["id"], f["voided"]) for f in shown] == [
        (f["id"], f["voided"]) for f in every.values()]
    text = run("fee list --all").stdout
    assert f"VOIDED #{stray} by tester at " in text
    assert "entered twice: invoice 17 is already in" in text
    assert "TOTAL one-time: 250,000.00 USD" in text  # the voided fee counts in no total

    event = last_event(run)
    assert event["action"] == "update" and event["entity"] == "fee"
    assert event["before"]["voided_at"] is None
    assert event["after"]["void_reason"] == "entered twice: invoice 17 is already in"
    assert "entered twice: invoice 17 is already in" in run("log -n 1").stdout


def test_editing_an_amount_changes_its_line_exactly(run: Tracker) -> None:
    lines, before = data_lines(run)
    fee = fee_ids(run)["typed by mistake"]
    run(f"fee edit {fee} --amount 1000.25 --reason 'the invoice says 1,000.25'")

    lines_after, after = data_lines(run)
    assert lines - lines_after == Counter({("one-time fee, Publisher P-1", Decimal("100")): 1})
    assert lines_after - lines == Counter({("one-time fee, Publisher P-1",
                                            Decimal("1000.25")): 1})
    assert after == before - Decimal("100") + Decimal("1000.25")
    assert verified(run)
    event = last_event(run)
    assert (event["before"]["amount"], event["after"]["amount"]) == ("100", "1000.25")
    assert "the invoice says 1,000.25" in event["label"]
    # A change of kind drops what only the old kind had; the agreement's term is not a fee's.
    run(f"fee edit {fee} --kind recurring --period month --reason 'a monthly fee'")
    edited = next(f for f in as_json(run, "fee list")["fees"] if f["id"] == fee)
    assert (edited["basis"], edited["amount"], edited["split_runs"]) == ("per month",
                                                                         "1000.25", 1)
    assert verified(run)


def test_a_fee_moves_under_the_agreement_it_belongs_to(run: Tracker) -> None:
    fee = fee_ids(run)["typed by mistake"]
    run("fee add news --amount 1 --currency USD --counterparty Wire --contract W-9 "
        "--start 2024-01-01 --end 2024-12-31")
    wire = next(a["id"] for a in as_json(run, "agreement list") if a["counterparty"] == "Wire")
    run(f"fee edit {fee} --agreement {wire} --reason 'invoiced by the wire service'")
    moved = next(f for f in as_json(run, "fee list")["fees"] if f["id"] == fee)
    assert (moved["counterparty"], moved["contract"], moved["term_end"]) == \
        ("Wire", "W-9", "2024-12-31")
    event = last_event(run)
    assert event["before"]["agreement_id"] != event["after"]["agreement_id"] == wire
    run("fee add news --amount 2 --currency USD --counterparty Spare --contract S-1")
    spare = next(a["id"] for a in as_json(run, "agreement list") if a["counterparty"] == "Spare")
    run(f"agreement void {spare} --reason 'no such contract'")
    digest = run.digest()
    for bad, says in (("999", "agreement #999: no such record"),
                      ("x", "agreement: must be a whole number"),
                      (str(spare), f"agreement #{spare} is voided")):
        result = run(f"fee edit {fee} --agreement {bad} --reason r", expect=1)
        assert says in result.stderr
    assert run.digest() == digest and verified(run)


def test_a_voided_record_is_never_changed_again(run: Tracker) -> None:
    fee = fee_ids(run)["typed by mistake"]
    run(f"fee void {fee} --reason duplicate")
    digest = run.digest()
    for command in (f"fee void {fee} --reason again", f"fee edit {fee} --amount 5 --reason x"):
        result = run(command, expect=1)
        assert result.stderr.strip().splitlines() == [
            f"Error: fee #{fee} is voided (by tester at "
            f"{as_json(run, 'fee list --all')['fees'][1]['voided']['at']}: duplicate) and "
            "cannot be changed"]
    assert run("fee void 999 --reason x", expect=1).stderr.strip() == \
        "Error: fee #999: no such record"
    assert "reason: must not be empty" in run("cost void 1 --reason ' '", expect=1).stderr
    assert "Missing option '--reason'" in run("fee void 1", expect=2).stderr
    assert run.digest() == digest
    assert verified(run)


def test_a_retracted_claim_no_longer_conflicts_and_stays_listed(tracker: Tracker) -> None:
    tracker("dataset add qa --name QA --personal-data no")
    tracker("license claim qa CC0-1.0 --by hub --date 2024-02-01")
    tracker("license claim qa CC-BY-NC-SA-4.0 --by authors --date 2024-01-15")
    assert "conflicting_claims" in {f["code"] for f in as_json(tracker, "flags")}
    claims = {c["claimed_by"]: c["id"] for c in as_json(tracker, "license claims qa")}

    tracker(f"license retract {claims['authors']} --reason 'read from the wrong repository'")
    assert "conflicting_claims" not in {f["code"] for f in as_json(tracker, "flags")}
    assert as_json(tracker, "license resolve qa")["resolved"] == "CC0-1.0"
    assert [c["id"] for c in as_json(tracker, "license claims qa")] == [claims["hub"]]
    listed = as_json(tracker, "license claims qa --all")
    assert [(c["id"], c["voided"] and c["voided"]["reason"]) for c in listed] == [
        (claims["authors"], "read from the wrong repository"), (claims["hub"], None)]
    shown = as_json(tracker, "dataset show qa")["license_claims"]
    assert shown == listed
    assert verified(tracker)
    # A claimant changing its licence later is drift, not a retraction.
    tracker("license claim qa CC-BY-4.0 --by hub --date 2024-06-01")
    assert as_json(tracker, "license resolve qa")["drift"][0]["from"] == "CC0-1.0"


def test_voiding_a_consent_record_puts_the_one_before_in_force(tracker: Tracker) -> None:
    tracker("dataset add forum --name Forum --personal-data yes")
    tracker("consent set forum --status opt_in --legal-basis consent --date 2024-01-01")
    tracker("consent set forum --status withdrawn --date 2024-06-01")
    assert "consent_withdrawn" in {f["code"] for f in as_json(tracker, "flags")}
    wrong = as_json(tracker, "consent history forum")[-1]["id"]

    tracker(f"consent void {wrong} --reason 'recorded for the wrong dataset'")
    assert "consent_withdrawn" not in {f["code"] for f in as_json(tracker, "flags")}
    assert [d["slug"] for d in as_json(tracker, "dataset list --consent opt_in")] == ["forum"]
    assert [h["status"] for h in as_json(tracker, "consent history forum")] == ["opt_in"]
    text = tracker("consent history forum --all").stdout
    assert "withdrawn" in text and f"VOIDED #{wrong} by tester at " in text
    assert "recorded for the wrong dataset" in text
    assert verified(tracker)


def test_a_correction_makes_the_review_stale(run: Tracker) -> None:
    run("--as reviewer review news --decision approved --note 'fees checked'")
    assert as_json(run, "review queue") == []
    run(f"fee void {fee_ids(run)['typed by mistake']} --reason duplicate")
    assert [(q["dataset"], q["status"]) for q in as_json(run, "review queue")] == [
        ("news", "stale")]


def test_costs_rates_and_agreements_are_corrected_and_voided(run: Tracker) -> None:
    run("fee add news --amount 1000 --currency EUR --counterparty Broker")
    run("fx set EUR USD 1.10 --as-of 2024-01-01")
    run("fx set EUR USD 1.20 --as-of 2024-06-01")
    before = total(run)
    rates = {r["as_of"]: r["id"] for r in as_json(run, "fx list")}
    run(f"fx void {rates['2024-06-01']} --reason 'rate of the wrong pair'")
    assert total(run) == before - Decimal("100.00")  # 1000 x (1.2-1.1)
    run(f"fx edit {rates['2024-01-01']} --rate 1.15 --reason 'ECB reference rate'")
    assert total(run) == before - Decimal("50.00")
    assert [r["voided"] is not None for r in as_json(run, "fx list --all")] == [False, True]
    digest = run.digest()
    taken = run(f"fx edit {rates['2024-01-01']} --as-of 2024-06-01 --reason x", expect=1)
    assert f"EUR/USD has rate #{rates['2024-06-01']} on that day already" in taken.stderr
    assert "give --rate, --as-of or both" in run(
        f"fx edit {rates['2024-01-01']} --reason x", expect=1).stderr
    assert run.digest() == digest
    run(f"fx edit {rates['2024-01-01']} --as-of 2023-12-01 --reason 'dated by the bank'")
    assert [r["as_of"] for r in as_json(run, "fx list")] == ["2023-12-01"]
    assert total(run) == before - Decimal("50.00")

    cost = as_json(run, "cost list")["costs"][0]["id"]
    run(f"cost edit {cost} --amount 1300.50 --vendor Labellers --reason 'final invoice'")
    assert total(run) == before + Decimal("50.00")
    run(f"cost void {cost} --reason 'paid by the vendor'")
    assert total(run) == before - Decimal("1250.50")
    assert as_json(run, "cost list")["costs"] == []
    assert as_json(run, "cost list --all")["costs"][0]["vendor"] == "Labellers"

    agreements = {a["contract"]: a["id"] for a in as_json(run, "agreement list")}
    run(f"agreement edit {agreements['P-1']} --start 2024-01-01 --end 2026-12-31 "
        "--reason 'dates from the signed copy'")
    terms = {(f["term_start"], f["term_end"]) for f in as_json(run, "fee list news")["fees"]
             if f["contract"] == "P-1"}
    assert terms == {("2024-01-01", "2026-12-31")}
    run(f"agreement void {agreements['P-1']} --reason 'never signed'")
    assert {f["counterparty"] for f in as_json(run, "fee list")["fees"]} == {"Broker"}
    voided = as_json(run, "agreement list --all")
    assert [(a["contract"], a["fees"], a["voided"] is not None) for a in voided] == [
        ("", 1, False), ("P-1", 0, True)]
    assert "is voided" in run("fee add news --amount 1 --currency USD --counterparty Publisher "
                              "--contract P-1", expect=1).stderr
    assert verified(run)


def test_fee_list_totals_rates_per_unit_with_thousands_separators(tracker: Tracker) -> None:
    tracker("dataset add code --name Code")
    tracker("fee add code --amount 1234567.5 --currency USD --counterparty A")
    tracker("fee add code --amount 0.0000025 --currency USD --kind per_unit --unit token "
            "--counterparty B")
    tracker("fee add code --amount 0.0000005 --currency USD --kind per_unit --unit token "
            "--counterparty C")
    listed = as_json(tracker, "fee list")
    assert listed["totals"] == [
        {"basis": "one-time", "unit": None, "currency": "USD", "amount": "1234567.5"},
        {"basis": "per token", "unit": "token", "currency": "USD", "amount": "0.0000030"}]
    text = tracker("fee list").stdout
    assert "1,234,567.50 USD" in text and "0.0000025 USD" in text
    assert "TOTAL per token: 0.000003 USD" in text
    assert [f["id"] for f in listed["fees"]] == sorted(f["id"] for f in listed["fees"])


def test_an_import_cannot_add_a_fee_under_a_voided_agreement(sqlite_tracker: Tracker,
                                                             tmp_path: Path) -> None:
    tracker = sqlite_tracker
    table = tmp_path / "fees.csv"
    table.write_text("slug,name,fee_amount,fee_currency,fee_counterparty,fee_contract\n"
                     "a,A,100,USD,Vendor,V-1\n")
    tracker(["import", "table", str(table)])
    agreement = json.loads(tracker("agreement list --json").stdout)[0]["id"]
    tracker(["agreement", "void", str(agreement), "--reason", "contract never signed"])
    table.write_text("slug,name,fee_amount,fee_currency,fee_counterparty,fee_contract\n"
                     "b,B,200,USD,Vendor,V-1\n")
    before = tracker.digest()
    result = tracker(["import", "table", str(table)], expect=1)
    assert "agreement 'Vendor V-1'" in result.stderr and "is voided" in result.stderr
    assert tracker.digest() == before
