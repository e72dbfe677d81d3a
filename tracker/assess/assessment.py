"""One snapshot judged by one policy on one day: its findings, the gate a CI pipeline applies,
and, for a training run, its budget. Every command that judges the registry (budget, flags,
check, the reports, the review queue) reads it from here, so they cannot disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from tracker.assess.budget import Budget, build, compute_estimate
from tracker.assess.flags import Finding, evaluate
from tracker.assess.policy import SEVERITIES, Policy
from tracker.facts.snapshot import Snapshot


@dataclass(frozen=True)
class Gate:
    """The CI gate's verdict: findings at or above `level` fail it unless waived."""

    level: str
    failing: tuple[Finding, ...]
    waived: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        """True when nothing fails the gate."""
        return not self.failing


@dataclass(frozen=True)
class Assessment:
    """The judgement of `snapshot` under `policy` on `today` (None: the current date).

    Findings and budget are worked out on first use and once: a command asking for the
    budget does not evaluate the rules twice."""

    snapshot: Snapshot
    policy: Policy
    today: dt.date | None = None

    @cached_property
    def findings(self) -> list[Finding]:
        """Every finding in scope, most severe first, waived ones marked."""
        return evaluate(self.snapshot, self.policy, today=self.today)

    @cached_property
    def budget(self) -> Budget:
        """The run's budget (compute, data, contingency, reserves for the findings); an
        error for a snapshot without a run or a run that cannot be priced."""
        return build(self.snapshot, self.policy, today=self.today, findings=self.findings)

    def gate(self, level: str | None = None) -> Gate:
        """The check a pipeline runs before training: no unwaived finding at or above
        `level` (the policy's fail_on if None), and a compute plan that prices."""
        level = level or self.policy.fail_on
        compute_estimate(self.snapshot)  # a gate must not pass a run that cannot be priced
        bar = SEVERITIES.index(level)
        failing = tuple(f for f in self.findings
                        if f.waiver is None and SEVERITIES.index(f.severity) >= bar)
        waived = tuple(f for f in self.findings if f.waiver is not None)
        return Gate(level, failing, waived)
