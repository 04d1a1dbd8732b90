"""Demo extension for `/incident`: walk a SEV 1 owner route and a SEV 0 broadcast through the
real app. Modals cannot be typed at the prompt, so these verbs fill them the way a CMOC would
and print what Slack would show at each step (the demo CMOC is Dana, on the EU rota)."""

from __future__ import annotations

import json

from bot.demo import TOUR, DemoSession, verb
from bot.incidents.dispatch import wait_idle
from bot.render import blocks_to_text

DEMO_CMOC = "U0CSM01"  # Dana Okafor: `cmoc: EU` in the shared demo roster


def _text(v: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": v}}


def _select(v: str, kind: str = "static_select") -> dict:
    return {"value": {"type": kind, "selected_option": {"value": v}}}


def _submit(s: DemoSession, view: dict, values: dict) -> dict:
    resp = s.driver.view_submission(view, values, user=DEMO_CMOC)
    return json.loads(resp.text) if resp.text else {}


def _declare(s: DemoSession, level: int, feature: str, symptom: str, cloud: str) -> dict:
    s.driver.command("/incident", f"declare sev{level} {feature}", user=DEMO_CMOC, channel="C0GENERAL")
    view = s.fake.wait_for(lambda: [c.args["view"] for c in s.fake.calls_to("views.open") if c.args["view"].get("callback_id") == "incident_declare"])[-1]
    values = {"severity": _select(str(level)), "feature": _text(feature), "symptom": _text(symptom), "title": _text(""), "cloud": _select(cloud), "cmoc": {"value": {"type": "users_select", "selected_user": DEMO_CMOC}}}
    return _submit(s, view, values)["view"]


def _split(args: list[str], default: tuple[str, str]) -> tuple[str, str]:
    line = " ".join(args)
    if "|" in line:
        feature, symptom = (p.strip() for p in line.split("|", 1))
        return feature, symptom
    return default


@verb("incident-sev0", "incident-sev0 [feature | symptom]   CMOC broadcasts a SEV 0 to every customer channel")
def _sev0(s: DemoSession, args: list[str]) -> str:
    feature, symptom = _split(args, ("the PostHog app", "The PostHog app is unreachable."))
    draft = _declare(s, 0, feature, symptom, "both")
    preview = _submit(s, draft, {"f_feature": _text(feature), "f_symptom": _text(symptom)})
    if preview.get("response_action") == "errors":
        return "The draft was refused: " + "; ".join(preview["errors"].values())
    shown = blocks_to_text(preview["view"]["blocks"])
    _submit(s, preview["view"], {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}})
    wait_idle(60)
    return f"(Dana, the CMOC, sees this preview and ticks Confirm)\n{shown}"


@verb("incident-sev1", "incident-sev1 [feature | symptom]   CMOC shares a SEV 1 draft with owners in #group-cs-sales-support")
def _sev1(s: DemoSession, args: list[str]) -> str:
    feature, symptom = _split(args, ("feature flags", "flag evaluation errors"))
    draft = _declare(s, 1, feature, symptom, "EU")
    answer = _submit(s, draft, {"f_feature": _text(feature), "f_symptom": _text(symptom), "route": _select("owners", "radio_buttons")})
    if answer.get("response_action") == "errors":
        return "The draft was refused: " + "; ".join(answer["errors"].values())
    return "(Dana shared the draft; owners now see [Send to my channels]: `as U0TAM02`, `posts C0CSSUPPORT`, then `click`)"


TOUR.append(("/incident: a SEV 1 draft shared with account owners (standard route)", "incident-sev1 feature flags | flag evaluation errors"))
TOUR.append(("/incident: a SEV 0 broadcast to every customer channel, as the company", "incident-sev0 the PostHog app | The PostHog app is unreachable."))
