"""The one gettext entry point: catalogues loaded once per locale, the current locale in a context variable.

Message ids are the English texts themselves. Mark a text with `gettext()`/`ngettext()` where it is shown,
or with `N_()` where it is defined at import time (a module-level table) and translate it at use.
Pages set the visitor's locale per request; services, reports and the CLI read the current one, which is
the instance default (`DEFAULT_LANGUAGE`) unless something set another.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from babel.support import NullTranslations, Translations

from app.i18n.formatting import display_zone, zone_of

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
# The language the message ids are written in: its catalogue needs no translations.
SOURCE_LANGUAGE = "en"
DEFAULT_LANGUAGE = SOURCE_LANGUAGE

_current: ContextVar[str] = ContextVar("rectrack_locale", default=DEFAULT_LANGUAGE)
log = logging.getLogger(__name__)
T = TypeVar("T")


def N_(message: str) -> str:
    """Mark a text for extraction where it is defined; translate it with `gettext()` where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """`N_` for a text that needs a context (msgctxt): translate it with `pgettext(context, ...)`."""
    return message


@cache
def available_locales() -> frozenset[str]:
    """The languages that have a catalogue (the source language always).

    A checkout has the .po sources, an installed package only the compiled .mo files: either counts.
    """
    found = {path.parent.parent.name for path in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.[mp]o")}
    return frozenset(found | {SOURCE_LANGUAGE})


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of a locale, read once per process; the message ids themselves without one."""
    loaded = Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
    if not isinstance(loaded, Translations) and locale != SOURCE_LANGUAGE:
        log.warning("no compiled catalogue for %r (make install runs pybabel compile): English shown", locale)
    return loaded


def negotiate_locale(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The first language of an Accept-Language header that has a catalogue; `default` otherwise."""
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag.strip().lower().split("-")[0]))
    available = available_locales()
    for _, language in sorted(ranked, key=lambda item: -item[0]):
        if language in available:
            return language
    return default if default in available else DEFAULT_LANGUAGE


def choose_locale(explicit: str | None, accept_language: str | None, default: str) -> str:
    """The language to use: an explicit choice with a catalogue, then Accept-Language, then the default."""
    if explicit and explicit in available_locales():
        return explicit
    return negotiate_locale(accept_language, default)


def current_locale() -> str:
    """The locale texts are translated into now."""
    return _current.get()


def set_locale(locale: str) -> str:
    """Translate into `locale` for the rest of this context (a request's, a command's); unknown: default."""
    chosen = locale if locale in available_locales() else DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Translate into `locale` inside the block only."""
    chosen = locale if locale in available_locales() else DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def gettext(message: str, /, **variables: Any) -> str:
    """The message in the current locale, with `%(name)s` placeholders filled from `variables` if any."""
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """The singular or plural form for `n` in the current locale; `%(num)s` is `n`."""
    return translations(_current.get()).ngettext(singular, plural, n) % ({"num": n} | variables)


def pgettext(context: str, message: str, /, **variables: Any) -> str:
    """`gettext` for a message whose id needs a context to tell it apart from the same English words."""
    text = str(translations(_current.get()).pgettext(context, message))
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """`ngettext` with a context."""
    text = str(translations(_current.get()).npgettext(context, singular, plural, n))
    return text % ({"num": n} | variables)


def in_current_locale(chunks: Iterator[T]) -> Iterator[T]:
    """The chunks of a lazily generated document, each made in the locale and display zone current now.

    A streamed response pulls its chunks later, each in a fresh copy of the server's context, where the
    request's locale and zone are no longer set: take them along.
    """
    locale = current_locale()
    zone = display_zone().key

    def generate() -> Iterator[T]:
        while True:
            with use_locale(locale), zone_of(zone):
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
            yield chunk

    return generate()


def template_callables() -> dict[str, Any]:
    """The plain (unformatted) lookups for Jinja's i18n extension, which fills placeholders itself."""
    return {
        "gettext": lambda message: translations(_current.get()).gettext(message),
        "ngettext": lambda singular, plural, n: translations(_current.get()).ngettext(singular, plural, n),
        "pgettext": lambda context, message: translations(_current.get()).pgettext(context, message),
        "npgettext": lambda context, singular, plural, n: translations(_current.get()).npgettext(
            context, singular, plural, n
        ),
    }
