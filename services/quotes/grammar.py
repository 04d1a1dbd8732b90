"""One tokenizer/parser for `/quote` and `/discount` (spec §4.1).

Returns a typed command, a `HelpRequest`, or raises `ParseError` (what was wrong plus a working
example). It never guesses: an unknown token, a contradiction or a value out of range is an error,
and nothing else is ever raised, whatever the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from services.quotes.policy import (
    CENT,
    DEFAULT_TERM_MONTHS,
    MARGIN_NEGATIVE_CASES,
    MONTHS_A_YEAR,
    NEVER_ALLOWED,
    SELF_SERVE_TRANCHES,
    STANDARD_NET_DAYS,
)

QUOTE_EXAMPLE = "/quote 120k 2y net30 --renewal --days-to-expiry=75"
DISCOUNT_EXAMPLE = "/discount 30% 60k --new --signatory-confirmed --role=tae"

QUOTE_USAGE = (
    "/quote <amount> [term] [payment...] [flags...]\n"
    "  amount: credit before discount (25k, $120,000, 1.5m) or monthly list spend (10k/mo)\n"
    "  term: 12m (default), 18m, 2y, 3y\n"
    "  payment: upfront (default), yearly, net30 (default) / net45 / net60..., card, aws;\n"
    "           monthly, quarterly, split, check are answered with why not\n"
    "  flags: --new | --conversion | --renewal, --signatory-confirmed, --missed-sign-date,\n"
    "         --days-to-expiry=N, --credits-ran-out, --years-upfront=N, --nonprofit, --self-serve,\n"
    "         --startup, --competitor-quote=50k, --buyout-months=N, --country=DE, --basis=annual|total,\n"
    "         --expansion-of=60k:12m:30% --month=N, --rollover=120k:96k:70k, --role=tae|tam|csm"
)
DISCOUNT_USAGE = (
    "/discount <proposed> <amount> [term] [payment...] [flags...]\n"
    "  proposed: 30% or price=90000\n"
    "  then everything /quote takes, plus --role=tae|tam|csm,\n"
    "  --exception=strategic-logo|competitor-takeaway|churn-to-competitor,\n"
    "  --reason=" + "|".join(NEVER_ALLOWED)
)

MAX_MONEY = Decimal("1000000000000")  # not policy: a trillion: anything larger is a typo, not a deal
MAX_TERM_MONTHS = 120  # not policy: input sanity limit (ten years)
MAX_DAYS = 3650  # not policy: input sanity limit (ten years)

SCHEDULES = ("upfront", "yearly", "monthly", "quarterly", "split")
METHODS = ("card", "aws", "check")
MOTIONS = ("new", "conversion", "renewal")
# IMPORT.md team roles and their synonyms (AE is a TAE, AM a TAM, CSE a CSM).
ROLES = {
    "tae": "TAE", "ae": "TAE", "tam": "TAM", "am": "TAM", "csm": "CSM", "cse": "CSM",
    "onboarding": "ONBOARDING", "bdr": "BDR", "lead": "LEAD", "other": "OTHER",
}


class ParseError(Exception):
    """Bad input: `message` says what was wrong, `example` is a command that works."""

    def __init__(self, message: str, example: str, usage: str) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        self.usage = usage


@dataclass(frozen=True)
class OriginalContract:
    """The order form an expansion adds to (`--expansion-of=60k:12m:30%[:yearly]`)."""

    credit: Decimal
    term_months: int
    discount_pct: Decimal
    paid_yearly: bool = False


@dataclass(frozen=True)
class Rollover:
    """Unused credit of the current order form a renewal may carry over (`--rollover=120k:96k:70k`)."""

    original_credit: Decimal
    original_annual_spend: Decimal
    unused: Decimal


@dataclass(frozen=True)
class Deal:
    """Everything a rep can say about a prepaid credit purchase."""

    credit: Decimal
    term_months: int = DEFAULT_TERM_MONTHS
    term_given: bool = False
    monthly_spend: Decimal | None = None
    schedule: str = "upfront"
    method: str = "bank"
    net_days: int = STANDARD_NET_DAYS
    net_given: bool = False
    motion: str | None = None
    signatory_confirmed: bool = False
    missed_sign_date: bool = False
    days_to_expiry: int | None = None
    credits_ran_out: bool = False
    years_upfront: int | None = None
    nonprofit: bool = False
    self_serve: bool = False
    startup: bool = False
    competitor_quote: Decimal | None = None
    buyout_months: int | None = None
    country: str | None = None
    basis: str | None = None
    expansion_of: OriginalContract | None = None
    expansion_month: int | None = None
    rollover: Rollover | None = None
    role: str | None = None


@dataclass(frozen=True)
class QuoteCommand:
    deal: Deal


@dataclass(frozen=True)
class DiscountCommand:
    deal: Deal
    proposed_pct: Decimal
    proposed_price: Decimal | None = None
    exception: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class HelpRequest:
    command: str
    usage: str
    example: str


_MONEY = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([km])?$")
_PCT = re.compile(r"^(\d{1,3}(?:\.\d{1,4})?)%$")
_TERM = re.compile(r"^(\d{1,4})(y|yr|yrs|year|years|m|mo|mos|month|months)$")
_NET = re.compile(r"^net-?(\d{1,4})$")
_INT = re.compile(r"^\d{1,6}$")
_DASHES = ("\u2014", "\u2013", "\u2012", "\u2212")  # Slack clients turn "--" into an em dash


def parse_money(raw: str) -> Decimal | None:
    """`25k`, `$120,000`, `1.5m` -> Decimal dollars; None when it is not money at all."""
    m = _MONEY.match(raw)
    if not m:
        return None
    digits = m.group(1).replace(",", "") + (m.group(2) or "")  # not policy: regex groups
    value = Decimal(digits) * {None: 1, "k": 1000, "m": 1000000}[m.group(3)]  # not policy: units, regex group
    return value


def parse_quote(text: str) -> QuoteCommand | HelpRequest:
    return _guarded("quote", text)  # type: ignore[return-value]


def parse_discount(text: str) -> DiscountCommand | HelpRequest:
    return _guarded("discount", text)  # type: ignore[return-value]


def _guarded(command: str, text: str) -> QuoteCommand | DiscountCommand | HelpRequest:
    example, usage = _help_for(command)
    try:
        return _parse(command, text if isinstance(text, str) else "", example, usage)
    except ParseError:
        raise
    except (ArithmeticError, ValueError, InvalidOperation, IndexError, KeyError, TypeError) as exc:
        raise ParseError(f"I could not read that ({type(exc).__name__}).", example, usage) from exc


def _help_for(command: str) -> tuple[str, str]:
    return (QUOTE_EXAMPLE, QUOTE_USAGE) if command == "quote" else (DISCOUNT_EXAMPLE, DISCOUNT_USAGE)


def _normalise(text: str) -> list[str]:
    for dash in _DASHES:
        text = text.replace(dash, "--")
    text = text.replace("\u00a0", " ").replace("\u2009", " ").lower()
    tokens = text.split()
    # "net 60" -> "net60"
    joined: list[str] = []
    for tok in tokens:
        if joined and joined[-1] == "net" and _INT.match(tok):
            joined[-1] = "net" + tok
        else:
            joined.append(tok)
    return joined


def _parse(command: str, text: str, example: str, usage: str) -> QuoteCommand | DiscountCommand | HelpRequest:
    def fail(message: str) -> ParseError:
        return ParseError(message, example, usage)

    tokens = _normalise(text)
    if not tokens or tokens in (["help"], ["--help"], ["-h"], ["?"]):
        return HelpRequest(command=command, usage=usage, example=example)

    proposed_pct: Decimal | None = None
    proposed_price: Decimal | None = None
    if command == "discount":
        if len(tokens) < 2:  # not policy: two tokens (proposed, amount)
            raise fail("/discount needs the proposed discount and the credit amount.")
        first, second = tokens[0], tokens[1]
        if not _is_proposed(first) and _is_proposed(second):
            first, second = second, first
        proposed_pct, proposed_price = _parse_proposed(first, fail)
        tokens = [second, *tokens[2:]]  # not policy: after the two tokens

    credit, monthly = _parse_amount(tokens[0], fail)
    fields: dict[str, object] = {}
    exception: str | None = None
    reason: str | None = None
    expansion_raw: str | None = None

    def once(key: str, value: object, label: str) -> None:
        if key in fields and fields[key] != value:
            raise fail(f"{label} is given twice ({fields[key]} and {value}); give one.")
        fields[key] = value

    for tok in tokens[1:]:
        if tok == "help":
            return HelpRequest(command=command, usage=usage, example=example)
        if m := _TERM.match(tok):
            months = int(m.group(1)) * (MONTHS_A_YEAR if m.group(2).startswith("y") else 1)  # not policy: regex groups
            if not 1 <= months <= MAX_TERM_MONTHS:
                raise fail(f"Term {tok} is out of range: give 1 to {MAX_TERM_MONTHS} months (e.g. 12m, 2y).")
            once("term_months", months, "The term")
        elif tok in SCHEDULES:
            once("schedule", tok, "The payment schedule")
        elif tok in METHODS:
            once("method", tok, "The payment method")
        elif m := _NET.match(tok):
            days = int(m.group(1))
            if days > 365:  # not policy: input sanity limit (a year)
                raise fail(f"{tok}: payment terms over 365 days are not a thing; try net60.")
            once("net_days", days, "The payment terms")
        elif tok.startswith("--"):
            name, has_value, value = tok[2:].partition("=")  # not policy: strip the leading "--"
            if name in MOTIONS and not has_value:
                once("motion", name, "The deal type (--new, --conversion or --renewal)")
            elif name in ("signatory-confirmed", "missed-sign-date", "credits-ran-out", "nonprofit",
                          "self-serve", "startup") and not has_value:
                fields[name.replace("-", "_")] = True
            elif name in ("days-to-expiry", "years-upfront", "buyout-months", "month") and has_value:
                if not _INT.match(value):
                    raise fail(f"--{name} needs a whole number, e.g. --{name}=6 (got '{value}').")
                number = int(value)
                if number > MAX_DAYS:
                    raise fail(f"--{name}={value} is out of range.")
                key = {"month": "expansion_month"}.get(name, name.replace("-", "_"))
                once(key, number, f"--{name}")
            elif name == "competitor-quote" and has_value:
                quote = parse_money(value)
                if quote is None or quote <= 0 or quote > MAX_MONEY:
                    raise fail(f"--competitor-quote needs an amount, e.g. --competitor-quote=50k (got '{value}').")
                once("competitor_quote", quote, "--competitor-quote")
            elif name == "country" and has_value:
                if not re.fullmatch(r"[a-z]{2}", value):
                    raise fail(f"--country needs a two-letter ISO code, e.g. --country=DE (got '{value}').")
                once("country", value.upper(), "--country")
            elif name == "basis" and has_value:
                if value not in ("annual", "total"):
                    raise fail(f"--basis is annual or total (got '{value}').")
                once("basis", value, "--basis")
            elif name == "role" and has_value:
                if value not in ROLES:
                    raise fail(f"--role is tae, tam or csm (got '{value}').")
                once("role", ROLES[value], "--role")
            elif name == "rollover" and has_value:
                once("rollover", _parse_rollover(value, fail), "--rollover")
            elif name == "expansion-of" and has_value:
                once("_expansion", value, "--expansion-of")
                expansion_raw = value
            elif name == "exception" and has_value and command == "discount":
                if value not in MARGIN_NEGATIVE_CASES:
                    raise fail("--exception is one of: " + ", ".join(MARGIN_NEGATIVE_CASES) + f" (got '{value}').")
                once("_exception", value, "--exception")
                exception = value
            elif name == "reason" and has_value and command == "discount":
                if value not in NEVER_ALLOWED:
                    raise fail("--reason is one of: " + ", ".join(NEVER_ALLOWED) + f" (got '{value}').")
                once("_reason", value, "--reason")
                reason = value
            else:
                raise fail(f"I don't know the flag '{tok}'.")
        else:
            raise fail(f"I don't know '{tok}'." + _hint(tok))

    fields = {k: v for k, v in fields.items() if not k.startswith("_")}
    deal = Deal(credit=credit, monthly_spend=monthly)
    if "term_months" in fields:
        fields["term_given"] = True
    if "net_days" in fields:
        fields["net_given"] = True
    deal = replace(deal, **fields)  # type: ignore[arg-type]
    if monthly is not None:
        deal = replace(deal, credit=monthly * deal.term_months)
    if expansion_raw is not None:
        deal = replace(deal, expansion_of=_parse_original(expansion_raw, fail))
    _check_consistency(deal, fail)

    if command == "quote":
        return QuoteCommand(deal=deal)
    if proposed_price is not None:
        if proposed_price > deal.credit:
            raise fail(
                f"price={proposed_price:,.2f} is above the credit amount {deal.credit:,.2f}: that is not a discount."
            )
        proposed_pct = (1 - proposed_price / deal.credit) * 100
    assert proposed_pct is not None
    return DiscountCommand(deal=deal, proposed_pct=proposed_pct, proposed_price=proposed_price,
                           exception=exception, reason=reason)


VOLUME_WORDS = ("event", "events", "recording", "recordings", "session", "sessions", "replays", "rows", "requests",
                "calls", "exceptions", "flags")


def _hint(tok: str) -> str:
    bare = tok.lstrip("-")
    if bare in VOLUME_WORDS:
        return (" I price dollar amounts of credit, not usage volumes: per-unit prices are on the public pricing "
                "page and in QuoteHog, not in the handbook. Give the credit amount, e.g. 120k, or monthly spend, "
                "e.g. 10k/mo.")
    if bare in ("renewal-early", "early-renewal", "early"):
        return " An early renewal is --renewal --days-to-expiry=N (60+ days earns lever 4)."
    if bare in MOTIONS or bare in ("nonprofit", "startup", "self-serve", "signatory-confirmed"):
        return f" Flags start with two dashes: --{bare}."
    if parse_money(tok) is not None:
        return " Only one amount: the credit amount comes first."
    if tok.endswith("%"):
        return " A percentage is only for /discount."
    return ""


def _is_proposed(tok: str) -> bool:
    return bool(_PCT.match(tok)) or tok.startswith("price=")


def _parse_proposed(tok: str, fail) -> tuple[Decimal, Decimal | None]:
    if m := _PCT.match(tok):
        pct = Decimal(m.group(1))
        if pct > 100:
            raise fail(f"{tok} is more than 100%.")
        return pct, None
    if tok.startswith("price="):
        price = parse_money(tok[len("price="):])
        if price is None or price > MAX_MONEY:
            raise fail(f"price= needs an amount, e.g. price=90000 (got '{tok}').")
        return Decimal(0), price
    raise fail(f"'{tok}' is not a proposed discount: give a percentage like 30% or a price like price=90000.")


def _parse_amount(tok: str, fail) -> tuple[Decimal, Decimal | None]:
    monthly = None
    base = tok
    for suffix in ("/mo", "/month", "/m"):
        if tok.endswith(suffix):
            base = tok[: -len(suffix)]
            monthly = True
            break
    value = parse_money(base)
    if value is None:
        raise fail(f"'{tok}' is not an amount. Start with the credit amount, e.g. 25k, $120,000, 1.5m or 10k/mo.")
    if value <= 0:
        raise fail("The amount must be more than zero.")
    if value > MAX_MONEY:
        raise fail(f"{tok} is too large to be a deal; check the amount.")
    if value != value.quantize(CENT):
        raise fail(f"{tok} has fractions of a cent.")
    if monthly:
        return Decimal(0), value
    return value, None


def _parse_original(raw: str, fail) -> OriginalContract:
    parts = raw.split(":")
    example = "--expansion-of=60k:12m:30% (original credit, term, total discount; add :yearly if paid yearly)"
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "yearly"):  # not policy: field positions
        raise fail(f"--expansion-of needs credit:term:discount, e.g. {example}.")
    credit = parse_money(parts[0])
    term = _TERM.match(parts[1])
    pct = _PCT.match(parts[2])  # not policy: field position
    if credit is None or credit <= 0 or credit > MAX_MONEY or not term or not pct:
        raise fail(f"--expansion-of needs credit:term:discount, e.g. {example}.")
    months = int(term.group(1)) * (MONTHS_A_YEAR if term.group(2).startswith("y") else 1)  # not policy: regex groups
    if not 1 <= months <= MAX_TERM_MONTHS or Decimal(pct.group(1)) > 100:
        raise fail(f"--expansion-of has an out-of-range term or discount, e.g. {example}.")
    return OriginalContract(credit=credit, term_months=months, discount_pct=Decimal(pct.group(1)),
                            paid_yearly=len(parts) == 4)  # not policy: field count


def _parse_rollover(raw: str, fail) -> Rollover:
    example = ("--rollover=120k:96k:70k (original order form's credit, its price per year, credit left unused)")
    parts = [parse_money(x) for x in raw.split(":")]
    if len(parts) != 3 or any(x is None or x > MAX_MONEY for x in parts):  # not policy: field count
        raise fail(f"--rollover needs three amounts, e.g. {example}.")
    credit, spend, unused = parts
    if not credit or not spend:
        raise fail(f"--rollover needs the original credit and price per year above zero, e.g. {example}.")
    return Rollover(credit, spend, unused)  # type: ignore[arg-type]


def _check_consistency(deal: Deal, fail) -> None:
    """Contradictions are errors: the bot never picks one reading for the rep."""
    if deal.method == "card" and deal.net_given:
        raise fail("card means charged on the contract start date (no Net terms): drop the netN or the card.")
    if deal.schedule == "yearly" and deal.method == "card":
        raise fail("card is charged in full on the contract start date: drop 'yearly' (or invoice yearly by bank "
                   "transfer).")
    if deal.schedule == "yearly" and deal.method == "aws":
        raise fail("AWS Marketplace is annual prepayment only: drop 'yearly'.")
    if deal.years_upfront is not None:
        years = deal.term_months // MONTHS_A_YEAR
        if deal.years_upfront < 1 or deal.years_upfront > max(years, 1):
            raise fail(f"--years-upfront={deal.years_upfront} does not fit a {deal.term_months}-month term.")
        if deal.schedule != "upfront":
            raise fail("--years-upfront only goes with upfront payment.")
        if deal.method in ("card", "aws"):
            raise fail(f"{deal.method} pays the whole order form at the start: drop --years-upfront.")
    if deal.motion != "renewal" and (deal.days_to_expiry is not None or deal.credits_ran_out):
        raise fail("--days-to-expiry and --credits-ran-out describe a renewal: add --renewal.")
    if deal.motion == "renewal" and deal.signatory_confirmed:
        raise fail("A renewal earns lever 4 by renewing 60+ days early (--days-to-expiry=N), "
                   "not by --signatory-confirmed (that is for --new or --conversion).")
    if deal.self_serve and (deal.term_given and deal.term_months != SELF_SERVE_TRANCHES):
        raise fail("Self-serve credits are 12 monthly tranches: drop the term.")
    if deal.self_serve and (deal.motion or deal.signatory_confirmed or deal.years_upfront or deal.net_given
                            or deal.schedule != "upfront" and deal.schedule not in ("monthly", "quarterly", "split")):
        raise fail("Self-serve purchases have no negotiated levers (deal type, signatory, Net terms, "
                   "years upfront): drop those or drop --self-serve.")
    if (deal.expansion_of is None) != (deal.expansion_month is None):
        raise fail("An expansion needs both --expansion-of=credit:term:discount and --month=N (month of the "
                   "original term it is signed in).")
    if deal.expansion_of is not None and deal.expansion_month is not None:
        if not 1 <= deal.expansion_month <= deal.expansion_of.term_months:
            raise fail(f"--month={deal.expansion_month} is outside the original {deal.expansion_of.term_months}-month term.")
        if deal.motion or deal.self_serve or deal.startup:
            raise fail("An expansion is priced from the original order form: drop --new/--conversion/--renewal, "
                       "--self-serve and --startup.")
    if deal.rollover is not None and deal.motion != "renewal":
        raise fail("--rollover carries unused credit into a renewal: add --renewal.")
    if deal.buyout_months is not None and deal.buyout_months < 1:
        raise fail("--buyout-months needs at least 1 month.")
