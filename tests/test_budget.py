"""Training-run budgets, with numbers worked out by hand, through the command line."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import Tracker


def budget(tracker: Tracker, run: str = "r1", *extra: str) -> dict:
    return json.loads(tracker(["budget", run, "--json", *extra]).stdout)


def codes(data: dict) -> list[str]:
    """Finding codes other than the review reminders every unreviewed dataset gets."""
    return [f["code"] for f in data["findings"] if f["code"] != "review_missing"]


@pytest.fixture
def run(tracker: Tracker) -> Tracker:
    """A commercial run over the second half of 2024, reporting in USD."""
    tracker("run create r1 --model M-7B --start 2024-07-01 --end 2024-12-31 --currency USD")
    tracker("fx set EUR USD 1.10 --as-of 2024-06-01")
    tracker("fx set EUR USD 9.99 --as-of 2024-07-02")  # not yet in force on the run's start
    return tracker


def test_recurring_eur_fee_prorated_from_mid_year(run: Tracker) -> None:
    run("dataset add news --name News --personal-data no")
    run("license claim news CC-BY-4.0 --by contract")
    run("fee add news --kind recurring --period year --amount 120000 --currency EUR "
        "--counterparty Publisher --start 2024-01-01 --end 2025-12-31")
    run("run add-dataset r1 news")
    # 120,000 EUR x 184 days / 365 = 60,493.150684... EUR; x 1.10 = 66,542.465753... USD
    data = budget(run)
    assert data["totals"]["data_by_kind"]["recurring"] == "66542.47"
    line = next(li for li in data["lines"] if li["kind"] == "recurring")
    assert line["fx_rate"] == "1.10" and line["fx_as_of"] == "2024-06-01"
    assert line["original"]["currency"] == "EUR"
    assert line["original"]["amount"] == "60493.15"  # to the cent for output; exact inside


def test_per_token_fee_converted_to_usd(run: Tracker) -> None:
    run("dataset add code --name Code --size-tokens 9000000000 --personal-data no")
    run("license claim code MIT --by contract")
    run("fee add code --kind per_unit --unit token --amount 0.000002 --currency EUR "
        "--counterparty Broker")
    run("run add-dataset r1 code --tokens 3000000000 --epochs 2")
    # 0.000002 EUR x 3,000,000,000 tokens (epochs do not multiply a licence) = 6,000 EUR
    assert budget(run)["totals"]["data_by_kind"]["per_unit"] == "6600.00"
    run("run add-dataset r1 code --share 0.5")  # half of 9e9 tokens = 4.5e9
    assert budget(run)["totals"]["data_by_kind"]["per_unit"] == "9900.00"


def test_ownership_compute_from_given_parameters(run: Tracker) -> None:
    run("run set-compute r1 --pricing ownership --count 1000 --hours 100 "
        "--hardware-value 30000 --amortization-years 4 --interconnect-share 0.2 "
        "--tdp-kw 0.7 --server-power-ratio 1.5 --average-load 0.8 --pue 1.2 "
        "--electricity-price 0.1")
    totals = budget(run)["totals"]
    # 100,000 h x 30,000 / (4 x 8,766) = 85,557.837...; / (1 - 0.2) adds 21,389.459...
    # energy: 100,000 h x 0.7 kW x 1.5 x 0.8 x 1.2 x 0.1 = 10,080
    assert totals["compute_by_component"] == {"hardware": "85557.84", "interconnect": "21389.46",
                                              "energy": "10080.00"}
    assert totals["compute"] == "117027.30"


def test_flops_compute(run: Tracker) -> None:
    run("run set-compute r1 --accelerator A100-80GB --parameters 7e9 --tokens 1e12 --mfu 0.5 "
        "--price-per-hour 2")
    data = budget(run)
    # 6 x 7e9 x 1e12 = 4.2e22 FLOPs / (312e12 x 0.5) / 3600 = 74,786.3248 h x $2
    assert data["compute"]["training_flops"] == "42000000000000000000000"
    assert data["totals"]["compute"] == "149572.65"


def test_training_tokens_default_to_tokens_drawn_times_epochs(run: Tracker) -> None:
    run("dataset add web --name Web --personal-data no")
    run("license claim web CC0-1.0 --by authors")
    run("run add-dataset r1 web --tokens 500000000000 --epochs 2")
    run("run set-compute r1 --accelerator H100 --parameters 7e9 --mfu 0.4 --price-per-hour 2.5")
    data = budget(run)
    assert data["compute"]["training_flops"] == str(6 * 7 * 10**9 * 10**12)


def test_blocker_makes_run_not_approvable_until_waived_and_waivers_expire(run: Tracker) -> None:
    run("dataset add qa --name QA --personal-data no")
    run("license claim qa CC-BY-NC-4.0 --by authors")
    run("run add-dataset r1 qa")
    data = budget(run)
    assert data["approvable"] is False
    assert data["blockers"] == ["qa: non_commercial"]
    run("--as reviewer-1 flag waive qa non_commercial --run r1 --date 2024-06-15 "
        "--expires 2024-12-31 --reason 'research preview only'")
    assert budget(run, "r1", "--as-of", "2024-12-31")["approvable"] is True
    waived = budget(run, "r1", "--as-of", "2024-12-31")["findings"][0]["waived"]
    assert waived["reviewer"] == "reviewer-1"
    assert budget(run, "r1", "--as-of", "2025-01-01")["approvable"] is False
    text = run("budget r1 --as-of 2025-01-01").stdout
    assert "NOT APPROVABLE" in text and "qa: non_commercial" in text


def test_run_with_no_datasets(run: Tracker) -> None:
    data = budget(run)
    assert data["totals"]["data"] == "0.00" and data["totals"]["estimate"] == "0.00"
    assert data["approvable"] is True and data["findings"] == []


def test_dataset_in_two_runs_splits_one_time_fees(run: Tracker) -> None:
    run("run create r2 --model M-13B --start 2024-09-01 --end 2025-03-31")
    run("dataset add books --name Books --personal-data no")
    run("license claim books LicenseRef-All-Rights-Reserved --by contract")
    run("fee add books --amount 1000000.01 --currency USD --counterparty Publisher "
        "--split-runs 2")
    run("cost add books --category legal --amount 300 --currency USD --split-runs 3")
    for r in ("r1", "r2"):
        run(f"run add-dataset {r} books")
        data = budget(run, r)
        assert data["totals"]["data_by_kind"]["one_time"] == "500000.00"  # 500,000.005 -> even
        assert data["totals"]["data_by_kind"]["acquisition"] == "100.00"


def test_fee_outside_the_run_period(run: Tracker) -> None:
    run("dataset add old --name Old --personal-data no")
    run("license claim old CC-BY-4.0 --by contract")
    run("fee add old --kind recurring --period month --amount 1000 --currency USD "
        "--counterparty Archive --start 2023-01-01 --end 2023-12-31")
    run("run add-dataset r1 old")
    data = budget(run)
    assert data["totals"]["data_by_kind"]["recurring"] == "0.00"
    assert codes(data) == ["agreement_expires"]


def test_zero_cost_open_data(run: Tracker) -> None:
    run("dataset add wiki --name Wiki --personal-data no")
    run("license claim wiki CC-BY-SA-4.0 --by authors")
    run("run add-dataset r1 wiki --tokens 1000")
    data = budget(run)
    assert data["totals"]["data"] == "0.00" and data["approvable"] is True
    assert codes(data) == ["share_alike"]


def test_missing_exchange_rate_names_the_pair(run: Tracker) -> None:
    run("dataset add jp --name JP --personal-data no")
    run("fee add jp --amount 1000000 --currency JPY --counterparty Vendor")
    run("run add-dataset r1 jp")
    result = run("budget r1", expect=1)
    assert result.stderr.strip() == (
        "Error: fx: no JPY->USD rate in force on 2024-07-01 "
        "(add one: tracker fx set JPY USD RATE --as-of 2024-07-01)")


def test_inverse_rate_is_used_when_only_the_other_direction_is_known(run: Tracker) -> None:
    run("fx set USD GBP 0.80 --as-of 2024-01-01")
    run("dataset add uk --name UK --personal-data no")
    run("license claim uk CC0-1.0 --by authors")
    run("cost add uk --category cleaning --amount 1000 --currency GBP")
    run("run add-dataset r1 uk")
    assert budget(run)["totals"]["data_by_kind"]["acquisition"] == "1250.00"


def test_reserves_contingency_and_totals_add_up_to_the_cent(tracker: Tracker) -> None:
    tracker("demo")
    data = budget(tracker, "frontier-run-1")
    totals = {k: Decimal(v) for k, v in data["totals"].items() if isinstance(v, str)}
    lines = data["lines"]

    def section(name: str) -> Decimal:
        return sum((Decimal(li["amount"]) for li in lines if li["section"] == name), Decimal(0))

    assert section("compute") == totals["compute"]
    assert section("data") == totals["data"]
    assert section("reserve") == totals["reserves"]
    assert sum((Decimal(v) for v in data["totals"]["data_by_kind"].values()), Decimal(0)) \
        == totals["data"]
    assert totals["contingency"] == ((totals["compute"] + totals["data"]) / 10).quantize(
        Decimal("0.01"))
    assert totals["estimate"] == totals["compute"] + totals["data"] + totals["contingency"]
    assert totals["risk_adjusted"] == totals["estimate"] + totals["reserves"]
    assert all(Decimal(li["amount"]) == Decimal(li["amount"]).quantize(Decimal("0.01"))
               for li in lines)
    # Only one shadow licence per dataset: web-crawl is unlicensed, crawled, and unknown.
    shadow = [li for li in lines if li["section"] == "reserve" and li["dataset"] == "web-crawl"
              and li["description"].startswith("shadow licence")]
    assert len(shadow) == 1
    csv_rows = tracker("budget frontier-run-1 --csv").stdout.splitlines()
    assert csv_rows[0].startswith("section,kind,dataset,description")
    assert csv_rows[-1] == f"total,risk_adjusted,,,,,,{data['totals']['risk_adjusted']},USD"


def test_policy_file_overrides_severity_and_reserves(run: Tracker, tmp_path) -> None:
    run("dataset add qa --name QA --personal-data no --size-tokens 1000000")
    run("license claim qa CC-BY-NC-4.0 --by authors")
    run("run add-dataset r1 qa")
    policy = tmp_path / "policy.toml"
    policy.write_text('[flags.non_commercial]\nseverity = "warning"\n'
                      'reserve = { kind = "shadow_licence", rate = "0.01", currency = "EUR", '
                      'unit = "token" }\n')
    data = budget(run, "r1", "--policy", str(policy))
    assert data["approvable"] is True
    assert data["totals"]["reserves"] == "11000.00"  # 1e6 tokens x 0.01 EUR x 1.10
    policy.write_text('[flags.non_commercial]\nseverity = "fatal"\n')
    result = run(["budget", "r1", "--policy", str(policy)], expect=1)
    assert "flags.non_commercial.severity: must be one of info, warning, critical, blocker" \
        in result.stderr
