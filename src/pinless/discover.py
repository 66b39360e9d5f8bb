"""Paths -> the Python files to check (conventions section 11).

Folders are walked for ``.py`` files; ``exclude`` / ``extend-exclude`` globs, virtual
environments (any folder holding ``pyvenv.cfg``) and, with ``respect-gitignore``, git's ignore
rules prune the walk. A file named on the command line is always checked unless
``force-exclude``. Symbolic links are followed; a loop or an unreadable folder is skipped with a
one-line note. A named path that does not exist is a ``UsageError``.

How ignored files are found. Inside a git work tree we ask git, once per work tree:
``git ls-files --others --ignored --exclude-standard --directory -z`` lists the untracked files
git ignores, with wholly ignored folders collapsed to one ``dir/`` entry. That one call answers
for every file of the tree and lets the walk skip ignored folders without entering them, and
git applies its own rules exactly (every ``.gitignore``, ``.git/info/exclude``,
``core.excludesFile``, negation). A tracked file stays checked even when a pattern matches it,
as git itself treats it. ``git check-ignore --stdin`` would need the candidate list first, so the
walk could not prune, and one call per file is out of the question on a 10k-file tree. Outside
a work tree, or when git is missing or refuses the repository, a pure-Python matcher applies the
``.gitignore`` files (plus ``info/exclude`` and the global excludes inside a work tree) during
the walk; it cannot see the index, so there a tracked file that a pattern matches is skipped.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pinless.config import PathPatterns, Settings, glob_regex

GIT = "git"
# Variables that would point git at another repository than the folder we ask about
# (pre-commit and git hooks set some of them).
_GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
                      "GIT_NAMESPACE", "GIT_OBJECT_DIRECTORY")


class UsageError(Exception):
    """A path on the command line that cannot be used; ``str()`` is the one-line message."""


@dataclass
class Discovery:
    files: list[Path]  # absolute, sorted, each real file once
    notes: list[str] = field(default_factory=list)  # folders skipped (loops, unreadable)
    project_root: Path = field(default_factory=Path.cwd)
    listing: Listing | None = None  # project_listing(project_root), when asked for


def collect(paths: list[Path], settings: Settings, *, listing: bool = False) -> Discovery:
    """The files to check under ``paths`` (default: the working directory). With ``listing``,
    also ``project_listing(project_root, settings)``: from the same walk when the one path
    named is the project root (``pinless check`` at the top of a repository)."""
    paths = list(paths) or [Path(".")]
    root = _project_root(paths[0], settings)
    whole = listing and len(paths) == 1 and os.path.abspath(paths[0]) == os.path.abspath(root)
    walker = _Walker(settings, deploy=whole)
    for path in paths:
        walker.add_named(path)
    walker.finish()
    found = Discovery(walker.files(), sorted(walker.notes), root)
    if whole:
        found.listing = walker.listing(root)
    elif listing:
        found.listing = project_listing(root, settings)
    return found


@dataclass
class Listing:
    """What one walk of the project finds: its Python files and its deployment files."""

    root: Path  # absolute: the folder walked, what ``deploy`` is relative to
    files: list[Path]  # absolute, sorted, each real file once (as ``Discovery.files``)
    # Deployment-file candidates, sorted project-relative POSIX paths: by name (SAM, Serverless,
    # Zappa), and the Python files a CDK app may be in (``deploy`` reads them). None is below a
    # folder ``entrypoints.skips_folder`` names, reached through a symlinked folder, or inside a
    # package pip installed into the project (which config_entry_points' own walk does read).
    deploy_by_name: list[str] = field(default_factory=list)
    cdk_candidates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def deploy(self) -> list[str]:
        """The files for ``entrypoints.config_entry_points(root, files=...)``: the same ones its
        own walk would read with the discovery's excludes. Reads each CDK candidate once (a
        caller that holds the bytes can test ``b"aws_cdk" in data`` itself instead)."""
        from pinless.model.entrypoints import mentions_cdk

        cdk = [rel for rel in self.cdk_candidates if mentions_cdk(os.path.join(self.root, rel))]
        return self.deploy_by_name + cdk


def project_listing(root: Path, settings: Settings) -> Listing:
    """Every Python file of the project under ``root``, by the same rules as ``collect``
    (cross-module facts), and its deployment files, from one walk."""
    walker = _Walker(settings, deploy=True)
    walker.add_named(root)
    walker.finish()
    return walker.listing(root)


def project_files(root: Path, settings: Settings) -> list[Path]:
    """Every Python file of the project under ``root``, by the same rules (cross-module facts)."""
    return project_listing(root, settings).files


def is_excluded(path: Path, settings: Settings) -> bool:
    """Whether ``exclude`` or (with ``respect-gitignore``) git ignores ``path`` or a folder above
    it: for a file named with ``force-exclude``, or stdin read as ``--stdin-filename``."""
    return excluder(settings)(path)


def excluder(settings: Settings):
    """``is_excluded`` for many paths: one walker, so git is asked once per work tree."""
    walker = _Walker(settings)
    return lambda path: walker.excluded_named(os.path.abspath(path), is_dir=False)


def repo_root(start: Path) -> Path:
    """The git top level containing ``start``, else ``start`` (machine formats' path base)."""
    folder = os.path.abspath(start)
    top = _work_tree_top(folder if os.path.isdir(folder) else os.path.dirname(folder))
    return Path(top) if top is not None else Path(folder)


def _project_root(first: Path, settings: Settings) -> Path:
    """The git top level containing the first path, else the config's folder, else its folder."""
    start = os.path.abspath(first)
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    top = _work_tree_top(folder)
    if top is not None:
        return Path(top)
    if settings.config_path is not None:
        return settings.config_path.parent
    return Path(folder)


def _work_tree_top(folder: str) -> str | None:
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# ---------------------------------------------------------------------------------------------
# The walk


@dataclass
class _Frame:
    """A folder being walked: as the user reaches it, as it really is, and in its ignore tree."""

    path: str  # absolute, through any symlinks (what reports show)
    real: str  # symlinks resolved (what git and the dedupe know)
    rel: str | None  # ``path`` relative to the settings root, None outside it
    tree: _Tree | None
    tree_rel: str  # ``real`` relative to ``tree.top``
    named: bool = False  # named on the command line: walked even if it looks like a venv
    # relative to the listed project root, when deployment files here count (project_listing)
    deploy: str | None = None


class _Walker:
    def __init__(self, settings: Settings, deploy: bool = False) -> None:
        self.settings = settings
        self.patterns = PathPatterns(settings.exclude + settings.extend_exclude, settings.root)
        self.trees = _Trees(settings.root) if settings.respect_gitignore else None
        self.found: dict[str, str] = {}  # real path -> path as reached, first one wins
        self.visited: set[str] = set()  # real folders walked
        self.notes: list[str] = []
        self.links: list[tuple[str, str | None]] = []  # symlinked folders, walked last
        self.deploy = deploy  # also list deployment files (from the root, not through links)
        self._files: list[Path] | None = None
        self.deploy_by_name: list[str] = []
        self.cdk_candidates: list[str] = []
        if deploy:  # the deployment readers decide which names count (one source of truth)
            from pinless.model.entrypoints import deployment_file_kind, skips_folder

            self._deploy_kind = functools.lru_cache(maxsize=None)(deployment_file_kind)
            self._skips_folder = skips_folder

    def listing(self, root: Path) -> Listing:
        return Listing(Path(os.path.abspath(root)), self.files(), sorted(self.deploy_by_name),
                       sorted(self.cdk_candidates), sorted(self.notes))

    def files(self) -> list[Path]:
        # sorted as Paths sort, comparing strings: sorting the Paths cost more than the walk;
        # built once (collect asks for the targets and for the listing of the same walk)
        if self._files is None:
            self._files = [Path(p) for p in sorted(set(self.found.values()), key=_parts)]
        return list(self._files)

    # named paths ---------------------------------------------------------------------------

    def add_named(self, given: Path) -> None:
        path = os.path.abspath(given)
        try:
            mode = os.stat(path).st_mode
        except (FileNotFoundError, NotADirectoryError):
            raise UsageError(f"{given}: no such file or directory") from None
        except OSError as exc:
            raise UsageError(f"{given}: {exc.strerror}") from None
        is_dir = stat.S_ISDIR(mode)
        if self.settings.force_exclude and self.excluded_named(path, is_dir):
            return
        if is_dir:
            self._walk_root(path, self.patterns.relative(path))
        else:
            self.found.setdefault(os.path.realpath(path), path)

    def excluded_named(self, path: str, is_dir: bool) -> bool:
        if self.patterns.match_path(path):
            return True
        if self.trees is None:
            return False
        real = os.path.realpath(path)
        tree = self.trees.for_folder(real if is_dir else os.path.dirname(real))
        return tree is not None and tree.path_ignored(tree.relative(real), is_dir)

    # folders ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Walk the symlinked folders met on the way, now that every real folder is known."""
        while self.links:
            path, rel = self.links.pop(0)
            self._walk_link(path, rel)

    def _walk_root(self, path: str, rel: str | None) -> None:
        real = os.path.realpath(path)
        tree = self.trees.for_folder(real) if self.trees else None
        self._walk(_Frame(path, real, rel, tree, tree.relative(real) if tree else "", named=True,
                          deploy="" if self.deploy else None))

    def _walk_link(self, path: str, rel: str | None) -> None:
        real = os.path.realpath(path)
        parent = os.path.realpath(os.path.dirname(path))
        if parent == real or parent.startswith(real.rstrip(os.sep) + os.sep):
            self.notes.append(f"{path}: symbolic link loop, skipped")
            return
        if real in self.visited:
            return  # the same folder, already walked by its real path
        tree = self.trees.for_folder(real) if self.trees else None
        tree_rel = tree.relative(real) if tree else ""
        if tree is not None and tree.path_ignored(tree_rel, True):
            return
        self._walk(_Frame(path, real, rel, tree, tree_rel))

    def _walk(self, start: _Frame) -> None:
        stack = [start]
        while stack:
            frame = stack.pop()
            if frame.real in self.visited:
                continue
            self.visited.add(frame.real)
            entries = self._list(frame)
            if entries is None:
                continue
            if not frame.named and "pyvenv.cfg" in entries:
                continue  # a virtual environment, found by its marker whatever its name
            if ".git" in entries and self.trees is not None and frame.tree_rel:
                frame.tree = self.trees.for_top(frame.real)
                frame.tree_rel = ""
            installed = _installed_names(frame.path, entries)
            if installed:
                entries = {name: e for name, e in entries.items() if name not in installed}
            stack.extend(self._entries(frame, entries))

    def _list(self, frame: _Frame) -> dict[str, os.DirEntry] | None:
        try:
            with os.scandir(frame.path) as it:
                return {entry.name: entry for entry in it}
        except OSError as exc:
            self.notes.append(f"{frame.path}: cannot read directory ({exc.strerror}), skipped")
            return None

    def _entries(self, frame: _Frame, entries: dict[str, os.DirEntry]) -> Iterator[_Frame]:
        deploy = frame.deploy
        for name, entry in entries.items():
            kind = self._kind(entry, deploy is not None)
            if kind is None:
                continue
            if frame.rel is None:  # outside the settings root, or above it
                rel = self.patterns.relative(entry.path)
            else:
                rel = f"{frame.rel}/{name}" if frame.rel else name
            if self.patterns.match_entry(entry.path, name, rel):
                continue
            link = entry.is_symlink()
            tree_rel = f"{frame.tree_rel}/{name}" if frame.tree_rel else name
            # to git a symlink is never a folder, so `dir/` patterns do not match one
            if frame.tree is not None and frame.tree.ignored(tree_rel, kind == "dir" and not link):
                continue
            if kind == "file":
                real = os.path.realpath(entry.path) if link else os.path.join(frame.real, name)
                self.found.setdefault(real, entry.path)
                if deploy is not None and self._deploy_kind(name) == "python":
                    self.cdk_candidates.append(f"{deploy}/{name}" if deploy else name)
            elif kind == "deploy":
                self.deploy_by_name.append(f"{deploy}/{name}" if deploy else name)
            elif link:
                self.links.append((entry.path, rel))
            else:
                sub = None
                if deploy is not None and not self._skips_folder(name):
                    sub = f"{deploy}/{name}" if deploy else name
                yield _Frame(entry.path, os.path.join(frame.real, name), rel, frame.tree, tree_rel,
                             deploy=sub)

    def _kind(self, entry: os.DirEntry, deploy: bool = False) -> str | None:
        """What the entry is to the walk: a folder ("dir"), a `.py` file ("file"), with
        ``deploy`` a deployment file found by its name ("deploy"), or nothing (None); a link
        that loops on itself, or cannot be followed, gets a note."""
        try:
            if entry.is_dir():
                return "dir"
            if entry.name.endswith(".py"):
                return "file" if entry.is_file() else None
            # any other non-folder entry, as os.walk lists it (its reader notes an unreadable one)
            return "deploy" if deploy and self._deploy_kind(entry.name) == "config" else None
        except OSError as exc:
            why = "symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror
            self.notes.append(f"{entry.path}: {why}, skipped")
            return None


def _parts(path: str) -> str:
    """A key that sorts paths as ``Path`` sorts them (by parts, case-folded where the OS folds
    names): the separator becomes NUL, which no name holds and which sorts before any character."""
    return os.path.normcase(path).replace(os.sep, "\0")


def _installed_names(folder: str, entries: dict[str, os.DirEntry]) -> set[str]:
    """Top-level packages and modules that pip installed into ``folder`` (a Lambda bundle built
    with ``pip install -t``), read from the ``*.dist-info/RECORD`` files beside them: library
    code, not the project's, so it is not checked (its own SQL is the library's business)."""
    names: set[str] = set()
    for name in entries:
        if not name.endswith(".dist-info"):
            continue
        try:
            with open(os.path.join(folder, name, "RECORD"), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    top = line.split(",", 1)[0].split("/", 1)[0]
                    if top and not top.endswith((".dist-info", ".data")) and top != "..":
                        names.add(top)
        except OSError:
            continue
    return names


# ---------------------------------------------------------------------------------------------
# Ignore trees: one per git work tree (or per walked folder outside any)


class _Tree:
    top: str

    def relative(self, real: str) -> str:
        if real == self.top:
            return ""
        return os.path.relpath(real, self.top).replace(os.sep, "/")

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether this entry is ignored, its folders being known not to be."""
        raise NotImplementedError

    def path_ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` or any folder above it (inside the tree) is ignored."""
        if not rel or rel.startswith("../"):
            return False
        parts = rel.split("/")
        for i in range(1, len(parts)):
            if self.ignored("/".join(parts[:i]), True):
                return True
        return self.ignored(rel, is_dir)


class _Trees:
    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)
        self._by_top: dict[str, _Tree] = {}
        self._top_of: dict[str, str | None] = {}

    def for_folder(self, real: str) -> _Tree:
        """The tree of the work tree containing ``real``; outside any, one rooted at the
        settings root when ``real`` is below it, else at ``real`` itself."""
        top = self._top_of.get(real)
        if real not in self._top_of:
            top = self._top_of[real] = _work_tree_top(real)
        if top is not None:
            return self.for_top(top)
        root = self.root
        anchor = root if real == root or real.startswith(root.rstrip(os.sep) + os.sep) else real
        if anchor not in self._by_top:
            self._by_top[anchor] = _PatternTree(anchor, in_repo=False)
        return self._by_top[anchor]

    def for_top(self, top: str) -> _Tree:
        tree = self._by_top.get(top)
        if tree is None:
            listing = _git_ignored(top)
            tree = _GitTree(top, *listing) if listing is not None else _PatternTree(top, True)
            self._by_top[top] = tree
        return tree


class _GitTree(_Tree):
    """Answers from one ``git ls-files`` listing of the ignored untracked files."""

    def __init__(self, top: str, files: set[str], folders: set[str]) -> None:
        self.top = top
        self._files = files
        self._folders = folders

    def ignored(self, rel: str, is_dir: bool) -> bool:
        # git lists a symlink as a file even when it points at a folder
        return rel in self._files or rel in self._folders


def _git_ignored(top: str) -> tuple[set[str], set[str]] | None:
    """(ignored files, wholly ignored folders) of the work tree at ``top``; None if git fails."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
    command = [GIT, "-C", top, "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
               "--directory"]
    try:
        done = subprocess.run(command, capture_output=True, env=env, check=False)
    except OSError:  # git is not installed
        return None
    if done.returncode != 0:  # not a repository after all, or one git refuses (safe.directory)
        return None
    files, folders = set(), set()
    for item in os.fsdecode(done.stdout).split("\0"):
        if item.endswith("/"):
            folders.add(item[:-1])
        elif item:
            files.add(item)
    return files, folders


class _PatternTree(_Tree):
    """Applies ``.gitignore`` files itself, as git does, loading each folder's file when the walk
    reaches it. Inside a work tree, ``info/exclude`` and the global excludes apply below them."""

    def __init__(self, top: str, in_repo: bool) -> None:
        self.top = top
        base: list[_IgnoreFile] = []
        if in_repo:
            for path in (_global_excludes_file(), _info_exclude(top)):
                loaded = _IgnoreFile.read(path, "") if path else None
                if loaded:
                    base.append(loaded)
        self._by_folder: dict[str, list[_IgnoreFile]] = {"": base + self._own("")}

    def ignored(self, rel: str, is_dir: bool) -> bool:
        folder = rel.rpartition("/")[0]
        for ignore in reversed(self._files(folder)):  # the deepest file decides first
            verdict = ignore.verdict(rel, is_dir)
            if verdict is not None:
                return verdict
        return False

    def _files(self, folder: str) -> list[_IgnoreFile]:
        files = self._by_folder.get(folder)
        if files is None:
            parent = folder.rpartition("/")[0]
            files = self._by_folder[folder] = self._files(parent) + self._own(folder)
        return files

    def _own(self, folder: str) -> list[_IgnoreFile]:
        loaded = _IgnoreFile.read(os.path.join(self.top, folder, ".gitignore"), folder)
        return [loaded] if loaded else []


@dataclass
class _IgnoreFile:
    """One ignore file's patterns, in runs of the same kind, so a run is one regex."""

    base: str  # folder of the file, relative to the tree top ("" at the top)
    runs: list[tuple[re.Pattern[str], bool, bool]]  # (regex, negated, folders only)

    @classmethod
    def read(cls, path: str, base: str) -> _IgnoreFile | None:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return None
        runs: list[tuple[list[str], bool, bool]] = []
        for line in lines:
            parsed = _gitignore_pattern(line)
            if parsed is None:
                continue
            regex, negated, dir_only = parsed
            if runs and runs[-1][1:] == (negated, dir_only):
                runs[-1][0].append(regex)
            else:
                runs.append(([regex], negated, dir_only))
        compiled = [(re.compile("|".join(f"(?:{r})" for r in rs), re.DOTALL), n, d)
                    for rs, n, d in runs]
        return cls(base, compiled) if compiled else None

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None when no pattern here matches (last one wins)."""
        sub = rel[len(self.base) + 1 :] if self.base else rel
        for regex, negated, dir_only in reversed(self.runs):
            if (is_dir or not dir_only) and regex.fullmatch(sub):
                return not negated
        return None


def _gitignore_pattern(line: str) -> tuple[str, bool, bool] | None:
    """(regex, negated, folders only) for one gitignore line, None for blanks and comments."""
    if not line or line.startswith("#"):
        return None
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line  # a slash at the start or in the middle ties it to this folder
    body = glob_regex(line.lstrip("/"))
    return (body if anchored else "(?:.*/)?" + body), negated, dir_only


def _info_exclude(top: str) -> str | None:
    git = os.path.join(top, ".git")
    if os.path.isfile(git):  # a submodule or linked work tree: "gitdir: <path>"
        try:
            with open(git, encoding="utf-8") as fh:
                target = fh.read().partition("gitdir:")[2].strip()
        except OSError:
            return None
        git = os.path.join(top, target)
    return os.path.join(git, "info", "exclude")


def _global_excludes_file() -> str | None:
    """``core.excludesFile`` from the user's git config, else git's default location."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for config in (os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig")):
        value = _core_excludes(config)
        if value:
            return os.path.expanduser(value)
    return os.path.join(xdg, "git", "ignore")


def _core_excludes(config: str) -> str | None:
    section, found = "", None
    try:
        with open(config, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for raw in lines:
        line = raw.strip()
        if line.startswith("["):
            section = line.strip("[]").strip().lower()
        elif section == "core" and "=" in line:
            key, _, value = line.partition("=")
            if key.strip().lower() == "excludesfile":
                found = value.strip().strip('"')
    return found
