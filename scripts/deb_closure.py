#!/usr/bin/env python3
"""The Debian packages to bundle for these packages: their Depends/Pre-Depends closure as
apt would install it on a minimal system — the first alternative of "a | b" (or one already
chosen), a provider for a virtual package — minus what every Debian system has (Priority
required). Prints one package name a line. Used by scripts/bundle.sh (`make bundle`).

`apt-cache depends --recurse` lists every alternative and every provider, so it would bring
a dozen unwanted fonts and a second debconf; this follows apt's own first choice instead.
"""

from __future__ import annotations

import re
import subprocess
import sys


def show(names: list[str]) -> dict[str, dict[str, str]]:
    """apt-cache show of the candidate versions: package -> its fields."""
    if not names:
        return {}
    out = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", *names], capture_output=True, text=True, check=False
    ).stdout
    packages: dict[str, dict[str, str]] = {}
    for stanza in out.split("\n\n"):
        fields = dict(re.findall(r"^([\w-]+): (.*)$", stanza, re.M))
        if "Package" in fields:
            packages.setdefault(fields["Package"], fields)
    return packages


def providers(virtual: str) -> list[str]:
    out = subprocess.run(["apt-cache", "showpkg", virtual], capture_output=True, text=True, check=False).stdout
    section = out.split("Reverse Provides:", 1)[1] if "Reverse Provides:" in out else ""
    return [line.split()[0] for line in section.strip().splitlines() if line.strip()]


def groups(fields: dict[str, str]) -> list[list[str]]:
    deps = ", ".join(v for k, v in fields.items() if k in ("Depends", "Pre-Depends"))
    result = []
    for group in filter(None, (g.strip() for g in deps.split(","))):
        names = [re.split(r"[\s(:]", alt.strip(), maxsplit=1)[0] for alt in group.split("|")]
        result.append([n for n in names if n])
    return result


def closure(roots: list[str]) -> list[str]:
    known: dict[str, dict[str, str]] = {}
    chosen: set[str] = set()
    todo = list(roots)
    while todo:
        known |= show([n for n in todo if n not in known])
        queue, todo = todo, []
        for name in queue:
            if name in chosen:
                continue
            if name not in known:  # virtual: its first provider
                found = providers(name)
                if found:
                    todo.append(found[0])
                continue
            chosen.add(name)
            for alternatives in groups(known[name]):
                if any(a in chosen for a in alternatives):
                    continue
                todo.append(alternatives[0])
    return sorted(n for n in chosen if known[n].get("Priority") != "required")


if __name__ == "__main__":
    print("\n".join(closure(sys.argv[1:])))
