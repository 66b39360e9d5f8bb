"""Checks read the linked model and yield findings; one module per concern.

Module checks are ``check_module(project, module, catalog) -> Iterator[Finding]``: what they
find in one module depends on that module and the lookups they make through the project, so
the runner can cache them per module. The lifecycle rules follow entry points across the whole
project and run once per run (``lifecycle.project_findings``).
"""

from __future__ import annotations

from typing import Any, Iterator

from pinless.catalog import Catalog
from pinless.checks import calls, django, lifecycle
from pinless.finding import Finding
from pinless.model.facts import ModuleFacts
from pinless.model.project import Project

CHECKS = [calls.check_module, django.check_module]

# Rules whose library-data conditions (calls.py) hold only in a Lambda project, for pools built
# at module level: a pool sized above one connection is fine in a long-running server.
LAMBDA_GATED = frozenset({"PIN407"})


def project_checks(project: Project, cat: Catalog) -> Iterator[Finding]:
    yield from lifecycle.project_findings(project, cat)


def run_checks(project: Project, module: ModuleFacts, cat: Catalog, settings: Any) -> Iterator[Finding]:
    for check in CHECKS:
        for finding in check(project, module, cat):
            if finding.code in LAMBDA_GATED and check is calls.check_module and \
                    not lifecycle.keep_pool_size_finding(project, module, finding, cat):
                continue
            yield finding
