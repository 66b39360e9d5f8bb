import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pinless import discover
from pinless.config import DEFAULT_EXCLUDE, Settings
from pinless.discover import Discovery, UsageError, collect, is_excluded, project_files, repo_root

HAS_GIT = shutil.which("git") is not None
needs_git = pytest.mark.skipif(not HAS_GIT, reason="git is not installed")


@pytest.fixture(autouse=True)
def quiet_git_config(tmp_path_factory, monkeypatch):
    """Keep the machine's own git config and global excludes out of the tests."""
    home = tmp_path_factory.mktemp("home")
    empty = home / "gitconfig"
    empty.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    return home


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def files(root: Path, *paths: Path, **settings) -> list[str]:
    """The discovered files as paths relative to ``root``."""
    found = collect(list(paths) or [root], Settings(root=root, **settings))
    return [p.relative_to(root).as_posix() for p in found.files]


# --- walking -----------------------------------------------------------------------------------


def test_recurses_for_python_files_sorted_and_absolute(tmp_path):
    touch(tmp_path, "b.py", "a/z.py", "a/b/c.py", "a/readme.md", "a/script", "a/stub.pyi")
    found = collect([tmp_path], Settings(root=tmp_path))
    assert found.files == [tmp_path / "a/b/c.py", tmp_path / "a/z.py", tmp_path / "b.py"]
    assert found.notes == []


@pytest.mark.parametrize("folder", [name for name in DEFAULT_EXCLUDE])
def test_default_excludes_at_any_depth(tmp_path, folder):
    touch(tmp_path, "keep.py", f"{folder}/x.py", f"src/{folder}/y.py")
    assert files(tmp_path, respect_gitignore=False) == ["keep.py"]


def test_default_exclude_list_covers_the_issue():
    assert set(DEFAULT_EXCLUDE) >= {
        ".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist",
        ".aws-sam", "cdk.out", ".serverless", ".pinless_cache",
    }


def test_any_folder_with_pyvenv_cfg_is_a_virtual_environment(tmp_path):
    touch(tmp_path, "app.py", "py312env/pyvenv.cfg", "py312env/lib/site.py")
    assert files(tmp_path) == ["app.py"]
    # named on the command line, it is walked
    assert files(tmp_path, tmp_path / "py312env") == ["py312env/lib/site.py"]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path):
    touch(tmp_path, "build/a.py", "gen/b.py", "tests/fixtures/deep/c.py", "tests/d.py")
    assert files(tmp_path, exclude=("gen",)) == [
        "build/a.py", "tests/d.py", "tests/fixtures/deep/c.py",
    ]
    assert files(tmp_path, extend_exclude=("tests/fixtures/**",)) == ["gen/b.py", "tests/d.py"]


def test_exclude_globs_are_relative_to_the_settings_root(tmp_path):
    touch(tmp_path, "svc/tests/fixtures/a.py", "svc/tests/b.py", "tests/fixtures/c.py")
    settings = Settings(root=tmp_path / "svc", extend_exclude=("tests/fixtures",))
    found = collect([tmp_path], settings)
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == [
        "svc/tests/b.py", "tests/fixtures/c.py",
    ]


def test_named_file_is_always_checked_unless_force_exclude(tmp_path):
    touch(tmp_path, "build/gen.py", "bin/tool")
    named = [tmp_path / "build/gen.py", tmp_path / "bin/tool"]
    assert files(tmp_path, *named) == ["bin/tool", "build/gen.py"]
    assert files(tmp_path, *named, force_exclude=True) == ["bin/tool"]


def test_named_excluded_folder_is_walked_unless_force_exclude(tmp_path):
    touch(tmp_path, "build/gen.py")
    assert files(tmp_path, tmp_path / "build") == ["build/gen.py"]
    assert files(tmp_path, tmp_path / "build", force_exclude=True) == []


def test_paths_are_deduplicated(tmp_path):
    touch(tmp_path, "src/a.py", "src/b.py")
    assert files(tmp_path, tmp_path / "src", tmp_path, tmp_path / "src/a.py") == [
        "src/a.py", "src/b.py",
    ]


def test_relative_paths_are_made_absolute(tmp_path, monkeypatch):
    touch(tmp_path, "src/a.py")
    monkeypatch.chdir(tmp_path)
    found = collect([Path("src")], Settings(root=tmp_path))
    assert found.files == [tmp_path / "src/a.py"]


def test_missing_path_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as info:
        collect([Path("nope.py")], Settings(root=tmp_path))
    assert str(info.value) == "nope.py: no such file or directory"


def test_path_below_a_file_is_a_usage_error(tmp_path, monkeypatch):
    touch(tmp_path, "handler.py")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as info:
        collect([Path("handler.py/inner.py")], Settings(root=tmp_path))
    assert str(info.value) == "handler.py/inner.py: no such file or directory"


def test_project_files_uses_the_same_rules(tmp_path):
    touch(tmp_path, "a.py", "node_modules/x.py", "lib/b.py")
    found = project_files(tmp_path, Settings(root=tmp_path))
    assert found == [tmp_path / "a.py", tmp_path / "lib/b.py"]


# --- symbolic links ----------------------------------------------------------------------------


def test_symlink_loop_to_an_ancestor_is_skipped_with_a_note(tmp_path):
    touch(tmp_path, "a/b/x.py")
    (tmp_path / "a/b/up").symlink_to("../..", target_is_directory=True)
    found = collect([tmp_path], Settings(root=tmp_path))
    assert found.files == [tmp_path / "a/b/x.py"]
    assert found.notes == [f"{tmp_path / 'a/b/up'}: symbolic link loop, skipped"]


def test_self_referencing_symlink_is_skipped_with_a_note(tmp_path):
    touch(tmp_path, "x.py")
    (tmp_path / "loop").symlink_to("loop")
    found = collect([tmp_path], Settings(root=tmp_path))
    assert found.files == [tmp_path / "x.py"]
    assert found.notes == [f"{tmp_path / 'loop'}: symbolic link loop, skipped"]


def test_symlinked_folder_inside_the_tree_is_reported_once_by_its_real_path(tmp_path):
    touch(tmp_path, "shared/db.py")
    (tmp_path / "a_link").symlink_to("shared", target_is_directory=True)  # sorts first
    assert files(tmp_path) == ["shared/db.py"]


def test_symlinked_folder_outside_the_tree_is_followed(tmp_path):
    touch(tmp_path, "outside/lib.py", "project/app.py")
    (tmp_path / "project/common").symlink_to(tmp_path / "outside", target_is_directory=True)
    found = collect([tmp_path / "project"], Settings(root=tmp_path / "project"))
    assert found.files == [tmp_path / "project/app.py", tmp_path / "project/common/lib.py"]


def test_dangling_symlink_is_ignored(tmp_path):
    touch(tmp_path, "x.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    found = collect([tmp_path], Settings(root=tmp_path))
    assert (found.files, found.notes) == ([tmp_path / "x.py"], [])


# --- unreadable folders ------------------------------------------------------------------------

def collect_as_nobody(root: Path) -> dict:
    """``collect`` in a forked child that has dropped root's privileges to the `nobody` user."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            found = collect([root], Settings(root=root, respect_gitignore=False))
            data = {"files": [str(p) for p in found.files], "notes": found.notes}
            os.write(write, json.dumps(data).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        output = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(output)


def test_unreadable_folder_is_skipped_with_a_note():
    # Root reads any folder whatever its mode, so as root the walk runs in a forked child that
    # has dropped to the `nobody` user: the permission error is the real one, not a simulation.
    base = Path(tempfile.mkdtemp(prefix="pinless-unreadable-"))
    try:
        base.chmod(0o755)
        touch(base, "ok.py", "locked/secret.py")
        (base / "ok.py").chmod(0o644)
        (base / "locked").chmod(0)
        if os.geteuid() == 0:
            found = collect_as_nobody(base)
        else:
            result = collect([base], Settings(root=base, respect_gitignore=False))
            found = {"files": [str(p) for p in result.files], "notes": result.notes}
        assert found == {
            "files": [str(base / "ok.py")],
            "notes": [f"{base / 'locked'}: cannot read directory (Permission denied), skipped"],
        }
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


# --- .gitignore through git --------------------------------------------------------------------


def make_repo(root: Path) -> Path:
    git(root, "init", "-q")
    touch(
        root,
        "app.py",
        "generated/models.py",
        "notes/draft.py",
        "src/handler.py",
        "src/local_settings.py",
        "src/vendor/lib.py",
        "src/vendor/keep.py",
        "scratch.py",
        "deep/a/b/scratch.py",
        "only_root.py",
        "deep/only_root.py",
        "tracked/old.py",
    )
    (root / ".gitignore").write_text(
        "generated/\n/only_root.py\nscratch.py\ntracked/\n# a comment\n\n"
    )
    (root / "src/.gitignore").write_text("local_settings.py\nvendor/*\n!vendor/keep.py\n")
    (root / ".git/info/exclude").write_text("notes/\n")
    git(root, "add", "-f", "tracked/old.py")
    return root


EXPECTED_GIT = [
    "app.py", "deep/only_root.py", "src/handler.py", "src/vendor/keep.py", "tracked/old.py",
]


@needs_git
def test_gitignore_every_level_info_exclude_and_negation(tmp_path):
    make_repo(tmp_path)
    # a tracked file stays checked though a pattern matches it, as in git
    assert files(tmp_path) == EXPECTED_GIT


@needs_git
def test_respect_gitignore_off(tmp_path):
    make_repo(tmp_path)
    assert files(tmp_path, respect_gitignore=False) == [
        "app.py", "deep/a/b/scratch.py", "deep/only_root.py", "generated/models.py",
        "notes/draft.py", "only_root.py", "scratch.py", "src/handler.py",
        "src/local_settings.py", "src/vendor/keep.py", "src/vendor/lib.py", "tracked/old.py",
    ]


@needs_git
def test_one_git_call_per_work_tree(tmp_path, monkeypatch):
    make_repo(tmp_path)
    for i in range(300):
        touch(tmp_path, f"pkg{i % 10}/m{i}.py")
    touch(tmp_path, "inner/x.py", "inner/skip.py")
    git(tmp_path / "inner", "init", "-q")
    (tmp_path / "inner/.gitignore").write_text("skip.py\n")
    calls = []
    real_run = subprocess.run

    def counting(command, *args, **kwargs):
        calls.append(command[command.index("-C") + 1])
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(discover.subprocess, "run", counting)
    found = files(tmp_path)
    assert sorted(calls) == [str(tmp_path), str(tmp_path / "inner")]
    assert len(found) == len(EXPECTED_GIT) + 300 + 1
    assert "inner/x.py" in found and "inner/skip.py" not in found


@needs_git
def test_nested_repository_has_its_own_rules(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("*_local.py\n")
    touch(tmp_path, "a_local.py", "sub/b_local.py", "sub/c.py")
    git(tmp_path / "sub", "init", "-q")
    (tmp_path / "sub/.gitignore").write_text("c.py\n")
    assert files(tmp_path) == ["sub/b_local.py"]


@needs_git
def test_global_excludes_file(tmp_path, quiet_git_config, monkeypatch):
    git(tmp_path, "init", "-q")
    touch(tmp_path, "app.py", "scratch_me.py")
    excludes = quiet_git_config / "global-ignore"
    excludes.write_text("scratch_*.py\n")
    (quiet_git_config / "gitconfig").write_text(f"[core]\n\texcludesFile = {excludes}\n")
    assert files(tmp_path) == ["app.py"]
    # the fallback reads the same setting from ~/.gitconfig
    (quiet_git_config / ".gitconfig").write_text(f"[core]\n\texcludesFile = {excludes}\n")
    monkeypatch.setattr(discover, "GIT", str(tmp_path / "no-git-here"))
    assert files(tmp_path) == ["app.py"]


@needs_git
def test_ignored_folder_is_not_entered(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("big/\n")
    touch(tmp_path, "app.py", "big/x.py")
    (tmp_path / "big/loop").symlink_to("..", target_is_directory=True)
    found = collect([tmp_path], Settings(root=tmp_path))
    assert (found.files, found.notes) == ([tmp_path / "app.py"], [])


@needs_git
def test_named_file_in_ignored_folder(tmp_path):
    make_repo(tmp_path)
    named = tmp_path / "generated/models.py"
    assert files(tmp_path, named) == ["generated/models.py"]
    assert files(tmp_path, named, force_exclude=True) == []
    assert is_excluded(named, Settings(root=tmp_path)) is True
    assert is_excluded(tmp_path / "src/handler.py", Settings(root=tmp_path)) is False
    assert is_excluded(tmp_path / "build/x.py", Settings(root=tmp_path)) is True


@needs_git
def test_git_hook_environment_does_not_leak_in(tmp_path, monkeypatch):
    make_repo(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    assert files(tmp_path) == EXPECTED_GIT


# --- the pure-Python fallback ------------------------------------------------------------------


@needs_git
def test_fallback_agrees_with_git(tmp_path, monkeypatch):
    make_repo(tmp_path)
    git(tmp_path, "rm", "-q", "--cached", "tracked/old.py")  # the fallback cannot see the index
    with_git = files(tmp_path)
    monkeypatch.setattr(discover, "GIT", str(tmp_path / "no-git-here"))
    assert files(tmp_path) == with_git == [p for p in EXPECTED_GIT if p != "tracked/old.py"]


PATTERN_CASES = [
    "*.gen.py",
    "/top_only.py",
    "docs/",
    "a/**/z.py",
    "**/cache/*",
    "**/cache/*\n!**/cache/keep.py",
    "x?.py",
    "[ab]_*.py",
    "\\#hash.py",
    "trailing.py   ",
    "sub/deep/",
    "lib/*\n!lib/keep/\nlib/keep/*\n!lib/keep/this.py",
]
PATTERN_FILES = [
    "m.gen.py", "top_only.py", "s/top_only.py", "docs/d.py", "s/docs/d.py", "a/z.py",
    "a/b/c/z.py", "cache/c.py", "s/cache/keep.py", "s/cache/other.py", "x1.py", "x12.py",
    "a_1.py", "c_1.py", "#hash.py", "trailing.py", "sub/deep/q.py", "sub/q.py",
    "lib/a.py", "lib/keep/this.py", "lib/keep/that.py", "plain.py",
]


@needs_git
@pytest.mark.parametrize("pattern", PATTERN_CASES)
def test_fallback_matches_git_pattern_by_pattern(tmp_path, monkeypatch, pattern):
    git(tmp_path, "init", "-q")
    touch(tmp_path, *PATTERN_FILES)
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    with_git = files(tmp_path)
    monkeypatch.setattr(discover, "GIT", str(tmp_path / "no-git-here"))
    assert files(tmp_path) == with_git
    assert len(with_git) < len(PATTERN_FILES)  # the pattern did ignore something


def test_gitignore_outside_a_repository(tmp_path):
    (tmp_path / ".gitignore").write_text("*_local.py\nout/\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/.gitignore").write_text("!keep_local.py\n")
    touch(tmp_path, "a.py", "b_local.py", "out/c.py", "svc/keep_local.py", "svc/d_local.py")
    assert files(tmp_path) == ["a.py", "svc/keep_local.py"]


# --- roots -------------------------------------------------------------------------------------


@needs_git
def test_project_root_is_the_git_top_level(tmp_path):
    git(tmp_path, "init", "-q")
    touch(tmp_path, "svc/app.py", "svc/pinless.toml")
    settings = Settings(root=tmp_path / "svc", config_path=tmp_path / "svc/pinless.toml")
    found = collect([tmp_path / "svc/app.py"], settings)
    assert found.project_root == tmp_path
    assert repo_root(tmp_path / "svc") == tmp_path


def test_project_root_without_git(tmp_path):
    touch(tmp_path, "svc/app.py", "svc/pinless.toml", "other/x.py")
    with_config = Settings(root=tmp_path / "svc", config_path=tmp_path / "svc/pinless.toml")
    assert collect([tmp_path / "other/x.py"], with_config).project_root == tmp_path / "svc"
    plain = Settings(root=tmp_path)
    assert collect([tmp_path / "other/x.py"], plain).project_root == tmp_path / "other"
    assert collect([tmp_path / "other"], Settings(root=tmp_path)).project_root == tmp_path / "other"
    assert repo_root(tmp_path / "other") == tmp_path / "other"


def test_discovery_shape(tmp_path):
    touch(tmp_path, "a.py")
    found = collect([tmp_path], Settings(root=tmp_path))
    assert found == Discovery([tmp_path / "a.py"], [], tmp_path)


@needs_git
@pytest.mark.parametrize("use_git", [True, False])
def test_ignored_symlink_to_a_folder_is_not_followed(tmp_path, monkeypatch, use_git):
    project = tmp_path / "project"
    touch(tmp_path, "outside/lib.py", "outside/more/x.py", "project/app.py")
    git(project, "init", "-q")
    (project / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    (project / "kept").symlink_to(tmp_path / "outside/more", target_is_directory=True)
    (project / ".gitignore").write_text("linked\n")
    if not use_git:
        monkeypatch.setattr(discover, "GIT", str(tmp_path / "no-git-here"))
    assert files(project) == ["app.py", "kept/x.py"]
