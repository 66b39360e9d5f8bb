"""Which rules are on for a file: `select`, `extend-select`, `ignore` and `per-file-ignores`.

Selectors are full codes, prefixes of codes (`PIN`, `PIN1`, `PIN10`) or `ALL` (conventions
section 1). For each code the most specific matching selector decides, and on a tie `ignore`
wins; `select` and `extend-select` compete together against `ignore`. A matching
`per-file-ignores` entry turns a code off in that file whatever the global decision was.
Whether a rule applies to the configured targets is the catalog's business
(``Rule.applies_to``), not this module's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from pinless import catalog as catalog_module
from pinless.config import ALL, PathPatterns, Settings

_NO_MATCH = -1


def specificity(selector: str, code: str) -> int:
    """How specifically ``selector`` names ``code``: -1 no match, 0 `ALL`, else its length."""
    if selector == ALL:
        return 0
    return len(selector) if code.startswith(selector) else _NO_MATCH


class Selector:
    """Answers ``enabled(code, path)`` for one run's settings.

    ``codes`` are the rules a prefix or `ALL` may turn on (the stable ones); ``explicit_only``
    rules (preview, deprecated) are on only when selected by their full code; ``redirects`` maps
    a renumbered rule's old code to its new one, so old selectors keep working.
    """

    def __init__(
        self,
        settings: Settings,
        codes: Iterable[str],
        *,
        explicit_only: Iterable[str] = (),
        redirects: Mapping[str, str] | None = None,
    ) -> None:
        self._prefixable = frozenset(codes)
        self._explicit = frozenset(explicit_only) - self._prefixable
        self._aliases: dict[str, set[str]] = {}
        for old, new in (redirects or {}).items():
            self._aliases.setdefault(new, set()).add(old)
        chosen = settings.select + settings.extend_select
        self.selected = frozenset(
            code
            for code in self._prefixable | self._explicit
            if self._decide(code, chosen, settings.ignore)
        )
        self._per_file = [
            (PathPatterns([pattern], settings.root), selectors)
            for pattern, selectors in settings.per_file_ignores
        ]
        self._by_path: dict[str, frozenset[str]] = {}

    @classmethod
    def from_catalog(
        cls, settings: Settings, catalog: catalog_module.Catalog | None = None
    ) -> Selector:
        """A selector over the catalog's rules, honouring their status and redirects."""
        catalog = catalog or catalog_module.load()
        stable, explicit, redirects = [], [], {}
        for code, rule in catalog.rules.items():
            if rule.redirect:
                redirects[code] = rule.redirect
            elif rule.status == "stable":
                stable.append(code)
            elif rule.status in ("preview", "deprecated"):
                explicit.append(code)
        return cls(settings, stable, explicit_only=explicit, redirects=redirects)

    def enabled(self, code: str, path: str | Path) -> bool:
        """Whether ``code`` is reported in the file at ``path`` (absolute)."""
        return code in self.codes_for(path)

    def codes_for(self, path: str | Path) -> frozenset[str]:
        """The codes reported in the file at ``path``: the selected ones minus its ignores."""
        key = os.path.abspath(path)
        codes = self._by_path.get(key)
        if codes is None:
            off = {
                code
                for patterns, selectors in self._per_file
                if patterns.match_path(key)
                for code in self.selected
                if self._matches_any(code, selectors)
            }
            codes = self._by_path[key] = self.selected - off
        return codes

    def _decide(self, code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
        chosen = max((self._strength(s, code) for s in select), default=_NO_MATCH)
        dropped = max((self._match(s, code) for s in ignore), default=_NO_MATCH)
        return chosen > dropped  # on a tie (or no selector at all) the rule stays off

    def _strength(self, selector: str, code: str) -> int:
        """Like ``_match``, but a prefix or `ALL` cannot turn on an explicit-only rule."""
        found = self._match(selector, code)
        if code in self._explicit and found != len(code):
            return _NO_MATCH
        return found

    def _match(self, selector: str, code: str) -> int:
        best = specificity(selector, code)
        for old in self._aliases.get(code, ()):
            if selector == old:  # an old code names its successor, as exactly as the code itself
                best = max(best, len(code))
        return best

    def _matches_any(self, code: str, selectors: Iterable[str]) -> bool:
        return any(self._match(s, code) != _NO_MATCH for s in selectors)
