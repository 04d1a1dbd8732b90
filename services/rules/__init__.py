"""The rule registry: every policy number the services use, each with the handbook passage it comes from.

Each capability declares its numbers in its own `services/<capability>/policy.py` with `rule(...)`
(the one place a policy number may be written); `all_rules()` gathers them. `gtmbot handbook check`
compares each rule with a current copy of the handbook, and reply links come from the same sources."""

from services.rules.registry import AREAS, Rule, Source, all_rules, get, rule

__all__ = ["AREAS", "Rule", "Source", "all_rules", "get", "rule"]
