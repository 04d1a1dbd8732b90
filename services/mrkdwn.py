"""Slack mrkdwn: the one escaping rule, and the helpers that build our own `<...>` forms.

Slack treats `&`, `<` and `>` as control characters in every mrkdwn text, even inside backticks
(https://api.slack.com/reference/surfaces/formatting#escaping), so a raw `<account>` in a usage line
or `ARR $17,400 < $20k` in a reason is eaten as a link. The rule: every value put into mrkdwn goes
through `escape`; the only `<...>` a reply contains are built here (`mention`, `channel`, `link`,
`usergroup`, `special`). `clip` and `fit_lines` shorten text at a word or line boundary, never inside
an entity, a link or an amount. Pure: no Slack, no I/O; services and bot both use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

ELLIPSIS = "…"

_USER_ID = re.compile(r"^[UW][A-Z0-9_]+$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")
_GROUP_ID = re.compile(r"^S[A-Z0-9_]+$")
_URL = re.compile(r"^(?:https?://|mailto:)[^\s<>|]")

# Slack's link forms: what a `<` may open in text we send. Anything else is a stray bracket.
SLACK_FORM = re.compile(
    r"<(?:@[UW][A-Z0-9_]+(?:\|[^<>|]*)?"  # <@U123> or <@U123|name>
    r"|#[CGD][A-Z0-9_]+(?:\|[^<>|]*)?"  # <#C123> or <#C123|name>
    r"|!subteam\^S[A-Z0-9_]+(?:\|[^<>|]*)?"  # <!subteam^S123>
    r"|!(?:here|channel|everyone)(?:\|[^<>|]*)?"  # <!here>
    r"|!date\^\d+\^[^<>|]+(?:\^[^<>|]+)?\|[^<>|]*"  # <!date^1392734382^{date}|fallback>
    r"|(?:https?://|mailto:)[^\s<>|]+(?:\|[^<>|]*)?"  # <https://...|label>, <mailto:a@b>
    r")>"
)


def escape(text: object) -> str:
    """Any value as mrkdwn text: `&`, `<`, `>` as the entities Slack decodes; None is empty."""
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_USER_MENTION = re.compile(r"<(?:@[UW]|#[CGD])[A-Z0-9_]+(?:\|[^<>|]*)?>")


def escape_keeping_mentions(text: object) -> str:
    """Like `escape`, but a user mention `<@U123>` or channel link `<#C123>` in the text stays one.

    For policy text that names people ("confirmed by <@U1>"); a mention is what Slack itself makes
    of a typed @name, so keeping it cannot broadcast (`<!channel>`) or link anywhere."""
    if text is None:
        return ""
    raw = str(text)
    out, last = [], 0
    for m in _USER_MENTION.finditer(raw):
        out += [escape(raw[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join([*out, escape(raw[last:])])


def unescape(text: str) -> str:
    """Slack's entities back to characters (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def code(text: object) -> str:
    """A value as an inline code span: escaped, and no backtick can end the span early."""
    return "`" + escape(text).replace("`", "'") + "`"


def bold(text: object) -> str:
    """A value in bold; asterisks in it become a look-alike so they cannot end the span."""
    return "*" + escape(text).replace("*", "∗") + "*"


def mention(user_id: str | None, label: str | None = None) -> str:
    """`<@U123>` for a Slack user id; anything else (a name, an email) as escaped `@text`.

    A label when there is no id keeps the reply readable: `mention(None, "Dana")` is `@Dana`;
    with neither it is `nobody`."""
    if user_id and _USER_ID.match(user_id):
        return f"<@{user_id}>"
    shown = label or user_id
    return f"@{escape(shown)}" if shown else "nobody"


def mentions(user_ids: Iterable[str | None], sep: str = " ") -> str:
    return sep.join(mention(u) for u in user_ids if u)


def channel(channel_id: str | None, name: str | None = None) -> str:
    """`<#C123>` for a channel id; a channel name as escaped `#name`."""
    if channel_id and _CHANNEL_ID.match(channel_id):
        return f"<#{channel_id}>"
    shown = (name or channel_id or "").lstrip("#")
    return f"#{escape(shown)}" if shown else "a channel"


def usergroup(group_id: str, handle: str | None = None) -> str:
    """`<!subteam^S123>` for a user group id; a handle as escaped `@handle`."""
    if _GROUP_ID.match(group_id or ""):
        return f"<!subteam^{group_id}>"
    return f"@{escape(handle or group_id)}"


def special(name: str) -> str:
    """`<!here>` or `<!channel>`: only these two, spelled by us, never from user input."""
    if name not in ("here", "channel"):
        raise ValueError(f"not a special mention: {name!r}")
    return f"<!{name}>"


def link(url: str | None, label: object = None) -> str:
    """`<https://...|label>` with the label escaped; no usable URL gives the label alone, escaped.

    The URL's own `<`, `>`, `|` and spaces are percent-encoded so it cannot end the link early."""
    shown = escape(label) if label not in (None, "") else None
    if not url or not _URL.match(url.strip()):
        return shown or escape(url)
    safe = quote(url.strip(), safe="/:?#[]@!$&'()*+,;=%~.-_")
    return f"<{safe}>" if shown is None else f"<{safe}|{shown}>"


def stray_brackets(text: str) -> list[str]:
    """Every `<` or `>` in mrkdwn `text` that is not one of Slack's link forms or a block quote's
    leading `>` (for tests)."""
    rest = re.sub(r"(?m)^>", "", SLACK_FORM.sub("", text))
    return [m.group(0) for m in re.finditer(r".{0,20}[<>].{0,20}", rest)]


# --- shortening without breaking ---------------------------------------------------------------

_ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);|\S+")


def clip(text: str, limit: int, tail: str = ELLIPSIS) -> str:
    """`text` in at most `limit` characters, cut at a word boundary before a link, an entity, a
    word or an amount would be split; `tail` marks the cut."""
    if len(text) <= limit:
        return text
    room = limit - len(tail)
    if room <= 0:
        return tail[:limit]
    cut = 0
    for m in _ATOM.finditer(text):
        if m.end() > room:
            break
        cut = m.end()
    if cut == 0:  # a single word longer than the room: better a cut word than nothing
        cut = room
    return text[:cut].rstrip() + tail


def fit_lines(
    lines: Sequence[str],
    limit: int,
    more: Callable[[int], str] = lambda n: f"…and {n} more",
    sep: str = "\n",
) -> str:
    """As many whole lines as fit in `limit` characters, then `more(n)` for the n left out.

    Lines are never cut in the middle; put what must stay visible first (a summary, the
    blockers) and the detail after, since the detail is what goes."""
    if not lines:
        return ""
    joined = sep.join(lines)
    if len(joined) <= limit:
        return joined
    kept: list[str] = []
    for i, line in enumerate(lines):
        tail = more(len(lines) - i)
        trial = sep.join([*kept, line])
        rest_after = len(lines) - i - 1
        need = len(trial) + (len(sep) + len(more(rest_after)) if rest_after else 0)
        if need > limit:
            if not kept:  # not even one line fits with its tail: clip the first line itself
                if not rest_after:
                    return clip(line, limit)
                tail = more(rest_after)
                return clip(line, limit - len(sep) - len(tail)) + sep + tail
            return sep.join([*kept, tail])
        kept.append(line)
    return sep.join(kept)


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 invoice`, `64 invoices`."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
