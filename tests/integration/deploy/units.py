"""systemd's unit and environment-file syntax, read as systemd reads it, for the tests of `deploy/systemd/`.

configparser is close but not the same: systemd allows a key more than once (`Environment=` adds,
an empty `ExecStart=` resets), continues a line ending in a backslash, and takes `#` and `;` as
comments only at the start of a line.
"""

from __future__ import annotations

import shlex
from pathlib import Path

UnitFile = dict[str, list[tuple[str, str]]]


def read_unit(path: Path) -> UnitFile:
    """{section: [(key, value), …]} in file order, repeated keys kept."""
    sections: UnitFile = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, separator, value = line.partition("=")
        if current is None or not separator or not key.strip():
            raise ValueError(f"{path.name}: not a key=value line in a section: {raw!r}")
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: UnitFile, section: str, key: str) -> list[str]:
    return [value for name, value in unit.get(section, []) if name == key]


def value(unit: UnitFile, section: str, key: str) -> str | None:
    """The last value of `key`, as systemd takes a setting given twice."""
    found = values(unit, section, key)
    return found[-1] if found else None


def environment_assignments(unit: UnitFile) -> dict[str, str]:
    """`Environment=` lines: each holds one or more `KEY=value` words, quoted as in a shell."""
    assignments: dict[str, str] = {}
    for line in values(unit, "Service", "Environment"):
        for word in shlex.split(line):
            key, _, assigned = word.partition("=")
            assignments[key] = assigned
    return assignments


def read_environment_file(path: Path) -> dict[str, str]:
    """An `EnvironmentFile=`: `KEY=VALUE` per line, `#` comments, a value in single or double quotes."""
    assignments: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, separator, assigned = line.partition("=")
        if not separator:
            raise ValueError(f"{path.name}: not KEY=VALUE: {raw!r}")
        if len(assigned) >= 2 and assigned[0] == assigned[-1] and assigned[0] in "'\"":
            assigned = assigned[1:-1]
        assignments[key.strip()] = assigned
    return assignments
