"""The data tables of the purpose stage, read once from grammars/purpose/*.toml.

The classifier, the reviewer-instruction scanner and the AI-authorship labeller are all
table-driven, so what they recognise is reviewable data, not code. A table that is missing
or malformed raises `PurposeTableError` naming the file: a broken install must not silently
turn every claim into "unknown".
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from semdiff.resources import grammars_dir


class PurposeTableError(ValueError):
    """A grammars/purpose table that cannot be read or compiled."""


@dataclass(frozen=True)
class KeywordSet:
    strong: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ClaimTables:
    narrow: frozenset[str]
    narrow_order: tuple[str, ...]
    generic_prefixes: frozenset[str]
    ignore_subjects: tuple[re.Pattern[str], ...]
    prefixes: dict[str, str]
    keywords: dict[str, KeywordSet]
    paths: dict[str, tuple[re.Pattern[str], ...]]  # tests | deps | docs -> path patterns


@dataclass(frozen=True)
class ReviewerTables:
    phrases: tuple[re.Pattern[str], ...]
    addressees: tuple[re.Pattern[str], ...]
    claims: tuple[re.Pattern[str], ...]
    html_comment_words: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class AuthorTables:
    generated_trailers: frozenset[str]
    coauthor_trailers: frozenset[str]
    identities: tuple[re.Pattern[str], ...]
    message_markers: tuple[re.Pattern[str], ...]


def _load(name: str) -> dict[str, Any]:
    """The table's TOML, parsed (or, in the command, read from the parsed-table cache the seed
    tables use: `tomllib` on these three files was ~2 ms of every run)."""
    from semdiff.relevance.seeds import parse_table, toml_error

    path = grammars_dir() / "purpose" / name
    try:
        return parse_table(path)
    except (OSError, toml_error()) as exc:
        raise PurposeTableError(f"cannot read {path}: {exc}") from exc


def compile_all(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns or ():
        try:
            out.append(re.compile(str(p), re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise PurposeTableError(f"{where}: bad pattern {p!r}: {exc}") from exc
    return tuple(out)


@functools.lru_cache(maxsize=1)
def claim_tables() -> ClaimTables:
    d = _load("claims.toml")
    keywords = {
        claim: KeywordSet(
            compile_all(row.get("strong"), f"claims.toml keywords.{claim}.strong"),
            compile_all(row.get("weak"), f"claims.toml keywords.{claim}.weak"),
        )
        for claim, row in d.get("keywords", {}).items()
    }
    return ClaimTables(
        narrow=frozenset(d.get("narrow", ())),
        narrow_order=tuple(d.get("narrow_order", ())),
        generic_prefixes=frozenset(d.get("generic_prefixes", ())),
        ignore_subjects=compile_all(d.get("ignore_subjects"), "claims.toml ignore_subjects"),
        prefixes={str(k).lower(): str(v) for k, v in d.get("prefixes", {}).items()},
        keywords=keywords,
        paths={k: compile_all(v, f"claims.toml paths.{k}") for k, v in d.get("paths", {}).items()},
    )


@functools.lru_cache(maxsize=1)
def reviewer_tables() -> ReviewerTables:
    d = _load("reviewer.toml")
    return ReviewerTables(
        phrases=compile_all(d.get("phrases"), "reviewer.toml phrases"),
        addressees=compile_all(d.get("addressees"), "reviewer.toml addressees"),
        claims=compile_all(d.get("claims"), "reviewer.toml claims"),
        html_comment_words=compile_all(d.get("html_comment_words"), "reviewer.toml html_comment_words"),
    )


@functools.lru_cache(maxsize=1)
def author_tables() -> AuthorTables:
    d = _load("ai_authors.toml")
    return AuthorTables(
        generated_trailers=frozenset(k.lower() for k in d.get("generated_trailers", ())),
        coauthor_trailers=frozenset(k.lower() for k in d.get("coauthor_trailers", ())),
        identities=compile_all(d.get("identities"), "ai_authors.toml identities"),
        message_markers=compile_all(d.get("message_markers"), "ai_authors.toml message_markers"),
    )
