"""The command the bench serves with: the Procfile's `web` line, expanded as a shell would, and the
settings a run may put beside it ("serve specs")."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

BASELINE_APP = "bench.baseline:create_app()"
DURABLE_APP = "bench.baseline:create_durable_app()"
# A `module:callable` argument naming stickybot's own app, e.g. 'bot:create_app()' or bot.wsgi:app.
_APP = re.compile(r"^bot(\.\w+)*:\S+$")
# ${VAR:-default}, ${VAR-default}, ${VAR} and $VAR; defaults hold no nested expansions here.
_EXPANSION = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)")
_SPEC = re.compile(r"^(?P<cls>[\w.]+):(?P<workers>\d+)x(?P<threads>\d+)$")


class ProcfileError(Exception):
    pass


def web_line(procfile: Path) -> str:
    """The text after `web:` in a Procfile."""
    if not procfile.is_file():
        raise ProcfileError(f"{procfile} does not exist; the bench serves what its `web:` line says")
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == "web":
            return command.strip()
    raise ProcfileError(f"{procfile} has no `web:` line; add one (the command that serves the app)")


def expand(text: str, env: Mapping[str, str]) -> str:
    """Parameter expansion as sh does it, outside single quotes: ${V:-d} takes d when V is unset or empty,
    ${V-d} only when V is unset, ${V} and $V take V's value or nothing."""
    def one(match: re.Match) -> str:
        name = match.group("name") or match.group("bare")
        value, op = env.get(name), match.group("op")
        if op == ":-" and not value:
            return match.group("default")
        if op == "-" and value is None:
            return match.group("default")
        return value or ""

    out, i, quote = [], 0, None
    while i < len(text):
        char = text[i]
        match = _EXPANSION.match(text, i) if char == "$" and quote != "'" else None
        if match:
            out.append(one(match))
            i = match.end()
            continue
        if char == "\\" and quote != "'":
            out.append(text[i:i + 2])
            i += 2
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        out.append(char)
        i += 1
    return "".join(out)


def command(line: str, env: Mapping[str, str]) -> list[str]:
    """The web line as an argument list, the way `sh -c` would run it."""
    try:
        return shlex.split(expand(line, env))
    except ValueError as exc:  # an unclosed quote
        raise ProcfileError(f"the web line cannot be read as a shell command ({exc}): {line}") from None


def app_index(argv: list[str]) -> int:
    found = [i for i, arg in enumerate(argv) if _APP.match(arg)]
    if len(found) != 1:
        raise ProcfileError(f"the web command names {len(found)} stickybot apps (module:callable starting with "
                            f"`bot`): {shlex.join(argv)}; the bench swaps exactly one for the baseline")
    return found[0]


def with_app(argv: list[str], app: str) -> list[str]:
    """The same command with only the app replaced."""
    out = list(argv)
    out[app_index(argv)] = app
    return out


@dataclass(frozen=True)
class Serve:
    """One serving setting: `procfile` (the web line as it is), or `CLASS:WxT`, the web line with gunicorn's
    worker class, workers and threads set after it (gunicorn takes the last value of a repeated option)."""
    label: str
    extra: tuple[str, ...] = ()

    def argv(self, line: str, env: Mapping[str, str]) -> list[str]:
        base = command(line, env)
        app_index(base)
        if self.extra and Path(base[0]).name != "gunicorn":
            raise ProcfileError(f"--serve {self.label} sets gunicorn options, but the web command runs "
                                f"{base[0]!r}; use --serve procfile")
        return base + list(self.extra)


def parse_serve(spec: str) -> Serve:
    spec = spec.strip()
    if spec == "procfile":
        return Serve("procfile")
    match = _SPEC.match(spec)
    if not match or int(match["workers"]) < 1 or int(match["threads"]) < 1:
        raise ProcfileError(f"--serve {spec!r}: write `procfile` or CLASS:WORKERSxTHREADS, e.g. gthread:2x1 or "
                            "sync:4x1 (workers and threads at least 1)")
    return Serve(spec, ("--worker-class", match["cls"], "--workers", match["workers"],
                        "--threads", match["threads"]))
