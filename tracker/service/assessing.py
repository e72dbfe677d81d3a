"""The one way a command judges the registry: load the policy, load the facts of a run (or of
the whole registry) in one reading transaction, and hand both to the pure assessment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.assess.assessment import Assessment
from tracker.assess.policy import Policy, load_policy
from tracker.service.snapshots import registry_snapshot, run_snapshot

if TYPE_CHECKING:
    from tracker.registry import Registry


def assess(registry: Registry, run: str | None = None, *,
           policy: Policy | str | Path | None = None, today: dt.date | None = None,
           stamp: bool = False) -> Assessment:
    """Judge RUN (or, without one, every dataset) under `policy` (a Policy, a policy file,
    or None for the packaged default) on `today`.

    The policy is read before the registry is opened, so a bad policy file is reported
    first; `stamp` records the registry state's digest in the snapshot, as reports show it.
    """
    rules = policy if isinstance(policy, Policy) else load_policy(policy)
    with registry.reading() as session:
        snapshot = (run_snapshot(session, run, stamp=stamp) if run is not None
                    else registry_snapshot(session, stamp=stamp))
    return Assessment(snapshot, rules, today)
