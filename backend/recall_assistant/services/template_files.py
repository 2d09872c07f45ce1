"""The organisation's correction templates, read from one directory (``RA_TEMPLATES_DIR``).

Each ``*.json`` file there is one template (docs/templates.md), parsed and checked by
``recall.templates``. The directory is read again only when a file's name, modification time,
size or inode changes, and each changed file alone is parsed again; a bad file is skipped with
a problem line for the log, never an exception. A file may replace a built-in by using its
``id``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..recall.templates import (
    CorrectionTemplate,
    InvalidTemplate,
    TemplateCatalog,
    builtin_templates,
    template_from_dict,
)

FILE_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class _FileResult:
    stamp: tuple[int, int, int]  # mtime_ns, size, inode
    template: CorrectionTemplate | None
    problems: tuple[str, ...]


def _read_file(path: Path, stamp: tuple[int, int, int]) -> _FileResult:
    name = path.name
    if stamp[1] > FILE_MAX_BYTES:
        return _FileResult(stamp, None, (f"{name}: larger than {FILE_MAX_BYTES} bytes; skipped",))
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        return _FileResult(stamp, None, (f"{name}: cannot be read ({error.strerror}); skipped",))
    except UnicodeDecodeError:
        return _FileResult(stamp, None, (f"{name}: not UTF-8 text; skipped",))
    except json.JSONDecodeError as error:
        return _FileResult(stamp, None, (f"{name}: not valid JSON (line {error.lineno}, column "
                                         f"{error.colno}: {error.msg}); skipped",))
    try:
        template = template_from_dict(data, origin="organisation", source=name)
    except InvalidTemplate as error:
        return _FileResult(stamp, None, tuple(f"{name}: {p}; skipped" for p in error.problems))
    return _FileResult(stamp, template, ())


class TemplateLoader:
    """The built-ins plus one organisation directory, re-read only when its ``*.json`` files
    change (name, modification time, size or inode); each changed file alone is parsed again.
    Thread-safe; each ``load`` costs one directory listing when nothing changed."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._lock = threading.Lock()
        self._files: dict[str, _FileResult] = {}
        self._catalog: TemplateCatalog | None = None
        self._signature: tuple[Any, ...] | None = None

    def _scan(self) -> tuple[tuple[Any, ...], list[str]]:
        if self.directory is None:
            return (), []
        try:
            with os.scandir(self.directory) as entries:
                stamps = []
                for entry in entries:
                    # Hidden files are editors' temporaries (.#x.json, .x.json.swp).
                    if entry.name.startswith(".") or not entry.name.lower().endswith(".json"):
                        continue
                    if entry.is_file():
                        info = entry.stat()
                        stamps.append((entry.name, (info.st_mtime_ns, info.st_size,
                                                    info.st_ino)))
        except OSError as error:
            problem = f"templates directory {self.directory} cannot be read ({error.strerror})"
            return (("error", problem),), [problem]
        return tuple(sorted(stamps)), []

    def load(self) -> TemplateCatalog:
        """The current catalog (the same object while nothing changed)."""
        signature, problems = self._scan()
        with self._lock:
            if self._catalog is not None and signature == self._signature:
                return self._catalog
            results: dict[str, _FileResult] = {}
            for name, stamp in signature:
                if self.directory is None or name == "error":
                    continue
                cached = self._files.get(name)
                results[name] = cached if cached and cached.stamp == stamp \
                    else _read_file(self.directory / name, stamp)
            self._files = results
            self._catalog = _combine(results, problems, signature)
            self._signature = signature
            return self._catalog


def _combine(results: Mapping[str, _FileResult], problems: list[str],
             signature: tuple[Any, ...]) -> TemplateCatalog:
    by_id = {t.id: t for t in builtin_templates()}
    claimed: dict[str, str] = {}
    for name, result in results.items():
        problems.extend(result.problems)
        template = result.template
        if template is None:
            continue
        if template.id in claimed:
            problems.append(f"{name}: id {template.id!r} is already used by "
                            f"{claimed[template.id]}; skipped")
            continue
        claimed[template.id] = name
        by_id[template.id] = template  # replaces a built-in in place, or joins at the end
    version = hashlib.sha256(repr(signature).encode()).hexdigest()[:16]
    return TemplateCatalog(templates=tuple(by_id.values()), problems=tuple(problems),
                           version=version)


_LOADERS: dict[Path | None, TemplateLoader] = {}
_LOADERS_LOCK = threading.Lock()


def load_templates(directory: Path | None) -> TemplateCatalog:
    """The templates on offer: built-ins, plus ``directory``'s (``RA_TEMPLATES_DIR``) when given.

    Cheap to call per request: one loader per directory is kept for the process, and it reads
    files again only when they change. Never raises for what the directory holds.
    """
    key = None if directory is None else Path(directory)
    with _LOADERS_LOCK:
        loader = _LOADERS.get(key)
        if loader is None:
            loader = _LOADERS[key] = TemplateLoader(key)
    return loader.load()
