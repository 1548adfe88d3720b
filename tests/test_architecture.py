"""The layout the design promises: one module talks to Telegram, one reads the environment,
the core stays free of I/O edges, and nothing parses YAML unsafely."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
CORE = (
    "models",
    "config",
    "knowledge",
    "text",
    "matching",
    "hours",
    "i18n",
    "replies",
    "conversation",
    "events",
    "stats",
    "store",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_telegram_bot_imports_telegram() -> None:
    importers = sorted(p.name for p in BOT.glob("*.py") if "telegram" in imported_modules(p))
    assert importers == ["telegram_bot.py"]


def test_core_modules_import_no_edge() -> None:
    for name in CORE:
        path = BOT / f"{name}.py"
        if path.exists():
            bad = imported_modules(path) & {"telegram", "httpx", "console", "cli"}
            assert not bad, f"{name}.py imports {bad}"


def test_only_config_reads_the_environment() -> None:
    readers = sorted(
        p.name
        for p in BOT.glob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8")
        or "getenv" in p.read_text(encoding="utf-8")
    )
    assert readers == ["config.py"]


def test_no_unsafe_yaml_loading() -> None:
    for path in [*BOT.glob("*.py")]:
        source = path.read_text(encoding="utf-8")
        assert "yaml.load(" not in source, f"{path.name} uses yaml.load"
        assert "yaml.unsafe_load" not in source
