"""The import formats by name, each a reader function (app/imports/readers/)."""

from collections.abc import Callable

from app.i18n.translation import gettext as _
from app.imports.readers import curated, mapped, upr_info
from app.imports.rows import ReadOptions, ReadResult

ReadFunction = Callable[[bytes, str, ReadOptions], ReadResult]

READERS: dict[str, ReadFunction] = {
    "upr-info": upr_info.read,
    "mapped": mapped.read,
    "curated": curated.read,
}


class UnknownFormat(ValueError):
    """A format name no reader has."""


def reader_for(name: str) -> ReadFunction:
    """The reader of a format; UnknownFormat (a ValueError) naming the known ones otherwise."""
    try:
        return READERS[name]
    except KeyError:
        raise UnknownFormat(
            _(
                "Unknown format “%(name)s”; the formats are: %(known)s.",
                name=name,
                known=", ".join(sorted(READERS)),
            )
        ) from None
