"""discover.project_listing: the Python files and the deployment files from one walk, the same
ones entrypoints.config_entry_points finds with its own walk."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pinless import discover
from pinless.config import Settings
from pinless.model.entrypoints import config_entry_points

REPO = Path(__file__).resolve().parent.parent
HAS_GIT = shutil.which("git") is not None


@pytest.fixture(autouse=True)
def quiet_git_config(tmp_path_factory, monkeypatch):
    """Keep the machine's own git config and global excludes out of the tests."""
    home = tmp_path_factory.mktemp("home")
    (home / "gitconfig").write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def _walked(root: Path, settings: Settings):
    """config_entry_points with its own walk and the discovery's excludes (as the runner did)."""
    excluded = discover.excluder(settings)
    return config_entry_points(root, ("app.handler",), skip=lambda rel: excluded(root / rel))


def _listed(root: Path, settings: Settings):
    listing = discover.project_listing(root, settings)
    assert listing.files == discover.collect([root], settings).files
    return config_entry_points(root, ("app.handler",), files=listing.deploy)


def _same(a, b) -> None:
    assert list(a) == list(b)
    assert a.notes == b.notes


PROJECTS = sorted(
    [p for p in (REPO / "examples").iterdir() if p.is_dir()]
    + [p for p in (REPO / "tests" / "data" / "entrypoints").iterdir() if p.is_dir()]
    + [p for p in (REPO / "tests" / "corpus").iterdir() if p.is_dir()]
    + [p for p in (REPO / "tests" / "lifecycle").iterdir() if p.is_dir()]
    + [REPO / "tests" / "data"]
)


@pytest.mark.parametrize("root", PROJECTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_listing_gives_the_entries_of_the_walk_on_the_fixture_projects(root):
    settings = Settings(root=root)
    listed = _listed(root, settings)
    _same(listed, _walked(root, settings))
    _same(listed, config_entry_points(root, ("app.handler",)))


TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: {handler}
"""
CDK = """\
from aws_cdk import aws_lambda as lambda_

lambda_.Function(None, "Fn", runtime=lambda_.Runtime.PYTHON_3_12,
                 handler="{handler}", code=lambda_.Code.from_asset("."))
"""


def _tree(root: Path) -> None:
    """Deployment files everywhere the two walks could disagree."""
    def write(rel: str, text: str | None = None) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = rel.replace("/", "_").replace(".", "_") + ".handler"
        path.write_text(text if text is not None else TEMPLATE.format(handler=handler))

    write("app.py", "def handler(event, context):\n    return 1\n")
    for rel in ("template.yaml", "a-b/template.yaml", "a/template.yml", "a/b/x.template.json",
                ".hidden/template.yaml", "build/template.yaml",
                "dist/template.yaml", "node_modules/pkg/template.yaml", "site-packages/template.yaml",
                "envlike/template.yaml", "excluded/template.yaml", "ignored/template.yaml",
                "keep/ignored.template.yaml", "keep/template.yaml", "cdk.out/template.json",
                "nested/template.yaml"):
        write(rel)
    write("envlike/pyvenv.cfg", "home = /usr\n")
    write("sub/serverless.yml",
          "provider: {name: aws, runtime: python3.12}\nfunctions:\n  f: {handler: sub/app.handler}\n")
    write("sub/zappa_settings.json", '{"dev": {"lambda_handler": "sub.app.handler"}}\n')
    write("broken/serverless.yml", "functions: [\n")
    write("cdk/app.py", CDK.format(handler="cdk_app.handler"))
    write("cdk/plain.py", "x = 1\n")
    write(".hidden/stack.py", CDK.format(handler="hidden.handler"))
    write("excluded/stack.py", CDK.format(handler="excluded.handler"))
    write(".gitignore", "ignored/\n*.template.yaml\n")
    if hasattr(os, "symlink"):
        os.symlink(root / "sub", root / "linked", target_is_directory=True)
        os.symlink(root / "sub" / "serverless.yml", root / "keep" / "serverless.yaml")
        os.symlink(root / "missing.yml", root / "a" / "serverless.yml")  # broken: a note


@pytest.mark.parametrize("git", [False, True], ids=["no-git", "git"])
def test_listing_gives_the_entries_of_the_walk_on_every_kind_of_folder(tmp_path, git):
    if git and not HAS_GIT:
        pytest.skip("git is not installed")
    root = tmp_path / "project"
    root.mkdir()
    _tree(root)
    if git:
        subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
        subprocess.run(["git", "-C", str(root / "nested"), "init", "-q"], check=True)
        (root / "nested" / ".gitignore").write_text("template.yaml\n")
    settings = Settings(root=root, extend_exclude=("excluded",))
    listed = _listed(root, settings)
    _same(listed, _walked(root, settings))
    sources = {entry.source.split(":")[0] for entry in listed}
    assert "template.yaml" in sources and "a-b/template.yaml" in sources
    assert "cdk/app.py" in sources and "keep/serverless.yaml" in sources
    assert not {"ignored/template.yaml", "keep/ignored.template.yaml", ".hidden/stack.py",
                "excluded/stack.py", "envlike/template.yaml", "linked/serverless.yml"} & sources
    assert ("nested/template.yaml" in sources) is not git
    assert any(note.startswith("a/serverless.yml") for note in listed.notes)
    assert any(note.startswith("broken/serverless.yml") for note in listed.notes)


def test_deploy_reads_only_python_files_that_mention_the_cdk(tmp_path):
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(handler="app.handler"))
    (tmp_path / "stack.py").write_text(CDK.format(handler="app.handler"))
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    listing = discover.project_listing(tmp_path, Settings(root=tmp_path, respect_gitignore=False))
    assert listing.deploy_by_name == ["template.yaml"]
    assert listing.cdk_candidates == ["app.py", "stack.py"]
    assert listing.deploy == ["template.yaml", "stack.py"]
    # the reader tests the content itself: unread candidates give the same entries
    _same(config_entry_points(tmp_path, files=listing.deploy_by_name + listing.cdk_candidates),
          config_entry_points(tmp_path, files=listing.deploy))


def test_files_sorted_as_paths_sort(tmp_path):
    for rel in ("a-b.py", "a/b.py", "a.py", "a/a-b/c.py", "a/a/c.py", "B.py", "b.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    found = discover.project_files(tmp_path, Settings(root=tmp_path, respect_gitignore=False))
    assert found == sorted(found) and len(found) == 7


def test_collect_gives_the_listing_from_the_same_walk_at_the_project_root(tmp_path, monkeypatch):
    _tree(tmp_path)
    (tmp_path / "pinless.toml").write_text("")  # the project root outside a git work tree
    settings = Settings(root=tmp_path, config_path=tmp_path / "pinless.toml")
    expected = discover.project_listing(tmp_path, settings)
    walkers = []
    real_walker = discover._Walker

    def counting(*args, **kwargs):
        walkers.append(args)
        return real_walker(*args, **kwargs)

    monkeypatch.setattr(discover, "_Walker", counting)
    found = discover.collect([tmp_path], settings, listing=True)
    assert len(walkers) == 1
    assert found.listing == expected and found.listing.deploy == expected.deploy
    assert found.files == expected.files and found.project_root == tmp_path

    walkers.clear()
    found = discover.collect([tmp_path / "sub"], settings, listing=True)
    assert len(walkers) == 2  # the targets, then the whole project
    assert found.listing == expected and found.files == []
    assert discover.collect([tmp_path], settings).listing is None
