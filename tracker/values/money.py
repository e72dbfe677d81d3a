"""Decimal amounts with an ISO 4217 currency.

Amounts are never floats and never rounded before display: per-token rates such
as 0.0000025 must survive storage and arithmetic exactly.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from tracker.values.errors import InvalidValue

# Active ISO 4217 codes (2024 list) plus the precious-metal/fund codes are left
# out on purpose: a licence fee in XAU is far more likely to be a typo.
CURRENCIES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF
    YER ZAR ZMW ZWG
    """.split()
)

# Minor units for display; everything not listed shows two decimals.
_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

# Amounts take up to 38 significant digits; sums and products of them must not round.
decimal.getcontext().prec = 80
decimal.DefaultContext.prec = 80

# Plain decimal notation only: exponents, signs and thousands separators are
# refused rather than guessed at.
_AMOUNT = re.compile(r"^\d{1,20}(\.\d{1,18})?$")
MAX_DIGITS = 38


def parse_currency(value: str, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased, or InvalidValue naming `field`."""
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        raise InvalidValue(field, value, "not an ISO 4217 currency code")
    return code


def parse_amount(value: object, field: str = "amount", *, allow_zero: bool = True) -> Decimal:
    """A non-negative decimal given in plain notation, e.g. '0.0000025' or '1200.50'."""
    if isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() else str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidValue(field, value, "must be a decimal number such as 1200.50")
    if text.startswith("-"):
        raise InvalidValue(field, value, "must not be negative")
    if not _AMOUNT.match(text):
        raise InvalidValue(field, value, "must be a plain decimal number such as 1200.50")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards
        raise InvalidValue(field, value, "must be a decimal number") from exc
    if not allow_zero and amount == 0:
        raise InvalidValue(field, value, "must be greater than zero")
    return amount


def minor_unit(currency: str) -> Decimal:
    """The smallest amount a currency books: 0.01 for USD, 1 for JPY."""
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency, 2))


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """The amount rounded half-even to the currency's minor unit (cents, yen):
    the one rounding a displayed or summed line gets."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def decimal_text(amount: Decimal) -> str:
    """The exact, canonical text of a decimal: no exponent, trailing zeros kept."""
    return format(amount, "f")


QUANTITY_PLACES = 6


def _rounded(value: Decimal, places: int) -> Decimal:
    """`value` to `places` decimals, where the context's precision allows (always, for the
    figures the tool accepts)."""
    if not value.is_finite() or value.adjusted() + places + 1 > decimal.getcontext().prec:
        return value
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def quantity_text(value: Decimal, places: int = QUANTITY_PLACES) -> str:
    """A quantity for JSON and CSV: at most six decimals, no exponent, no trailing zeros
    ('812544', '74786.324786'). Sums inside stay exact; only their output is rounded."""
    text = format(_rounded(value, places), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity_display(value: Decimal, places: int = QUANTITY_PLACES) -> str:
    """The same quantity for people, with thousands separators: 4,500,000,000,000."""
    whole, _, fraction = quantity_text(value, places).partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return f"{grouped}.{fraction}" if fraction else grouped


def money_text(amount: Decimal, currency: str) -> str:
    """An amount for JSON and CSV, rounded to the currency's minor unit: '60493.15'."""
    return decimal_text(to_minor_unit(amount, currency)) if amount.is_finite() \
        else str(amount)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * Decimal(factor), self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """An amount of nothing in the currency, e.g. where a sum starts."""
        return cls(Decimal(0), currency)

    def as_text(self) -> str:
        """The exact amount for JSON/CSV: money is a string so no reader turns it into a float."""
        return decimal_text(self.amount)

    def display(self) -> str:
        """Rounded to the currency's minor unit, with thousands separators: for people only."""
        quantum = minor_unit(self.currency)
        shown = self.amount
        # Rates smaller than the minor unit would display as 0.00; show them whole.
        if shown != 0 and abs(shown) < quantum:
            return f"{decimal_text(shown)} {self.currency}"
        return f"{shown.quantize(quantum, rounding=ROUND_HALF_EVEN):,} {self.currency}"

    def __str__(self) -> str:
        return self.display()
