"""Findings raised by hand and waivers of findings: the records the rules of
`tracker.assess.flags` read beside their own findings. A manual finding counts until it is
resolved; a waived finding stays listed, marked with who accepted it, why and until when."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from tracker.assess.flags import CODES
from tracker.assess.policy import SEVERITIES
from tracker.db.models import FlagWaiver, ManualFlag
from tracker.registry.catalog import find_dataset
from tracker.registry.runs import find_run
from tracker.registry.writer import Writer
from tracker.values import parse
from tracker.values.errors import InvalidValue, NotFound


def add_manual_flag(writer: Writer, dataset_slug: str, *, code: str, severity: str, why: str,
                    fix: str = "", on: object = None) -> ManualFlag:
    """Raise a finding no rule would find on the dataset; it counts until resolved."""
    dataset = find_dataset(writer.session, dataset_slug)
    clean_code = parse.slug(code.strip().lower().replace(" ", "_"), "code")
    row = ManualFlag(
        dataset_id=dataset.id,  # type: ignore[arg-type]
        code=clean_code,
        severity=parse.choice(severity, "severity", SEVERITIES),
        why=parse.name(why, "why") if why else "",
        fix=parse.text(fix, "fix"),
        raised_by=writer.actor,
        raised_on=dt.date.today() if on in (None, "") else parse.date(on, "date"),
    )
    if not row.why:
        raise InvalidValue("why", why, "must say what is wrong")
    return writer.add(row, label=f"{dataset_slug}: {clean_code}")


def resolve_manual_flag(writer: Writer, dataset_slug: str, code: str, on: object = None) -> int:
    """Mark the dataset's open manual findings CODE resolved on `on` (today); kept in the
    history. Returns how many were open."""
    dataset = find_dataset(writer.session, dataset_slug)
    day = dt.date.today() if on in (None, "") else parse.date(on, "date")
    open_flags = writer.session.exec(select(ManualFlag).where(
        ManualFlag.dataset_id == dataset.id, ManualFlag.code == code,
        col(ManualFlag.resolved_on).is_(None))).all()
    if not open_flags:
        raise NotFound(f"flag: no open manual finding {code!r} on {dataset_slug!r}")
    for row in open_flags:
        writer.update(row, {"resolved_on": day}, label=f"{dataset_slug}: resolve {code}")
    return len(open_flags)


def revoke_waivers(writer: Writer, dataset_slug: str, code: str, run_slug: str | None) -> int:
    """End matching waivers yesterday, so from today the finding counts again."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    run = find_run(session, run_slug) if run_slug else None
    today = dt.date.today()
    rows = [w for w in session.exec(select(FlagWaiver).where(
        FlagWaiver.dataset_id == dataset.id, FlagWaiver.code == code)).all()
        if (w.run_id == (run.id if run else None))
        and (w.expires_on is None or w.expires_on >= today)]
    if not rows:
        raise NotFound(f"flag: no waiver of {code!r} in force on {dataset_slug!r}")
    for row in rows:
        writer.update(row, {"expires_on": today - dt.timedelta(days=1)},
                      label=f"{dataset_slug}: revoke waiver of {code}")
    return len(rows)


def waive(writer: Writer, dataset_slug: str, code: str, *, reason: str, run_slug: str | None,
          expires: object = None, on: object = None) -> FlagWaiver:
    """Accept finding CODE on the dataset (for one run, or every run) with a reason, the
    writer's actor recorded as the reviewer; the finding stays listed, marked waived."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    run = find_run(session, run_slug) if run_slug else None
    granted = dt.date.today() if on in (None, "") else parse.date(on, "date")
    expires_on = None if expires in (None, "") else parse.date(expires, "expires")
    parse.date_range(granted, expires_on, "expires")
    if not reason or not reason.strip():
        raise InvalidValue("reason", reason or "", "a waiver needs a reason")
    manual = set(session.exec(select(ManualFlag.code)
                              .where(ManualFlag.dataset_id == dataset.id)).all())
    known = (*CODES, *sorted(manual))
    if code not in known:
        raise InvalidValue("code", code, f"no such finding{parse.suggest(code, known)}")
    row = FlagWaiver(dataset_id=dataset.id, run_id=None if run is None else run.id,  # type: ignore[arg-type]
                     code=parse.slug(code, "code"), reviewer=writer.actor,
                     reason=parse.text(reason, "reason"), granted_on=granted,
                     expires_on=expires_on)
    return writer.add(row, label=f"{dataset_slug}: waive {code}")
