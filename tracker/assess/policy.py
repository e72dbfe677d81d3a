"""Policy files (TOML): severities and reserves per finding code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.values.errors import TrackerError
from tracker.values.money import parse_currency

SEVERITIES = ("info", "warning", "critical", "blocker")
RESERVE_KINDS = ("fixed", "percent", "shadow_licence")
SHADOW_UNITS = ("token", "record", "image", "hour", "gb")


@dataclass(frozen=True)
class Reserve:
    kind: str
    amount: Decimal = Decimal(0)
    currency: str = "USD"
    percent: Decimal = Decimal(0)
    rate: Decimal = Decimal(0)
    unit: str = "token"


@dataclass(frozen=True)
class Rule:
    severity: str
    reserve: Reserve | None = None


@dataclass(frozen=True)
class Policy:
    rules: dict[str, Rule]
    waived_flags_keep_reserve: bool = True
    source: str = "default policy"
    # Which branch of an SPDX OR the organisation takes: the permissive one it may choose.
    or_branch: str = "permissive"
    reviewer_must_differ: bool = False
    review_max_age_days: int | None = None
    fail_on: str = "blocker"
    extra: dict[str, Any] = field(default_factory=dict)

    def severity(self, code: str, fallback: str = "warning") -> str:
        """The severity the policy gives a finding code, or `fallback` if it has no rule for it."""
        rule = self.rules.get(code)
        return rule.severity if rule else fallback

    def reserve(self, code: str) -> Reserve | None:
        """The reserve the policy sets aside for a finding code, or None if it sets none."""
        rule = self.rules.get(code)
        return rule.reserve if rule else None


def _decimal(value: object, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise TrackerError(f"{where}: not a number ({value!r})") from exc
    if not number.is_finite() or number < 0:
        raise TrackerError(f"{where}: must be a non-negative number ({value!r})")
    return number


def _reserve(spec: dict[str, Any], where: str) -> Reserve:
    kind = spec.get("kind")
    if kind == "fixed":
        return Reserve(kind, amount=_decimal(spec.get("amount"), f"{where}.amount"),
                       currency=parse_currency(str(spec.get("currency", "")), f"{where}.currency"))
    if kind == "percent":
        return Reserve(kind, percent=_decimal(spec.get("percent"), f"{where}.percent"))
    if kind == "shadow_licence":
        unit = spec.get("unit", "token")
        if unit not in SHADOW_UNITS:
            raise TrackerError(f"{where}.unit: must be one of {', '.join(SHADOW_UNITS)} "
                               f"({unit!r})")
        return Reserve(kind, rate=_decimal(spec.get("rate"), f"{where}.rate"),
                       currency=parse_currency(str(spec.get("currency", "")), f"{where}.currency"),
                       unit=unit)
    raise TrackerError(f"{where}.kind: must be one of {', '.join(RESERVE_KINDS)} ({kind!r})")


def parse_policy(text: str, source: str) -> Policy:
    """A policy from TOML text: severities and reserves per finding code, how OR
    is read, what fails the check, how old a review may be. `source` names the file in
    every error, which names the key and the value refused."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TrackerError(f"policy {source}: not valid TOML: {exc}") from exc
    rules: dict[str, Rule] = {}
    for code, spec in data.get("flags", {}).items():
        where = f"policy {source}: flags.{code}"
        if not isinstance(spec, dict):
            raise TrackerError(f"{where}: must be a table")
        severity = spec.get("severity")
        if severity not in SEVERITIES:
            raise TrackerError(f"{where}.severity: must be one of {', '.join(SEVERITIES)} "
                               f"({severity!r})")
        reserve = spec.get("reserve")
        rules[code] = Rule(severity, None if reserve is None else _reserve(reserve,
                                                                           f"{where}.reserve"))
    options = data.get("policy", {})
    or_branch = options.get("or_branch", "permissive")
    if or_branch not in ("permissive", "strictest"):
        raise TrackerError(f"policy {source}: policy.or_branch: must be permissive or strictest "
                           f"({or_branch!r})")
    fail_on = options.get("fail_on", "blocker")
    if fail_on not in SEVERITIES:
        raise TrackerError(f"policy {source}: policy.fail_on: must be one of "
                           f"{', '.join(SEVERITIES)} ({fail_on!r})")
    reviews = data.get("reviews", {})
    max_age = reviews.get("max_age_days")
    if max_age is not None and (not isinstance(max_age, int) or max_age < 1):
        raise TrackerError(f"policy {source}: reviews.max_age_days: must be a whole number of "
                           f"days ({max_age!r})")
    return Policy(rules, bool(options.get("waived_flags_keep_reserve", True)), source,
                  or_branch, bool(reviews.get("reviewer_must_differ", False)), max_age, fail_on,
                  options)


def default_policy_text() -> str:
    """The packaged default policy file, as text."""
    return resources.files("tracker.data").joinpath("policy.toml").read_text("utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in the file at `path`, or the packaged default when None."""
    if path is None:
        return parse_policy(default_policy_text(), "default policy")
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrackerError(f"policy: cannot read {file} ({exc.__class__.__name__})") from exc
    return parse_policy(text, str(file))
