"""Training runs: their period, currency, intended use, compute plan, and what they draw."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from tracker.assess.compute import catalogue
from tracker.db.models import (
    CostItem,
    Dataset,
    FlagWaiver,
    Review,
    RunDataset,
    TrainingRun,
)
from tracker.facts.compute_plan import BOUNDS, OPTIONS, PRICINGS
from tracker.registry import Writer
from tracker.registry.catalog import find_dataset, public
from tracker.values import parse
from tracker.values.errors import InvalidValue, NotFound
from tracker.values.money import parse_amount, parse_currency

INTENDED_USES = ("commercial", "non_commercial", "research")
RUN_STATUSES = ("planned", "running", "finished", "cancelled")
LIST_COLUMNS = ("slug", "model_name", "period_start", "period_end", "currency", "intended_use",
                "status")


def find_run(session: Session, slug: str) -> TrainingRun:
    """The training run SLUG, or NotFound with the nearest slug suggested."""
    run = session.exec(select(TrainingRun).where(TrainingRun.slug == slug)).first()
    if run is None:
        known = session.exec(select(TrainingRun.slug)).all()
        raise NotFound(f"run: no training run {slug!r}{parse.suggest(slug, known)}")
    return run


def _percent(value: object, field: str) -> Decimal:
    pct = parse_amount(value, field)
    if pct > 100:
        raise InvalidValue(field, value, "must be a percentage between 0 and 100")
    return pct


def create_run(writer: Writer, slug: str, *, model_name: str, start: object, end: object,
               currency: str = "USD", intended_use: str = "commercial",
               contingency: object = "0", provider: str = "", description: str = ""
               ) -> TrainingRun:
    """Create a training run with checked values; refuses a slug already taken and an end
    before the start."""
    slug = parse.slug(slug)
    if writer.session.exec(select(TrainingRun.id).where(TrainingRun.slug == slug)).first():
        raise InvalidValue("slug", slug, "a training run with this slug already exists")
    period_start = parse.date(start, "start")
    period_end = parse.date(end, "end")
    parse.date_range(period_start, period_end, "end")
    run = TrainingRun(
        slug=slug, model_name=parse.name(model_name, "model"),
        period_start=period_start, period_end=period_end,
        currency=parse_currency(currency),
        intended_use=parse.choice(intended_use, "use", INTENDED_USES),
        contingency_pct=_percent(contingency, "contingency"),
        provider=parse.text(provider, "provider", limit=300),
        description=parse.text(description, "description"),
    )
    return writer.add(run, label=slug)


def _positive(value: object, field: str) -> Decimal:
    return parse_amount(value, field, allow_zero=False)


def _fraction(value: object, field: str) -> Decimal:
    number = parse_amount(value, field)
    if number > 1:
        raise InvalidValue(field, value, "must be a fraction between 0 and 1")
    return number


def _scientific(value: object, field: str) -> Decimal:
    """Large FLOP and token counts: plain digits or 3.8e25."""
    text = str(value).strip().lower()
    mantissa, e, exponent = text.partition("e")
    if e and (not exponent.lstrip("+").isdigit() or len(exponent) > 3):
        raise InvalidValue(field, value, "must be a number such as 3.8e25")
    try:
        number = parse_amount(mantissa, field)
    except InvalidValue as exc:  # said of the whole text given, not of its mantissa
        raise InvalidValue(field, value, exc.reason) from None
    return number.scaleb(int(exponent or 0))


# How each compute option's text is read; the range each figure may take is the plan's own
# check (ComputePlan.check), which the budget applies to whatever is stored.
_SCIENTIFIC = ("training_flops", "parameters", "training_tokens", "peak_flops")


def _compute_value(field: str, raw: object) -> Decimal | int:
    label = OPTIONS[field].lstrip("-")
    if field == "accelerator_count":
        return parse.count(raw, label)
    if field in _SCIENTIFIC:
        return _scientific(raw, label)
    return parse_amount(raw, label)


def _compute_changes(values: Mapping[str, object]) -> dict[str, Any]:
    """The plan fields the options set ('' clears one); days become hours."""
    changes: dict[str, Any] = {}
    days = values.get("duration_days")
    if days not in (None, "") and values.get("duration_hours") not in (None, ""):
        raise InvalidValue("days", days, "give --days or --hours, not both")
    for field in BOUNDS:
        raw = values.get(field)
        if raw is not None:
            changes[field] = None if raw == "" else _compute_value(field, raw)
    if days not in (None, ""):
        changes["duration_hours"] = parse_amount(days, "days") * 24
    elif days == "" and "duration_hours" not in changes:  # clears as --hours '' does
        changes["duration_hours"] = None
    if values.get("pricing"):
        changes["pricing"] = parse.choice(values["pricing"], "pricing", PRICINGS)
    if values.get("accelerator"):
        changes["accelerator"] = catalogue().get(str(values["accelerator"])).key
    elif values.get("accelerator") == "":
        changes["accelerator"] = None
    if values.get("compute_currency"):
        changes["compute_currency"] = parse_currency(str(values["compute_currency"]),
                                                     "compute-currency")
    return changes


def set_compute(writer: Writer, slug: str, values: Mapping[str, object]) -> bool:
    """Set compute-plan fields; '' clears one. The plan must then price as the budget
    prices it, or nothing is changed."""
    run = find_run(writer.session, slug)
    changed = writer.update(run, _compute_changes(values), label=slug)
    check_compute(writer, run)
    return changed


def check_compute(writer: Writer, run: TrainingRun, *, draws_changed: bool = False) -> None:
    """Refuse a change that leaves the run's compute plan unpriceable, with the message the
    budget would give: the check is the budget's own computation. A change to what the run
    draws matters only to a plan whose FLOPs count the tokens drawn."""
    from tracker.assess.budget import compute_estimate, plan_estimate
    from tracker.facts.load import load_run, plan_of

    plan = plan_of(run)
    if plan.counts_drawn_tokens:
        compute_estimate(load_run(writer.session, run))
    elif not draws_changed:
        plan_estimate(run.slug, plan)  # the draws do not matter: no need to read them


def edit_run(writer: Writer, slug: str, values: Mapping[str, object]) -> bool:
    """Change the run's given values (a blank one leaves a field alone, but clears a text
    field), the period checked as a whole; False when nothing changed."""
    run = find_run(writer.session, slug)
    changes: dict[str, Any] = {}
    if values.get("model_name"):
        changes["model_name"] = parse.name(values["model_name"], "model")
    if values.get("start"):
        changes["period_start"] = parse.date(values["start"], "start")
    if values.get("end"):
        changes["period_end"] = parse.date(values["end"], "end")
    if values.get("currency"):
        changes["currency"] = parse_currency(str(values["currency"]))
    if values.get("intended_use"):
        changes["intended_use"] = parse.choice(values["intended_use"], "use", INTENDED_USES)
    if values.get("contingency") not in (None, ""):
        changes["contingency_pct"] = _percent(values["contingency"], "contingency")
    if values.get("status"):
        changes["status"] = parse.choice(values["status"], "status", RUN_STATUSES)
    if values.get("provider") is not None:
        changes["provider"] = parse.text(values["provider"], "provider", limit=300)
    for name in ("tdm_measures", "illegal_content_measures", "other_processing"):
        if values.get(name) is not None:
            changes[name] = parse.text(values[name], name.replace("_", "-"))
    parse.date_range(changes.get("period_start", run.period_start),
                     changes.get("period_end", run.period_end), "end")
    return writer.update(run, changes, label=slug)


def draw_dataset(writer: Writer, run_slug: str, dataset_slug: str, *, tokens: object = None,
                 records: object = None, hours: object = None, share: object = None,
                 epochs: object = None) -> tuple[RunDataset, bool]:
    """Draw a dataset (True), or replace the amounts of an existing draw (False)."""
    session = writer.session
    run = find_run(session, run_slug)
    dataset = find_dataset(session, dataset_slug)
    values = {
        "tokens": None if tokens in (None, "") else parse.count(tokens, "tokens"),
        "records": None if records in (None, "") else parse.count(records, "records"),
        "hours": None if hours in (None, "") else parse_amount(hours, "hours"),
        "share": None if share in (None, "") else _fraction(share, "share"),
        "epochs": Decimal(1) if epochs in (None, "") else _positive(epochs, "epochs"),
    }
    label = f"{run_slug} draws {dataset_slug}"
    existing = session.exec(select(RunDataset).where(RunDataset.run_id == run.id,
                                                     RunDataset.dataset_id == dataset.id)).first()
    created = existing is None
    if existing is not None:
        writer.update(existing, values, label)
    else:
        existing = writer.add(RunDataset(run_id=run.id, dataset_id=dataset.id, **values),  # type: ignore[arg-type]
                              label=label)
    check_compute(writer, run, draws_changed=True)
    return existing, created


def undraw_dataset(writer: Writer, run_slug: str, dataset_slug: str) -> None:
    """Stop a run drawing a dataset; refused if the run's compute plan would no longer price
    (a plan counting the drawn tokens)."""
    session = writer.session
    run = find_run(session, run_slug)
    dataset = find_dataset(session, dataset_slug)
    row = session.exec(select(RunDataset).where(RunDataset.run_id == run.id,
                                                RunDataset.dataset_id == dataset.id)).first()
    if row is None:
        raise NotFound(f"run: {run_slug!r} does not draw {dataset_slug!r}")
    writer.delete(row, label=f"{run_slug} draws {dataset_slug}")
    check_compute(writer, run, draws_changed=True)


def with_owner(session: Session, model: Any, *, dataset_slug: str | None,
               run_slug: str | None) -> Any:
    """Rows of `model` (which has dataset_id and run_id) with their dataset and run slugs,
    limited to one dataset or one run when given."""
    query = (select(model, Dataset.slug, TrainingRun.slug)
             .outerjoin(Dataset, col(Dataset.id) == model.dataset_id)
             .outerjoin(TrainingRun, col(TrainingRun.id) == model.run_id))
    if dataset_slug:
        query = query.where(model.dataset_id == find_dataset(session, dataset_slug).id)
    if run_slug:
        query = query.where(model.run_id == find_run(session, run_slug).id)
    return query


def list_runs(session: Session) -> list[dict[str, Any]]:
    """Every training run as a full record, by slug."""
    return [public(r) for r in session.exec(select(TrainingRun).order_by(TrainingRun.slug))]


def run_detail(session: Session, slug: str) -> dict[str, Any]:
    """A run's record with the datasets it draws, by slug, and how much of each."""
    run = find_run(session, slug)
    draws = session.exec(select(RunDataset, Dataset.slug)
                         .join(Dataset, col(Dataset.id) == RunDataset.dataset_id)
                         .where(RunDataset.run_id == run.id).order_by(Dataset.slug)).all()
    return {
        **public(run),
        "datasets": [{"dataset": slug_, **public(d, "run_id", "dataset_id")}
                     for d, slug_ in draws],
    }


def remove_run(writer: Writer, slug: str) -> int:
    """Delete a run with its draws, cost items, waivers and reviews; returns the number of
    rows removed."""
    session = writer.session
    run = find_run(session, slug)
    rows = [*session.exec(select(RunDataset).where(RunDataset.run_id == run.id)),
            *session.exec(select(CostItem).where(CostItem.run_id == run.id)),
            *session.exec(select(FlagWaiver).where(FlagWaiver.run_id == run.id)),
            *session.exec(select(Review).where(Review.run_id == run.id))]
    for row in rows:
        writer.delete(row, label=f"{slug}: {row.__tablename__}")
    writer.delete(run, label=slug)
    return len(rows) + 1
