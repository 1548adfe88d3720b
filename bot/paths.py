"""Where the knowledge base and the catalogs live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent
_SHIPPED = _PACKAGE / "_data"


def _first_existing(name: str) -> Path:
    # A checkout (or an editable install) uses the top-level folder that staff edit; an
    # installed wheel carries its own copy under bot/_data.
    for candidate in (_CHECKOUT / name, _SHIPPED / name):
        if candidate.is_dir():
            return candidate
    return _CHECKOUT / name


def default_faq_dir() -> Path:
    """The `faq/` folder of this checkout or installation (KITA_BOT_FAQ_DIR overrides it)."""
    return _first_existing("faq")


def locales_dir() -> Path:
    """The `locales/` folder with the gettext catalogs."""
    return _first_existing("locales")
