"""Read a handbook copy from disk into services.rules.check's Handbook.

PATH is one of:
- a checkout of the website repository (its pages under `contents/handbook/`), a `handbook/` folder,
  or any folder of markdown pages (`growth/sales/contract-rules.md` is page `growth/sales/contract-rules`;
  `<folder>/index.md` is page `<folder>`); redirects in a `vercel.json` at PATH (entries whose source
  is under `/handbook/`) count as redirect notes, as do the pages' own (see services/rules/check.py);
- a single text export (`002_...txt`)."""

from __future__ import annotations

import json
from pathlib import Path

from services.rules.check import Handbook, export_handbook, markdown_handbook

PAGE_SUFFIXES = (".md", ".mdx")


class HandbookMissing(Exception):
    """PATH is not a handbook copy."""


def pages_root(path: Path) -> Path:
    for candidate in (path / "contents" / "handbook", path / "handbook"):
        if candidate.is_dir():
            return candidate
    return path


def _redirects(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    vercel = path / "vercel.json"
    if not vercel.is_file():
        return out
    try:
        entries = json.loads(vercel.read_text()).get("redirects", [])
    except (ValueError, AttributeError):
        return out
    for e in entries if isinstance(entries, list) else []:
        src, dst = str(e.get("source", "")), str(e.get("destination", ""))
        if src.startswith("/handbook/") and "/handbook/" in dst and ":" not in src:
            out[src] = dst
    return out


def load_handbook(path: Path) -> Handbook:
    if path.is_file():
        return export_handbook(path.read_text(encoding="utf-8", errors="replace"))
    if not path.is_dir():
        raise HandbookMissing(f"{path}: no such file or folder")
    root = pages_root(path)
    files: dict[str, str] = {}
    for f in sorted(root.rglob("*")):
        if f.suffix not in PAGE_SUFFIXES or not f.is_file():
            continue
        rel = f.relative_to(root).with_suffix("").as_posix()
        if rel == "index" or rel.endswith("/index"):
            rel = rel[:-len("index")].rstrip("/")
        files[rel] = f.read_text(encoding="utf-8", errors="replace")
    if not files:
        raise HandbookMissing(f"{path}: no markdown pages (.md) found")
    return markdown_handbook(files, _redirects(path))
