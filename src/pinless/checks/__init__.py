"""Checks read the linked model and yield findings; one module per concern.

Each check is ``check_module(project, module, catalog, settings) -> Iterator[Finding]``.
"""

from __future__ import annotations

from typing import Any, Iterator

from pinless.catalog import Catalog
from pinless.checks import calls
from pinless.finding import Finding
from pinless.model.facts import ModuleFacts
from pinless.model.project import Project

CHECKS = [calls.check_module]


def run_checks(project: Project, module: ModuleFacts, cat: Catalog, settings: Any) -> Iterator[Finding]:
    for check in CHECKS:
        yield from check(project, module, cat)
