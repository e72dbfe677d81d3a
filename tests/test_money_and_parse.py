"""Money and input parsing, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracker.values import parse
from tracker.values.errors import InvalidValue
from tracker.values.money import Money, parse_amount, parse_currency


@pytest.mark.parametrize("text", ["0.10", "12345678901.23", "0.0000025", "7", "1000000.000001"])
def test_amounts_are_kept_exactly(text: str) -> None:
    assert format(parse_amount(text), "f") == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-5", "negative"), ("NaN", "plain decimal"), ("Infinity", "plain decimal"),
     ("1e6", "plain decimal"), ("12,50", "plain decimal"), ("ten", "plain decimal"),
     ("", "plain decimal"), ("1" * 25, "plain decimal")],
)
def test_bad_amounts_name_the_field_and_value(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_amount(text, "amount")
    assert str(err.value).startswith("amount: ")
    assert reason in str(err.value)
    assert repr(text)[:20] in str(err.value)


def test_sums_are_exact_and_currencies_do_not_mix() -> None:
    total = Money(Decimal("0.10"), "USD") + Money(Decimal("0.20"), "USD")
    assert total == Money(Decimal("0.30"), "USD")
    with pytest.raises(ValueError, match="cannot add EUR to USD"):
        _ = total + Money(Decimal("1"), "EUR")


def test_display_rounds_only_for_people() -> None:
    assert Money(Decimal("12345678901.235"), "EUR").display() == "12,345,678,901.24 EUR"
    assert Money(Decimal("1500"), "JPY").display() == "1,500 JPY"
    assert Money(Decimal("0.0000025"), "USD").display() == "0.0000025 USD"
    assert Money(Decimal("0.0000025"), "USD").as_text() == "0.0000025"


def test_currency_codes() -> None:
    assert parse_currency("eur") == "EUR"
    with pytest.raises(InvalidValue, match="ISO 4217"):
        parse_currency("EURO")
    with pytest.raises(InvalidValue, match="ISO 4217"):
        parse_currency("XAU")


def test_dates_must_exist() -> None:
    assert parse.date("2024-02-29", "start") == dt.date(2024, 2, 29)
    with pytest.raises(InvalidValue, match="start: is not a real calendar date"):
        parse.date("2025-02-30", "start")
    with pytest.raises(InvalidValue, match="YYYY-MM-DD"):
        parse.date("30/01/2025", "start")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "ftp://example.com/x", "file:///etc/passwd", "//example.com"])
def test_only_web_urls(url: str) -> None:
    with pytest.raises(InvalidValue, match="http:// or https://"):
        parse.url(url, "homepage")


def test_urls_without_spaces() -> None:
    assert parse.url("https://example.com/terms?x=1", "terms") == "https://example.com/terms?x=1"
    with pytest.raises(InvalidValue, match="terms: must not contain spaces"):
        parse.url("http://exa mple.com", "terms")


def test_slugs_and_languages() -> None:
    assert parse.slug("allenai/c4") == "allenai/c4"
    for bad in ["", "-x", "a b", "<script>", "x" * 200]:
        with pytest.raises(InvalidValue, match="slug"):
            parse.slug(bad)
    assert parse.languages("en, fr,pt-BR,en") == "en,fr,pt-BR"
    with pytest.raises(InvalidValue, match="language code"):
        parse.languages("english")


def test_suggestions() -> None:
    assert parse.suggest("news-archiv", ["news-archive", "forum"]) == \
        " (did you mean news-archive?)"
    assert parse.suggest("zzz", ["news-archive"]) == ""
