"""Compute plans: refused when set exactly as the budget would refuse them, stored bad plans
failing with one line (never an internal error), the catalogue shown whole, and budget
quantities rounded for output only."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Tracker


@pytest.fixture
def run(tracker: Tracker) -> Tracker:
    tracker("run create r1 --model M-7B --start 2024-07-01 --end 2024-12-31 --currency USD")
    return tracker


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    return lines[0]


# (set-compute options, the same plan as stored columns, what the message names)
REFUSED = [
    ("--accelerator H200 --accelerator-hours 100",
     "accelerator = 'H200', accelerator_hours = 100",
     "--price-per-hour is needed for this estimate and the H200 catalogue entry has none"),
    ("--pricing ownership --accelerator TPUv5p --accelerator-hours 100",
     "pricing = 'ownership', accelerator = 'TPUv5p', accelerator_hours = 100",
     "--hardware-value is needed for this estimate and the TPUv5p catalogue entry has none"),
    ("--pricing ownership --accelerator TPUv5p --accelerator-hours 100 --hardware-value 20000",
     "pricing = 'ownership', accelerator = 'TPUv5p', accelerator_hours = 100, "
     "hardware_value = 20000",
     "--tdp-kw is needed for this estimate and the TPUv5p catalogue entry has none"),
    ("--pricing ownership --accelerator H100 --accelerator-hours 100 --interconnect-share 1",
     "pricing = 'ownership', accelerator = 'H100', accelerator_hours = 100, "
     "interconnect_share = 1",
     "--interconnect-share: must be zero or more and less than 1 (got 1)"),
    ("--accelerator H100 --flops 1e400 --mfu 0.4",
     "accelerator = 'H100', training_flops = '1E+400', mfu = 0.4",
     "--flops: must be greater than zero and at most 1E+35 (got 1E+400)"),
    ("--accelerator H100 --accelerator-hours 100 --count 8 --days 2",
     "accelerator = 'H100', accelerator_hours = 100, accelerator_count = 8, "
     "duration_hours = 48",
     "--accelerator-hours and --count both set the accelerator-hours"),
    ("--accelerator H100 --accelerator-hours 100 --hours 2",
     "accelerator = 'H100', accelerator_hours = 100, duration_hours = 2",
     "--accelerator-hours and --hours/--days both set the accelerator-hours"),
    ("--pricing ownership --accelerator H100 --accelerator-hours 100 --compute-currency EUR "
     "--hardware-value 30000",
     "pricing = 'ownership', accelerator = 'H100', accelerator_hours = 100, "
     "compute_currency = 'EUR', hardware_value = 30000",
     "the catalogue's electricity_price is in USD but the run's compute currency is EUR"),
]


@pytest.mark.parametrize(("options", "columns", "named"), REFUSED,
                         ids=[c[2].split()[0] for c in REFUSED])
def test_set_compute_refuses_with_the_budgets_own_message(run: Tracker, other: Tracker,
                                                          options: str, columns: str,
                                                          named: str) -> None:
    before = run.digest()
    refused = one_line_error(run(f"run set-compute r1 {options}", expect=1).stderr)
    assert named in refused
    assert run.digest() == before  # nothing stored, no audit event
    # The same plan stored around the tool: the budget says exactly the same.
    other("run create r1 --model M-7B --start 2024-07-01 --end 2024-12-31 --currency USD")
    other.sql(f"UPDATE training_run SET {columns} WHERE slug = 'r1'")
    assert one_line_error(other("budget r1", expect=1).stderr) == refused
    assert refused.startswith("Error: run r1: compute: ")


@pytest.mark.parametrize("value", ["1e400", "-5", "nan", "inf", "NaN", "Infinity", "1e",
                                   "-1e30"])
def test_absurd_figures_are_refused_naming_the_option(run: Tracker, value: str) -> None:
    run("run set-compute r1 --accelerator H100 --flops 1e24 --mfu 0.4")
    before = run.digest()
    message = one_line_error(run(["run", "set-compute", "r1", "--flops", value],
                                 expect=1).stderr)
    assert "flops" in message
    assert f"(got '{value}')" in message or f"(got {value.upper().replace('E', 'E+')})" \
        in message
    assert run.digest() == before


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--mfu", "1.5", "--mfu: must be greater than zero and at most 1 (got 1.5)"),
    ("--pue", "0.9", "--pue: must be at least 1 and at most 10 (got 0.9)"),
    ("--count", "0", "--count: must be at least 1"),
    ("--peak-flops", "1e30", "--peak-flops: must be greater than zero and at most 1E+18"),
    ("--mfu", "0.000000000000000001", "x MFU 0.000000000000000001) comes to 2.808673E+23 "
                                      "accelerator-hours, which must be greater than zero and "
                                      "at most 1E+15"),
])
def test_figures_out_of_range(run: Tracker, option: str, value: str, message: str) -> None:
    run("run set-compute r1 --accelerator H100 --flops 1e24 --mfu 0.4")
    assert message in one_line_error(run(["run", "set-compute", "r1", option, value],
                                         expect=1).stderr)


STORED = [
    ("accelerator_hours = '1E+400'", "--accelerator-hours: must be greater than zero and at "
                                     "most 1E+15 (got 1E+400)"),
    ("accelerator_hours = 'NaN'", "--accelerator-hours: must be a finite number"),
    ("accelerator_hours = 'Infinity'", "--accelerator-hours: must be a finite number"),
    ("accelerator_hours = -5", "--accelerator-hours: must be greater than zero"),
    ("accelerator_hours = NULL, training_flops = '1E+400', mfu = 0.4",
     "--flops: must be greater than zero and at most 1E+35 (got 1E+400)"),
    ("accelerator_count = -3", "--count: must be at least 1"),
    ("accelerator_count = 8, duration_hours = 2",
     "--accelerator-hours and --count both set the accelerator-hours"),
    ("pricing = 'lease'", "--pricing: must be rental or ownership (got 'lease')"),
    ("accelerator = 'Z9000'", "accelerator: unknown 'Z9000'"),
    ("compute_currency = 'XYZ'", "--compute-currency: must be an ISO 4217 currency code"),
    ("mfu = 7", "--mfu: must be greater than zero and at most 1 (got 7)"),
]


@pytest.mark.parametrize(("columns", "named"), STORED, ids=[c[0] for c in STORED])
def test_a_bad_plan_already_stored_fails_in_one_line(run: Tracker, tmp_path: Path,
                                                     columns: str, named: str) -> None:
    """As an older version, a registry JSON import or an edit of the database could leave."""
    run("run set-compute r1 --accelerator H100 --accelerator-hours 100")
    run.sql(f"UPDATE training_run SET {columns} WHERE slug = 'r1'")
    for command in ("budget r1", "budget r1 --json", "budget r1 --csv",
                    f"report audit r1 -o {tmp_path / 'audit.html'}", "check r1"):
        message = one_line_error(run(command, expect=1).stderr)
        assert message.startswith("Error: run r1: "), (command, message)
        assert named in message, (command, message)
    assert not (tmp_path / "audit.html").exists()
    run("flags r1")  # findings do not depend on the plan
    run("run show r1")
    # The plan is repaired with the tool, after which everything works again.
    run("run set-compute r1 --pricing rental --accelerator H100 --compute-currency USD "
        "--accelerator-hours 100 --count '' --hours '' --flops '' --mfu ''")
    assert json.loads(run("budget r1 --json").stdout)["totals"]["compute"] == "299.00"


def test_unreadable_stored_number_is_named_not_an_internal_error(sqlite_tracker: Tracker
                                                                 ) -> None:
    """SQLite keeps whatever text is written into a number's column."""
    t = sqlite_tracker
    t("run create r1 --model M --start 2024-01-01 --end 2024-12-31")
    t("run set-compute r1 --accelerator H100 --accelerator-hours 100")
    t.sql("UPDATE training_run SET accelerator_hours = 'lots' WHERE slug = 'r1'")
    message = one_line_error(t("budget r1", expect=1).stderr)
    assert "run r1: compute: --accelerator-hours: must be a finite number" in message
    assert "training_run #1" in t("verify", expect=1).stderr


def test_accelerator_hours_or_count_and_duration_not_both(run: Tracker) -> None:
    run("run set-compute r1 --accelerator H100 --flops 1e24 --mfu 0.4 --count 8 --days 2")
    data = json.loads(run("budget r1 --json").stdout)
    assert data["compute"]["hours_basis"] == "8 accelerators x 48 h"
    message = one_line_error(run("run set-compute r1 --accelerator-hours 10", expect=1).stderr)
    assert "--accelerator-hours and --count" in message
    # --days '' clears the duration as --hours '' does: the FLOPs give the hours again.
    run(["run", "set-compute", "r1", "--days", ""])
    assert json.loads(run("run show r1 --json").stdout)["duration_hours"] is None
    data = json.loads(run("budget r1 --json").stdout)
    assert data["compute"]["hours_basis"].startswith("training FLOPs given")
    run(["run", "set-compute", "r1", "--count", "", "--accelerator-hours", "10"])
    assert json.loads(run("budget r1 --json").stdout)["compute"]["accelerator_hours"] == "10"
    # Days given and hours cleared in one command: the days stand.
    run(["run", "set-compute", "r1", "--accelerator-hours", "", "--count", "4", "--days", "3",
         "--hours", ""])
    assert json.loads(run("budget r1 --json").stdout)["compute"]["hours_basis"] == \
        "4 accelerators x 72 h"


def test_a_draw_the_flops_count_on_cannot_be_dropped_silently(run: Tracker) -> None:
    run("dataset add web --name Web --size-tokens 1000000000000")
    run("run add-dataset r1 web --epochs 2")
    run("run set-compute r1 --accelerator H100 --parameters 7e9 --mfu 0.4 "
        "--price-per-hour 2")
    assert json.loads(run("budget r1 --json").stdout)["compute"]["training_flops"] == \
        str(6 * 7 * 10**9 * 2 * 10**12)
    before = run.digest()
    message = one_line_error(run("run remove-dataset r1 web --yes", expect=1).stderr)
    assert message.startswith("Error: run r1: compute: give --accelerator-hours")
    assert "datasets drawn whose tokens are known" in message
    assert run.digest() == before
    run("run set-compute r1 --tokens 2e12")
    run("run remove-dataset r1 web --yes")


def test_set_compute_needs_no_draws_when_the_plan_does_not_count_them(run: Tracker) -> None:
    run("dataset add web --name Web")
    run("run set-compute r1 --accelerator H100 --accelerator-hours 100")
    run("run add-dataset r1 web")
    run("run remove-dataset r1 web --yes")


def test_accelerators_show_every_figure_with_its_source(tracker: Tracker) -> None:
    rows = {row["key"]: row for row in json.loads(tracker("run accelerators --json").stdout)}
    h100 = rows["H100"]
    assert h100["server_power_ratio"] == "1.8214"
    assert h100["server_power_ratio_source"].startswith("DGX H100")
    assert h100["average_load"] == "0.75"
    assert h100["average_load_source"].startswith("default: Epoch AI")
    assert rows["TPUv4"]["average_load"] == "0.43"
    assert rows["TPUv5p"]["tdp_w"] is None  # Google publishes none
    for row in rows.values():
        for name, value in row.items():
            if name.endswith("_source") or name in ("key", "name", "notes"):
                continue
            assert value is None or row[f"{name}_source"], (row["key"], name)
            assert value is None or "E" not in value
    text = tracker("run accelerators").stdout
    h100_block = text.split("H100  ")[1].split("\n\n")[0]
    assert "server_power_ratio   1.8214 x TDP" in h100_block
    assert "DGX H100: 10.2 kW for 8 GPUs of 700 W" in h100_block
    assert "average_load         0.75 of TDP" in h100_block
    assert "default: Epoch AI: average power draw 75% of TDP for GPUs" in h100_block
    table = list(csv.DictReader(io.StringIO(tracker("run accelerators --csv").stdout)))
    assert {r["key"]: r["average_load_source"] for r in table}["TPUv4"].startswith("Epoch AI")


def test_a_partial_accelerator_name_offers_every_match(run: Tracker) -> None:
    message = one_line_error(run("run set-compute r1 --accelerator A100", expect=1).stderr)
    assert "did you mean A100-40GB or A100-80GB?" in message
    assert "V100?" not in message
    run("run set-compute r1 --accelerator 'a100 80gb' --accelerator-hours 10")
    assert json.loads(run("run show r1 --json").stdout)["accelerator"] == "A100-80GB"


def test_text_and_csv_budgets_list_the_assumptions(run: Tracker) -> None:
    run("run set-compute r1 --pricing ownership --accelerator H100 --count 16 --days 10")
    assumptions = json.loads(run("budget r1 --json").stdout)["compute"]["assumptions"]
    assert [a.partition(" = ")[0] for a in assumptions] == [
        "hardware_value", "amortization_years", "interconnect_share", "tdp_kw",
        "server_power_ratio", "average_load", "pue", "electricity_price"]
    text = run("budget r1").stdout
    assert "Assumptions not given by the run:" in text
    for assumption in assumptions:
        assert f"    - {assumption}\n" in text
    rows = list(csv.DictReader(io.StringIO(run("budget r1 --csv").stdout)))
    listed = [(r["kind"], r["description"]) for r in rows if r["section"] == "assumption"]
    assert listed == [(a.partition(" = ")[0], a) for a in assumptions]
    # Given figures are no longer assumed.
    run("run set-compute r1 --pue 1.2 --hardware-value 25000")
    text = run("budget r1").stdout
    assert "- pue = " not in text and "- hardware_value = " not in text
    assert "- electricity_price = 0.0806 by default" in text


def test_quantities_and_original_amounts_rounded_for_output_only(run: Tracker,
                                                                  tmp_path: Path) -> None:
    run("fx set EUR USD 1.10 --as-of 2024-06-01")
    run("dataset add news --name News --personal-data no")
    run("license claim news CC-BY-4.0 --by contract")
    run("fee add news --kind recurring --period year --amount 120000 --currency EUR "
        "--counterparty Publisher --start 2024-01-01 --end 2025-12-31")
    run("run add-dataset r1 news")
    run("run set-compute r1 --accelerator H100 --count 1058 --days 32.0 --price-per-hour 2")
    data = json.loads(run("budget r1 --json").stdout)
    assert data["compute"]["accelerator_hours"] == "812544"  # not 812544.0
    recurring = next(li for li in data["lines"] if li["kind"] == "recurring")
    # 120,000 EUR x 184 / 365 = 60,493.1506849...: to the cent, the sum kept exact inside
    assert recurring["original"] == {"amount": "60493.15", "currency": "EUR"}
    assert recurring["amount"] == "66542.47"
    rows = list(csv.DictReader(io.StringIO(run("budget r1 --csv").stdout)))
    assert next(r for r in rows if r["kind"] == "recurring")["original_amount"] == "60493.15"
    assert "812,544 accelerator-hours" in run("budget r1").stdout
    run(f"report audit r1 -o {tmp_path / 'a.html'}")
    html = (tmp_path / "a.html").read_text("utf-8")
    assert "812,544 accelerator-hours" in html
    assert "60,493.15 EUR @ 1.10" in html

    # The FLOPs path: 4.2e22 / (989e12 x 0.4) / 3600 = 29,491.069...h, six decimals at most.
    run("run set-compute r1 --count '' --days '' --parameters 7e9 --tokens 1e12 --mfu 0.4")
    compute = json.loads(run("budget r1 --json").stdout)["compute"]
    assert compute["accelerator_hours"] == "29491.068419"
    assert compute["training_flops"] == "42000000000000000000000"
    hours = Decimal(42) * 10**21 / (Decimal(989) * 10**12 * Decimal("0.4")) / 3600
    assert Decimal(compute["accelerator_hours"]) == hours.quantize(Decimal("0.000001"))
    assert "E+" not in compute["hours_basis"] and "E+" not in " ".join(compute["assumptions"])


@pytest.mark.parametrize(("value", "text", "display"), [
    ("812544.0", "812544", "812,544"),
    ("74786.3247863247863247863247863", "74786.324786", "74,786.324786"),
    ("4.2E+22", "42000000000000000000000", "42,000,000,000,000,000,000,000"),
    ("0.0000004", "0", "0"),
    ("2.5000005", "2.5", "2.5"),  # half to even at the sixth decimal
])
def test_quantities_for_output(value: str, text: str, display: str) -> None:
    from tracker.values.money import money_text, quantity_display, quantity_text

    assert quantity_text(Decimal(value)) == text
    assert quantity_display(Decimal(value)) == display
    assert money_text(Decimal("60493.150684931506849315068"), "EUR") == "60493.15"
    assert money_text(Decimal("1234.5"), "JPY") == "1234"
    assert money_text(Decimal("1.0005"), "KWD") == "1.000"
