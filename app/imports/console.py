"""An import on the terminal: a progress bar for large files and the report as a table."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from app.i18n.translation import gettext as _
from app.imports.apply import Progress as ProgressCallback
from app.imports.report import ImportReport

SHOW_PROGRESS_FROM = 2_000  # rows: smaller files are done before a bar would draw
MAX_LISTED = 50


@contextmanager
def import_progress(console: Console, rows: int) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar on the console, for files of more than a couple of thousand rows."""
    if rows < SHOW_PROGRESS_FROM:
        yield None
        return
    columns = (TextColumn(_("importing")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("rows", total=rows)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def print_report(console: Console, report: ImportReport) -> None:
    """The report as people read it: sources, counts, changes, refused rows, notes."""
    if report.applied:
        headline = _("Imported %(file)s (%(format)s).", file=report.filename, format=report.format)
    elif report.dry_run:
        headline = _(
            "Dry run of %(file)s (%(format)s): nothing was written.",
            file=report.filename,
            format=report.format,
        )
    else:
        headline = _("Nothing was imported from %(file)s.", file=report.filename)
    console.print(headline)
    if report.encoding:
        console.print(_("Read as %(encoding)s.", encoding=report.encoding))
    table = Table(box=box.SIMPLE)
    for header in (_("Source"), _("Kind"), _("Created"), _("New"), _("Unchanged"), _("Changed")):
        table.add_column(header)
    for tally in report.sources:
        created = _("yes") if tally.created else _("no")
        table.add_row(
            tally.slug, tally.kind, created, str(tally.new), str(tally.unchanged), str(tally.changed)
        )
    console.print(table)
    console.print(
        _(
            "Recommendations: %(new)d new, %(unchanged)d unchanged, %(changed)d changed; "
            "%(repeats)d repeated rows.",
            new=report.new,
            unchanged=report.unchanged,
            changed=report.changed,
            repeats=report.repeats,
        )
    )
    if report.translations_added or report.translations_updated or report.translations_refused:
        console.print(
            _(
                "Translations: %(added)d new, %(updated)d replacing a different one.",
                added=report.translations_added,
                updated=report.translations_updated,
            )
        )
    for change in report.changes[:MAX_LISTED]:
        state = _("applied") if change.applied else _("not applied")
        console.print(
            _(
                "line %(line)d: %(code)s %(field)s %(stored)r -> %(imported)r (%(state)s)",
                line=change.line,
                code=change.code,
                field=change.field,
                stored=change.stored,
                imported=change.imported,
                state=state,
            ),
            markup=False,
        )
    for refused in report.refused[:MAX_LISTED]:
        console.print(
            _("line %(line)d refused: %(reason)s", line=refused.line, reason=refused.reason), markup=False
        )
    for refused in report.translations_refused[:MAX_LISTED]:
        console.print(
            _(
                "translations file, line %(line)d refused: %(reason)s",
                line=refused.line,
                reason=refused.reason,
            ),
            markup=False,
        )
    hidden = sum(max(0, len(listed) - MAX_LISTED) for listed in (report.refused, report.changes))
    hidden += max(0, len(report.translations_refused) - MAX_LISTED)
    if hidden > 0:
        console.print(_("... and more: pass --json for the whole report."))
    for note in report.notes:
        console.print(note, markup=False)
