"""`gtmbot demo` lines for /quote and /discount (listed in `bot.demo.EXTENSIONS`)."""

from __future__ import annotations

from bot.demo import TOUR

QUOTE_TOUR = [
    ("/quote: a 3-year conversion, lever by lever", "/quote 150k 3y --conversion --signatory-confirmed"),
    ("/quote: monthly payment is not discounted (and the upfront alternative)", "/quote 40k monthly"),
    ("/quote: startup roll-off credit", "/quote 25k --startup"),
    ("/quote: bad input gets the grammar and a working example", "/quote 25k banana"),
    ("/discount: beyond policy, the approver for your role (you are a TAE)", "/discount 35% 60k"),
    ("/discount: share the answer with the channel", "click 1"),
    ("/discount: refusals no approver can lift", "/discount 5% 20k --reason=case-study"),
]

TOUR.extend(line for line in QUOTE_TOUR if line not in TOUR)
