"""The house rules, stated as data and checked on every module of bot/: imports point one way,
from the edges to the core; the brain touches no storage, no settings and no edge; one package
talks to Telegram, one module reads the environment, nothing parses YAML unsafely.

The rules are checked by `broken_rules`, which is itself tested on scratch sources that break
them, so that a rule this file cannot see fails here instead of passing silently.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"

EDGES = frozenset({"telegram_bot", "console", "cli"})
STORAGE = frozenset({"store", "stats"})

BRAIN = frozenset(
    {
        "models",
        "events",
        "markup",
        "knowledge",
        "understanding",
        "hours",
        "i18n",
        "replies",
        "conversation",
    }
)
"""The brain and the core it stands on: pure, testable with no disk, no network, no settings."""
NEVER_IN_BRAIN = STORAGE | EDGES | {"config", "service"}

ALLOWED: dict[str, frozenset[str]] = {
    # Leaves: the standard library, and at most another leaf.
    "models": frozenset(),
    "events": frozenset({"models"}),
    "markup": frozenset(),
    "config": frozenset(),
    "logs": frozenset({"config"}),
    "flood": frozenset(),
    # The core.
    "knowledge": frozenset({"models", "markup"}),
    "understanding": frozenset({"models"}),
    "hours": frozenset({"models"}),
    "i18n": frozenset({"models"}),
    "store": frozenset({"models"}),
    "stats": frozenset({"models", "store", "i18n"}),
    # The brain: rendering, then deciding.
    "replies": frozenset({"models", "events", "markup", "hours", "i18n"}),
    "conversation": frozenset(
        {"models", "events", "markup", "hours", "i18n", "replies", "understanding"}
    ),
    # The one object every edge calls.
    "service": frozenset(
        {
            "models",
            "events",
            "config",
            "logs",
            "knowledge",
            "understanding",
            "hours",
            "i18n",
            "store",
            "stats",
            "replies",
            "conversation",
        }
    ),
    # The edges.
    "telegram_bot": frozenset({"models", "events", "markup", "config", "logs", "flood", "service"}),
    "console": frozenset({"models", "events", "markup", "service"}),
    "cli": frozenset(
        {
            "models",
            "events",
            "markup",
            "config",
            "logs",
            "knowledge",
            "understanding",
            "i18n",
            "store",
            "stats",
            "service",
            "console",
            "telegram_bot",
            "evaluation",
        }
    ),
    # Developer tooling behind `kita-bot eval`.
    "evaluation": frozenset({"models", "understanding"}),
}
"""Module or package of bot/ -> the modules and packages of bot/ it may import."""

THIRD_PARTY: dict[str, frozenset[str]] = {
    "telegram": frozenset({"telegram_bot"}),
    "httpx": frozenset({"telegram_bot"}),
    "sqlite3": frozenset({"store"}),
    "yaml": frozenset({"knowledge", "evaluation"}),
    "numpy": frozenset({"understanding"}),
    "scipy": frozenset({"understanding"}),
    "snowballstemmer": frozenset({"understanding"}),
}
"""Library -> the only modules or packages of bot/ that may import it."""


@dataclass(frozen=True)
class Imports:
    ours: frozenset[str]
    """The modules and packages of bot/ imported, by their first name under bot."""
    others: frozenset[str]
    """Everything else imported, by its top-level name."""


def units() -> dict[str, list[Path]]:
    """Each module or package directly under bot/ with its source files."""
    found: dict[str, list[Path]] = {}
    for path in sorted(BOT.rglob("*.py")):
        relative = path.relative_to(BOT)
        found.setdefault(relative.parts[0].removesuffix(".py"), []).append(path)
    return found


def module_name(path: Path) -> str:
    """The dotted name of a source file under bot/ (a package is named by its __init__.py)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, *, package: bool = False) -> Imports:
    """What `source`, the code of `module`, imports: at the top, inside functions, relatively."""
    known = set(units())
    ours: set[str] = set()
    others: set[str] = set()

    def add(dotted: str, names: tuple[str, ...] = ()) -> None:
        parts = dotted.split(".")
        if parts[0] != "bot":
            others.add(parts[0])
        elif len(parts) > 1:
            ours.add(parts[1])
        else:  # `from bot import x`: x is a module, or something of bot/__init__.py
            ours.update(name if name in known else "__init__" for name in names)

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + package]
                add(".".join([*base, *([node.module] if node.module else [])]), names)
            elif node.module:
                add(node.module, names)
    return Imports(frozenset(ours), frozenset(others))


def broken_rules(unit: str, imports: Imports) -> list[str]:
    """Every house rule that `unit` (a module or package of bot/) breaks with `imports`."""
    if unit not in ALLOWED:
        return [f"{unit} is not in ALLOWED: give it its place in the house"]
    allowed = ALLOWED[unit] | {unit, "__init__"}
    broken = [f"{unit} imports {other}" for other in sorted(imports.ours - allowed)]
    if unit in BRAIN:
        broken += [
            f"the brain's {unit} imports {other} (storage, settings or an edge)"
            for other in sorted(imports.ours & NEVER_IN_BRAIN)
        ]
    broken += [
        f"{unit} imports {library}, which only {', '.join(sorted(owners))} may"
        for library, owners in THIRD_PARTY.items()
        if library in imports.others and unit not in owners
    ]
    return broken


# --- the rules hold ---


def test_every_module_keeps_the_house_rules() -> None:
    broken = [
        rule
        for unit, paths in units().items()
        if unit != "__init__"
        for path in paths
        for rule in broken_rules(
            unit,
            imports_of(
                path.read_text(encoding="utf-8"),
                module_name(path),
                package=path.name == "__init__.py",
            ),
        )
    ]
    assert not broken, "\n".join(broken)


def test_the_brain_is_granted_no_storage_settings_or_edge() -> None:
    granted = {unit: ALLOWED[unit] & NEVER_IN_BRAIN for unit in BRAIN}
    assert not any(granted.values()), granted


def test_only_config_reads_the_environment() -> None:
    readers = sorted(
        path.relative_to(BOT).as_posix()
        for path in BOT.rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv" in path.read_text(encoding="utf-8")
    )
    assert readers == ["config.py"]


def test_no_unsafe_yaml_loading() -> None:
    for path in BOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "yaml.load(" not in source, f"{path.name} uses yaml.load"
        assert "yaml.unsafe_load" not in source


# --- the checks can fail (tests of the tests above) ---


def test_every_spelling_of_an_import_is_seen() -> None:
    source = "\n".join(
        [
            "from bot.console import run_chat",
            "from bot import cli, __version__",
            "import bot.store",
            "import bot.telegram_bot.app as app",
            "def later() -> None:",
            "    from bot.config import Settings",
            "    import telegram",
            "    import yaml.nodes",
        ]
    )
    imports = imports_of(source, "bot.matching")
    assert imports.ours == {"console", "cli", "__init__", "store", "telegram_bot", "config"}
    assert imports.others == {"telegram", "yaml"}


def test_a_core_module_importing_the_terminal_chat_is_caught() -> None:
    imports = imports_of("from bot.console import run_chat\n", "bot.hours")
    assert broken_rules("hours", imports) == [
        "hours imports console",
        "the brain's hours imports console (storage, settings or an edge)",
    ]


def test_the_brain_importing_storage_settings_or_telegram_is_caught() -> None:
    source = (
        "from bot.store import Store\nfrom bot import config\n\ndef f():\n    import telegram\n"
    )
    assert broken_rules("replies", imports_of(source, "bot.replies")) == [
        "replies imports config",
        "replies imports store",
        "the brain's replies imports config (storage, settings or an edge)",
        "the brain's replies imports store (storage, settings or an edge)",
        "replies imports telegram, which only telegram_bot may",
    ]


def test_relative_imports_inside_a_package_are_resolved() -> None:
    source = "from . import build\nfrom .live import LiveKnowledge\nfrom ..store import Store\n"
    in_module = imports_of(source, "bot.knowledge.live")
    assert in_module.ours == {"knowledge", "store"}
    assert broken_rules("knowledge", in_module) == [
        "knowledge imports store",
        "the brain's knowledge imports store (storage, settings or an edge)",
    ]
    in_init = imports_of("from .live import LiveKnowledge\n", "bot.knowledge", package=True)
    assert in_init.ours == {"knowledge"}


def test_a_module_without_a_place_in_the_house_is_caught() -> None:
    assert broken_rules("helpers", Imports(frozenset(), frozenset())) == [
        "helpers is not in ALLOWED: give it its place in the house"
    ]
