"""Spec §5 worked examples (quote-and-discount.md), shared by the service and the Slack-path tests.

Each row: (id, command text, expected). Percentages in points, money as strings of dollars.
"""

from __future__ import annotations

# id, text, status, basis, (L1, L2, L3, L4, NP) or None, total, discount $, price
QUOTE_EXAMPLES = [
    ("Q01", "25k", "OK", "25000", (20, 0, 0, 0, None), "20", "5000.00", "20000.00"),
    ("Q02", "24,999", "OK", "24999", None, "0", "0.00", "24999.00"),
    ("Q03", "59,999", "OK", "59999", (20, 0, 0, 0, None), "20", "11999.80", "47999.20"),
    ("Q04", "60k --new --signatory-confirmed", "OK", "60000", (25, 0, 0, 5, None), "30", "18000.00", "42000.00"),
    ("Q05", "60k --new", "OK", "60000", (25, 0, 0, 0, None), "25", "15000.00", "45000.00"),
    ("Q06", "10k/mo --conversion --signatory-confirmed", "OK", "120000", (30, 0, 0, 5, None), "35", "42000.00",
     "78000.00"),
    ("Q07", "120k net60", "OK", "120000", (30, 0, -5, 0, None), "25", "30000.00", "90000.00"),
    ("Q08", "80k net45", "OK", "80000", (25, 0, -2.5, 0, None), "22.5", "18000.00", "62000.00"),
    ("Q09", "300k net40", "OK", "300000", (35, 0, -2.5, 0, None), "32.5", "97500.00", "202500.00"),
    ("Q10", "25k net120", "OK", "25000", (20, 0, -15, 0, None), "5", "1250.00", "23750.00"),
    ("Q11", "25k net180", "OK", "25000", (20, 0, -25, 0, None), "0", "0.00", "25000.00"),
    ("Q12", "50k quarterly", "NOT_AVAILABLE", "50000", None, "0", None, None),
    ("Q13", "40k monthly", "NOT_AVAILABLE", "40000", None, "0", None, None),
    ("Q14", "150k 3y --conversion --signatory-confirmed", "OK", "50000", (20, 5, 5, 5, None), "35", "52500.00",
     "97500.00"),
    ("Q14T", "150k 3y --conversion --signatory-confirmed --basis=total", "OK", "150000", (30, 5, 5, 5, None), "45",
     "67500.00", "82500.00"),
    ("Q15", "200k 2y yearly --renewal --days-to-expiry=75", "OK", "100000", (30, 3, 0, 5, None), "38", "76000.00",
     "124000.00"),
    ("Q16", "300k 3y --years-upfront=2", "OK", "100000", (30, 5, 2.5, 0, None), "37.5", "112500.00", "187500.00"),
    ("Q17", "100k 2y --new --signatory-confirmed", "OK", "50000", (20, 3, 2.5, 5, None), "30.5", "30500.00",
     "69500.00"),
    ("Q18", "1.5m 3y --new --signatory-confirmed", "OK", "500000", (40, 5, 5, 5, None), "55", "825000.00",
     "675000.00"),
    ("Q19", "1.2m", "CUSTOM", "1200000", None, "0", None, None),
    ("Q20", "400k 4y", "CUSTOM", "100000", None, "0", None, None),
    ("Q21", "70k --renewal --days-to-expiry=45", "OK", "70000", (25, 0, 0, 0, None), "25", "17500.00", "52500.00"),
    ("Q22", "70k --renewal --days-to-expiry=60", "OK", "70000", (25, 0, 0, 5, None), "30", "21000.00", "49000.00"),
    ("Q23", "70k --renewal --days-to-expiry=90 --credits-ran-out", "OK", "70000", (25, 0, 0, 0, None), "25",
     "17500.00", "52500.00"),
    ("Q24", "60k --conversion --signatory-confirmed --missed-sign-date", "OK", "60000", (25, 0, 0, 0, None), "25",
     "15000.00", "45000.00"),
    ("Q25", "40k --nonprofit", "OK", "40000", (20, 0, 0, 0, 5), "25", "10000.00", "30000.00"),
    ("Q26", "20k --nonprofit", "OK", "20000", None, "15", "3000.00", "17000.00"),
    ("Q27", "100k --nonprofit", "OK", "100000", (30, 0, 0, 0, 5), "35", "35000.00", "65000.00"),
    ("Q28", "150k --nonprofit", "OK", "150000", (30, 0, 0, 0, None), "30", "45000.00", "105000.00"),
    ("Q29", "18k --self-serve", "OK", "18000", None, "10", "1800.00", "16200.00"),
    ("Q30", "30k --self-serve", "OK", "30000", None, "20", "6000.00", "24000.00"),
    ("Q31", "18k --self-serve --nonprofit", "OK", "18000", None, "15", "2700.00", "15300.00"),
    ("Q32", "25k --startup", "OK", "25000", (20, 0, 0, 0, None), "20", "5000.00", "20000.00"),
    ("Q33", "60k --startup --new --signatory-confirmed", "OK", "60000", (25, 0, 0, 5, None), "30", "18000.00",
     "42000.00"),
    ("Q34", "45k 3y", "OK", "15000", None, "0", "0.00", "45000.00"),
    ("Q35", "80k 18m", "OK", "53333.33", (20, 0, 0, 0, None), "20", "16000.00", "64000.00"),
    ("Q36", "50k card", "OK", "50000", (20, 0, 0, 0, None), "20", "10000.00", "40000.00"),
    ("Q37", "50k check", "REFUSED", "50000", None, "0", None, None),
    ("Q38", "50k 2y --nonprofit --conversion --signatory-confirmed", "OK", "25000", (20, 3, 2.5, 5, 5), "35.5",
     "17750.00", "32250.00"),
    ("Q39", "100k --new --signatory-confirmed", "OK", "100000", (30, 0, 0, 5, None), "35", "35000.00", "65000.00"),
]

# id, text, verdict, allowed, excess, approvers
DISCOUNT_EXAMPLES = [
    ("D01", "30% 60k --new --signatory-confirmed --role=tae", "WITHIN_POLICY", "30", None, ()),
    ("D02", "35% 60k --role=tae", "EXCEEDS_POLICY", "25", "10", ("Ben Bradley",)),
    ("D03", "10% 40k monthly --role=csm", "EXCEEDS_POLICY", "0", "10", ("Simon Fisher",)),
    ("D04", "15% 20k --role=tam", "EXCEEDS_POLICY", "0", "15", ("Ben Bradley",)),
    ("D05", "15% 20k --nonprofit --role=csm", "WITHIN_POLICY", "15", None, ()),
    ("D06", "45% 300k --exception=competitor-takeaway --role=tae", "MARGIN_NEGATIVE_EXCEPTION", "35", "10",
     ("your manager", "Ben Bradley")),
    ("D07", "20% 1.2m --role=tae", "CUSTOM_PRICING", None, None, ("Ben Bradley",)),
    ("D08", "25% 120k net60 --role=tae", "WITHIN_POLICY", "25", None, ()),
    ("D09", "27.5% 120k net60 --role=tae", "EXCEEDS_POLICY", "25", "2.5", ("Ben Bradley",)),
    ("D10", "40% 150k 3y --conversion --signatory-confirmed --role=tam", "EXCEEDS_POLICY", "35", "5",
     ("Ben Bradley",)),
    ("D11", "5% 20k --reason=case-study --role=tae", "NOT_PERMITTED", "0", None, ()),
    ("D12", "30% 70k --renewal --days-to-expiry=90 --credits-ran-out --role=csm", "EXCEEDS_POLICY", "25", "5",
     ("Simon Fisher",)),
    ("D13", "30% 70k --renewal --days-to-expiry=90 --role=csm", "WITHIN_POLICY", "30", None, ()),
    ("D14", "20% 60k", "WITHIN_POLICY", "25", None, ()),
    ("D15", "10% 18k --self-serve", "WITHIN_POLICY", "10", None, ()),
    ("D16", "55% 1.5m 3y --new --signatory-confirmed --role=tae", "WITHIN_POLICY", "55", None, ()),
    ("D17", "56% 1.5m 3y --new --signatory-confirmed --role=tae", "EXCEEDS_POLICY", "55", "1", ("Ben Bradley",)),
    ("D18", "price=90000 120k net60 --role=csm", "WITHIN_POLICY", "25", None, ()),
    ("D19", "20% 50k check", "NOT_PERMITTED", None, None, ()),
    ("D20", "20% 50k --country=IR", "NOT_PERMITTED", None, None, ()),
]

# §5.2 rows reachable through /quote: id, text, expected total %, expected price, extra key, extra amount
EXPANSION_EXAMPLES = [
    ("X01", "50k --expansion-of=60k:12m:30% --month=4", "35", "32500.00"),
    ("X02", "50k --expansion-of=60k:12m:30% --month=7", "20", "40000.00"),
    ("X03", "40k --expansion-of=300k:3y:40% --month=10", "35", "26000.00"),
    ("X04", "10k --expansion-of=30k:12m:20% --month=3", "20", "8000.00"),
]
EXTRA_EXAMPLES = [
    ("X05", "50k --competitor-quote=50k", "competitor", "10000.00"),
    ("X06", "100k --new --signatory-confirmed --competitor-quote=100k", "competitor", "5000.00"),
    ("X11", "5k/mo --startup", "startup", "10000.00"),
    ("Q32", "25k --startup", "startup", "4166.67"),
    ("Q33", "60k --startup --new --signatory-confirmed", "startup", "10000.00"),
    # X08: original 120k bought for 96k/yr; $142,857.14 at 30 % renews at $100,000.00/yr, $128,571.43 at $90,000.00
    ("X08a", "142,857.14 --renewal --rollover=120k:96k:70k", "rollover", "60000.00"),
    ("X08b", "128,571.43 --renewal --rollover=120k:96k:70k", "rollover", "0"),
    ("X08c", "142,857.14 --renewal --rollover=120k:96k:40k", "rollover", "40000.00"),
]
