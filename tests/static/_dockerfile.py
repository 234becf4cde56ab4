"""A small Dockerfile parser and linter for OneStop's images (no Docker needed)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# name:1.2.3[-variant][@sha256:<64 hex>]: an exact release, never a moving tag like 3.11 or latest
PINNED = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.I)
CREDENTIALS_IN_URI = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    value: str


def parse(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped."""
    instructions: list[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continuation are ignored by Docker
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        keyword, _, value = buffer.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), value.strip()))
        buffer = ""
    if buffer:
        keyword, _, value = buffer.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), value.strip()))
    return instructions


def exec_form(value: str) -> list[str] | None:
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed) else None


def key_values(value: str) -> list[tuple[str, str]]:
    """ENV/ARG pairs: `K=V K2="v 2"`, legacy `ENV K V`, or a bare `ARG K`."""
    parts = shlex.split(value)
    if parts and "=" not in parts[0]:
        return [(parts[0], " ".join(parts[1:]))]
    return [tuple(part.split("=", 1)) if "=" in part else (part, "") for part in parts]


def expand(value: str, variables: dict[str, str]) -> str:
    """`$X` / `${X}` replaced where `variables` has X; the others are left as they are."""
    return VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), value)


def final_env(text: str, build_args: dict[str, str] | None = None) -> dict[str, str]:
    """The final stage's ENV, build args expanded (what the container starts with)."""
    instructions = parse(text)
    start = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    variables: dict[str, str] = {}
    env: dict[str, str] = {}
    for ins in instructions[start:]:
        if ins.keyword == "ARG":
            for key, default in key_values(ins.value):
                variables[key] = (build_args or {}).get(key, default)
        elif ins.keyword == "ENV":
            for key, value in key_values(ins.value):
                env[key] = variables[key] = expand(value, variables)
    return env


def _flags(value: str) -> tuple[dict[str, str], list[str]]:
    flags, rest = {}, []
    for part in shlex.split(value):
        if part.startswith("--") and not rest:
            name, _, flag_value = part[2:].partition("=")
            flags[name] = flag_value
        else:
            rest.append(part)
    return flags, rest


def lint(text: str, root: Path = ROOT, build_args: dict[str, str] | None = None) -> list[str]:
    """`build_args`: what `docker build --build-arg` gives (compose's build.args)."""
    instructions = parse(text)
    in_scope: dict[str, str] = {}  # the current stage's ARGs with a value
    problems: list[str] = []
    stages: set[str] = set()
    final_stage_start = max((i for i, ins in enumerate(instructions) if ins.keyword == "FROM"), default=-1)
    if final_stage_start < 0:
        return ["no FROM"]
    for ins in instructions:
        where = f"line {ins.line}"
        if ins.keyword == "FROM":
            flags, parts = _flags(ins.value)
            image = parts[0]
            if image not in stages and not PINNED.match(image):
                problems.append(f"{where}: base image {image!r} is not pinned to an exact version")
            if len(parts) == 3 and parts[1].upper() == "AS":
                stages.add(parts[2])
            in_scope = {}  # an ARG is declared per stage
        elif ins.keyword in ("ENV", "ARG"):
            for key, value in key_values(ins.value):
                if ins.keyword == "ARG" and (build_args or {}).get(key, value):
                    in_scope[key] = (build_args or {}).get(key, value)
                if SECRET_NAME.search(key) and value:
                    problems.append(f"{where}: {ins.keyword} {key} bakes a secret-looking value into the image")
                elif SECRET_NAME.search(key) and ins.keyword == "ARG":
                    problems.append(f"{where}: ARG {key}: build args are kept in the image history")
                if CREDENTIALS_IN_URI.search(value):
                    problems.append(f"{where}: {ins.keyword} {key} holds a URI with credentials")
        elif ins.keyword in ("COPY", "ADD"):
            flags, parts = _flags(ins.value)
            if "from" in flags:
                continue
            sources = exec_form(ins.value)[:-1] if ins.value.startswith("[") else parts[:-1]
            for source in sources:
                source = expand(source, in_scope)
                if VARIABLE.search(source):
                    problems.append(f"{where}: {ins.keyword} source {source!r} names a variable with no value")
                elif not list(root.glob(source)):
                    problems.append(f"{where}: {ins.keyword} source {source!r} does not exist in the repository")
    final = instructions[final_stage_start:]
    users = [ins.value.split(":")[0] for ins in final if ins.keyword == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("the final stage does not switch to a non-root USER")
    healthchecks = [ins for ins in final if ins.keyword == "HEALTHCHECK"]
    if not healthchecks:
        problems.append("no HEALTHCHECK")
    for ins in healthchecks:
        _, _, command = ins.value.partition("CMD")
        if ins.value.strip().upper() != "NONE" and exec_form(command.strip()) is None:
            problems.append(f"line {ins.line}: HEALTHCHECK CMD is not in exec form")
    cmds = [ins for ins in final if ins.keyword == "CMD"]
    if not cmds:
        problems.append("no CMD")
    elif exec_form(cmds[-1].value) is None:
        problems.append(f"line {cmds[-1].line}: CMD is not in exec form (signals would not reach the process)")
    return problems


def final_cmd(text: str) -> list[str] | None:
    cmds = [ins for ins in parse(text) if ins.keyword == "CMD"]
    return exec_form(cmds[-1].value) if cmds else None
