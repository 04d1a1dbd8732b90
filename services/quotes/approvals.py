"""Who clears what (spec §2.19): pure lookups by the requester's team role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Approvers:
    """Names come from settings (defaults: 002_59a801b964a2a19e.txt:4450)."""

    tae_tam: str = "Ben Bradley"
    csm: str = "Simon Fisher"


def approvers_for(role: str | None, approvers: Approvers) -> tuple[str, ...]:
    """TAE/TAM -> Ben, CSM -> Simon (002_59a801b964a2a19e.txt:4450); any other role or none -> both (spec A30)."""
    if role in ("TAE", "TAM"):
        return (approvers.tae_tam,)
    if role == "CSM":
        return (approvers.csm,)
    return (approvers.tae_tam, approvers.csm)


def approver_phrase(role: str | None, approvers: Approvers) -> str:
    names = approvers_for(role, approvers)
    if len(names) == 1:
        return names[0]
    return f"{approvers.tae_tam} (TAEs/TAMs) or {approvers.csm} (CSMs)"
