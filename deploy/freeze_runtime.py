"""Print `name==version` for every runtime dependency of unified-order-api, as installed here.

Run in the environment the tests passed in (`make constraints`): the result is `constraints.txt`,
which a production install uses to get exactly those versions without the development extras
(`pip install -c constraints.txt .`). Only what `pip install .` pulls in is listed, found by
walking the installed distributions' requirements, so a test tool never lands in production.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "unified-order-api"


def runtime_closure(root: str) -> dict[str, str]:
    """{canonical name: installed version} of everything `root` needs without extras."""
    found: dict[str, str] = {}
    pending: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        distribution = metadata.distribution(name)
        found[canonicalize_name(name)] = distribution.version
        for line in distribution.requires or []:
            requirement = Requirement(line)
            wanted = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker is not None and not any(requirement.marker.evaluate(env) for env in wanted):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    found.pop(canonicalize_name(root))
    return found


def main() -> int:
    print("# Runtime dependencies as tested; regenerate with `make constraints` after changing pyproject.toml.")
    for name, version in sorted(runtime_closure(ROOT).items()):
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
