"""The `rectrack` command line: migrate, seed, reindex, serve, scorecard, report, export and import-bundle.

Messages are in the instance's default locale (app/i18n); `--help` texts are English.
"""

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, NoReturn

import typer
import uvicorn
from alembic.util import CommandError
from pydantic import ValidationError
from rich.console import Console
from sqlmodel import Session

from app.bundle import crypto
from app.bundle.load import load_bundle, prepare_database, upgrade_after_load
from app.bundle.reader import BundleReader
from app.bundle.records import BundleError
from app.bundle.tables import Options
from app.bundle.writer import export_bundle
from app.config import get_settings
from app.db import build_engine, write_engine
from app.db_roles import RoleRefused, set_up_runtime_role, vet_runtime_role
from app.errors import ProblemError
from app.history.audit import audit
from app.history.checkpoints import checkpoint_view, public_key_text, sign_checkpoint
from app.history.verify_log import VerifiedPoint
from app.i18n.formatting import local_timestamp, zone_of
from app.i18n.translation import N_, available_locales, gettext, ngettext, use_locale
from app.keys import cookie_key_path, create_key, create_signing_key, read_signing_key, signing_key_path
from app.migrate import migrate as migrate_to
from app.models import saved_id
from app.monitors import service as monitors
from app.recommendations.reindex import ReindexResult, has_terms_column, reindex
from app.reports import console as report_console
from app.reports.context import document_context
from app.reports.json_report import dumps
from app.scorecards.export import scorecard_csv
from app.scorecards.params import GAPS_PAGE, MatrixParams, ScorecardParams
from app.scorecards.service import compute_scorecard, point_of
from app.vocabulary import Provenance, Response, Role, ScorePerspective, SourceKind, Status, label
from migrations.record_guard import DowngradeRefused

cli = typer.Typer(
    help="rectrack: track the implementation of recommendations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
monitors_cli = typer.Typer(help="Manage monitors.", no_args_is_help=True)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
cli.add_typer(monitors_cli, name="monitors")
cli.add_typer(tokens_cli, name="tokens")
report_cli = typer.Typer(help="Write reports to files.", no_args_is_help=True)
cli.add_typer(report_cli, name="report")
keys_cli = typer.Typer(help="Keys in the data directory (RECTRACK_DATA_DIR).", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
links_cli = typer.Typer(help="Links between recommendations of different sources.", no_args_is_help=True)
cli.add_typer(links_cli, name="links")


# Where `verify --since-checkpoint` resumes: the newest checkpoint a run verified, with its frontier.
VERIFIED_POINT_FILE = "verified-checkpoint.json"


@contextmanager
def write_session(url: str | None = None) -> Iterator[Session]:
    """A session on the configured database (or `url`) that commits on success."""
    engine = build_engine(url or get_settings().database_url)
    try:
        with Session(write_engine(engine)) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@contextmanager
def read_session() -> Iterator[Session]:
    """A read-only session on the configured database (no write lock on SQLite)."""
    engine = build_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@keys_cli.command("create")
def keys_create() -> None:
    """Create the keys the data directory lacks (mode 0600); existing keys are never replaced."""
    settings = get_settings()
    cookie_path = cookie_key_path(settings.data_dir)
    signing_path = signing_key_path(settings.data_dir, settings.signing_key_file)
    for path, created in (
        (cookie_path, create_key(cookie_path)),
        (signing_path, create_signing_key(signing_path)),
    ):
        typer.echo(gettext("created %(path)s", path=path) if created else gettext("kept %(path)s", path=path))


@cli.command()
def checkpoint() -> None:
    """Give new entries their leaves and sign a checkpoint of the log; print it (publish it elsewhere)."""
    settings = get_settings()
    key = read_signing_key(signing_key_path(settings.data_dir, settings.signing_key_file), strict=True)
    if key is None:
        typer.echo(gettext("error: no signing key: run `rectrack keys create`"), err=True)
        raise typer.Exit(2)
    with write_session() as session:
        signed = checkpoint_view(sign_checkpoint(session, key, settings.log_origin))
    typer.echo(json.dumps(signed, indent=2, default=_json_time))


@keys_cli.command("create-recipient")
def keys_create_recipient(
    out: Annotated[Path, typer.Option(help="PREFIX: writes PREFIX.pub and PREFIX.key.")],
) -> None:
    """Create a key pair to encrypt bundles to: PREFIX.pub for `export --recipient`, PREFIX.key to restore."""
    private, public = crypto.create_recipient(out)
    typer.echo(gettext("created %(path)s (give it to whoever exports)", path=public))
    typer.echo(gettext("created %(path)s (keep it secret and offline; it opens the bundles)", path=private))


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision (an older one downgrades).")] = "head",
    runtime_role: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL: create this role if missing and grant it what the service needs, no more."
        ),
    ] = None,
    runtime_password_env: Annotated[
        str | None, typer.Option(help="Set the runtime role's password from this environment variable.")
    ] = None,
    backup_taken: Annotated[
        Path | None,
        typer.Option(
            help="A backup written since the newest history entry: lets a downgrade drop the record."
        ),
    ] = None,
) -> None:
    """Migrate as RECTRACK_MIGRATION_DATABASE_URL (default: the database URL), then grant a runtime role."""
    url = get_settings().migration_database_url
    password = None
    if runtime_password_env is not None:
        if runtime_role is None:
            _fail(gettext("--runtime-password-env needs --runtime-role"))
        password = os.environ.get(runtime_password_env)
        if not password:
            _fail(gettext("the environment variable %(name)s is not set or empty", name=runtime_password_env))
    if runtime_role is not None:
        try:
            vet_runtime_role(url, runtime_role)
        except RoleRefused as error:
            _fail(str(error))
    try:
        direction = migrate_to(url, revision, backup=str(backup_taken) if backup_taken else None)
    except (DowngradeRefused, CommandError) as error:
        _fail(str(error))
    if direction == "downgrade":
        typer.echo(gettext("database downgraded to %(revision)s", revision=revision))
    else:
        typer.echo(gettext("database migrated to %(revision)s", revision=revision))
        _fill_missing_terms(url)
    if runtime_role is not None:
        try:
            set_up_runtime_role(url, runtime_role, password)
        except RoleRefused as error:
            _fail(str(error))
        typer.echo(gettext("runtime role %(role)s granted least privilege", role=runtime_role))


def _fill_missing_terms(url: str, *, err: bool = False) -> None:
    """After an upgrade: store the terms of recommendations that have none (rows older than 0008)."""
    with write_session(url) as session:
        if not has_terms_column(session):
            return
        result = reindex(session, missing_only=True)
    if result.changed:
        _report_reindex(result, err=err)


def _report_reindex(result: ReindexResult, *, err: bool = False) -> None:
    typer.echo(
        ngettext(
            "terms updated for %(num)s recommendation of %(checked)s checked",
            "terms updated for %(num)s recommendations of %(checked)s checked",
            result.changed,
            checked=result.checked,
        ),
        err=err,
    )


@cli.command("reindex")
def reindex_command(
    missing_only: Annotated[
        bool, typer.Option(help="Only recommendations that have no terms stored yet.")
    ] = False,
) -> None:
    """Store every recommendation's terms (what `q` and suggestions match) afresh from its text."""
    with write_session() as session:
        result = reindex(session, missing_only=missing_only)
    _report_reindex(result)


def _fail(message: str) -> NoReturn:
    """Print `error: MESSAGE` and exit with status 1."""
    typer.echo(gettext("error: %(detail)s", detail=message), err=True)
    raise typer.Exit(1)


SEED_COUNTS = {
    "sources": N_("sources"),
    "sections": N_("sections"),
    "categories": N_("categories"),
    "recommendations": N_("recommendations"),
    "category_links": N_("category links"),
    "evidence": N_("evidence items"),
    "evidence_links": N_("evidence links"),
    "history_entries": N_("history entries"),
    "translations": N_("translations"),
}


@cli.command()
def seed() -> None:
    """Load the seed data; running it again changes nothing."""
    from seed.loader import load_seed

    with write_session() as session:
        result = load_seed(session)
    added = ", ".join(
        f"{gettext(SEED_COUNTS.get(name, name))} {count}" for name, count in vars(result).items() if count
    )
    if added:
        typer.echo(gettext("seed: added %(counts)s", counts=added))
    else:
        typer.echo(gettext("seed: nothing to add, the database already has it"))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API and pages with uvicorn."""
    uvicorn.run(
        "app.main:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True
    )


@monitors_cli.command("create")
def monitors_create(
    name: Annotated[str, typer.Argument(help="The monitor's name (never shown to the public).")],
    role: Annotated[
        Role, typer.Option(help="viewer reads restricted data, monitor also writes, admin manages.")
    ] = (Role.monitor),
) -> None:
    """Create a monitor and print their first token, once, on its own line."""
    with write_session() as session:
        monitor = monitors.create_monitor(session, name.strip(), role)
        token, plain = monitors.issue_token(session, saved_id(monitor), label="created by the CLI")
        alias, monitor_id, token_id = monitor.alias, monitor.id, token.id
    # Printed only after the commit: a token that was not saved must never be handed out.
    created = gettext(
        "created %(alias)s (id %(id)s, role %(role)s); token id %(token)s, shown once:",
        alias=alias,
        id=monitor_id,
        role=label("role", role.value),
        token=token_id,
    )
    typer.echo(created, err=True)
    typer.echo(plain)


@monitors_cli.command("list")
def monitors_list() -> None:
    """List monitors with their tokens (never the tokens' values)."""
    with read_session() as session:
        rows = monitors.list_monitors(session)
    for row in rows:
        typer.echo(f"{row['id']:>4}  {row['alias']:<14} {row['role']:<8} {row['name']}")
        for token in row["tokens"]:
            state = gettext("revoked") if token["revoked_at"] else gettext("active")
            used = local_timestamp(token["last_used_at"]) if token["last_used_at"] else gettext("never used")
            number = f"{token['id']:>4}"
            line = gettext(
                "token %(id)s %(prefix)s…  %(state)s, %(used)s",
                id=number,
                prefix=token["prefix"],
                state=state,
                used=used,
            )
            typer.echo(f"        {line}")


@tokens_cli.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see monitors list).")],
) -> None:
    """Revoke a token at once."""
    with write_session() as session:
        monitors.revoke_token(session, token_id, by=None)
    typer.echo(gettext("token %(id)s revoked", id=token_id))


PublishedCheckpoint = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint", help="A checkpoint published earlier (JSON): prove that the log extends it."
    ),
]


@cli.command()
def verify(
    outside: PublishedCheckpoint = None,
    since_checkpoint: Annotated[
        bool, typer.Option(help="Only what was added after the last checkpoint this command verified.")
    ] = False,
) -> None:
    """Recompute every chain and the log's tree, compare with every checkpoint; exit 1 on any discrepancy."""
    settings = get_settings()
    published = _read_checkpoint_file(outside) if outside else None
    point_file = settings.data_dir / VERIFIED_POINT_FILE
    since = _read_verified_point(point_file) if since_checkpoint else None
    key = read_signing_key(signing_key_path(settings.data_dir, settings.signing_key_file), strict=False)
    instance_key = public_key_text(key.public_key()) if key else None
    with read_session() as session:
        report = audit(session, instance_key=instance_key, outside=published, since=since)
    verified = report["log"].pop("verified_checkpoint")
    if report["ok"] and verified is not None:
        _write_verified_point(point_file, verified)
    typer.echo(json.dumps(report, indent=2, default=str))
    raise typer.Exit(0 if report["ok"] else 1)


def _passphrase(variable: str | None, *, confirm: bool) -> str:
    """A passphrase from the named environment variable, else typed at a prompt; never from argv."""
    if variable:
        value = os.environ.get(variable)
        if not value:
            raise BundleError(gettext("the environment variable %(name)s is not set or empty", name=variable))
        return value
    prompted: str = typer.prompt(gettext("Passphrase"), hide_input=True, confirmation_prompt=confirm)
    return prompted


@cli.command("export")
def export_command(
    out: Annotated[Path, typer.Option(help="The bundle file to write (.jsonl.gz, or .enc when encrypted).")],
    include_names: Annotated[
        bool, typer.Option(help="Monitors' real names (default: their aliases).")
    ] = False,
    include_tokens: Annotated[bool, typer.Option(help="API token hashes, so tokens keep working.")] = False,
    encrypt: Annotated[
        bool, typer.Option(help="Encrypt, with a passphrase unless --recipient is given.")
    ] = False,
    passphrase_env: Annotated[
        str | None,
        typer.Option(help="Read the passphrase from this environment variable (implies --encrypt)."),
    ] = None,
    recipient: Annotated[
        Path | None,
        typer.Option(help="Encrypt to this public key (keys create-recipient; implies --encrypt)."),
    ] = None,
) -> None:
    """Back up the whole database to one bundle file (JSON Lines, gzip, checksummed; optionally encrypted)."""
    envelope = None
    if recipient is not None:
        envelope = crypto.for_recipient(crypto.load_recipient(recipient))
    elif encrypt or passphrase_env:
        envelope = crypto.for_passphrase(_passphrase(passphrase_env, confirm=True))
    options = Options(include_names=include_names, include_tokens=include_tokens)
    with read_session() as session:
        report = export_bundle(session, out, options, envelope)
    rows = sum(report.counts.values())
    wrote = ngettext(
        "wrote %(num)s row to %(out)s (%(size)s bytes)",
        "wrote %(num)s rows to %(out)s (%(size)s bytes)",
        rows,
        out=report.path,
        size=report.size,
    )
    typer.echo(wrote, err=True)


PassphraseEnv = Annotated[
    str | None, typer.Option(help="Read the passphrase from this environment variable.")
]
BundleIdentity = Annotated[
    Path | None, typer.Option(help="The private key (PREFIX.key) of a bundle encrypted to a recipient.")
]


@cli.command("import")
def import_file(
    format_: Annotated[str, typer.Argument(metavar="FORMAT", help="upr-info, mapped or curated.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The CSV, XLSX or TOML file.")],
    state: Annotated[str | None, typer.Option(help="Keep only this state under review.")] = None,
    mapping: Annotated[
        str | None, typer.Option(help="mapped: a built-in mapping (uhri) or a TOML mapping file.")
    ] = None,
    column: Annotated[
        list[str] | None, typer.Option(help="mapped: FIELD=HEADER, e.g. text=Recommendation (repeatable).")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="mapped with --column: KEY=VALUE of the source, e.g. kind=ngo_report (repeatable)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would change; change nothing.")] = False,
    skip_bad_rows: Annotated[bool, typer.Option(help="Import the good rows when some are refused.")] = False,
    update_texts: Annotated[bool, typer.Option(help="Apply changed texts as text_changed entries.")] = False,
    reviewed_on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="The review's date, for new sources.")
    ] = None,
    responses_on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="When changed responses were taken.")
    ] = None,
    translations: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="A CSV or XLSX of translations keyed by paragraph: paragraph, text_ru/text_kk (or language, "
            "text), optionally source.",
        ),
    ] = None,
    translation_provenance: Annotated[
        Provenance | None,
        typer.Option(
            help="Whose the file's translations are: official (the body's own version) or unofficial "
            "(the default; give --translator)."
        ),
    ] = None,
    translator: Annotated[
        str | None,
        typer.Option(
            help="Who translated (a person or organisation to credit), for unofficial translations."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import recommendations from a file; all or nothing, and again changes nothing."""
    from app.imports.apply import ImportConflict
    from app.imports.console import import_progress, print_report
    from app.imports.formats import READERS
    from app.imports.mapping import load_mapping, mapping_from_options
    from app.imports.rows import ReadOptions, UnreadableFile
    from app.imports.service import ImportRequest, read_file, run_import
    from app.imports.translated import translation_origin

    console = Console(stderr=as_json)
    if format_ not in READERS:
        _fail(
            gettext(
                "unknown format %(format)s; use one of: %(known)s", format=format_, known=", ".join(READERS)
            )
        )
    try:
        constants = dict(item.partition("=")[::2] for item in source or [])
        chosen = (
            mapping_from_options(column, constants) if column else load_mapping(mapping) if mapping else None
        )
        request = ImportRequest(
            format=format_,
            data=file.read_bytes(),
            filename=file.name,
            read=ReadOptions(
                state=state,
                mapping=chosen,
                reviewed_on=reviewed_on.date() if reviewed_on else None,
                translation=translation_origin(
                    translation_provenance.value if translation_provenance else None, translator
                ),
            ),
            dry_run=dry_run,
            skip_bad_rows=skip_bad_rows,
            update_texts=update_texts,
            responses_on=responses_on.date() if responses_on else None,
            translations=translations.read_bytes() if translations else None,
        )
        result = read_file(request)
        with import_progress(console, len(result.rows)) as progress, write_session() as session:
            report = run_import(session, request, result, progress)
            if not report.applied:
                session.rollback()
    except UnreadableFile as error:
        _fail(str(error))
    except ImportConflict as error:
        _fail(str(error))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_report(console, report)
    if (report.refused or report.translations_refused) and not report.applied and not dry_run:
        raise typer.Exit(1)


@cli.command("import-bundle")
def import_bundle(
    file: Annotated[Path, typer.Argument(help="A bundle written by `rectrack export`.")],
    passphrase_env: PassphraseEnv = None,
    identity: BundleIdentity = None,
) -> None:
    """Restore a bundle into an empty database (one without tables is migrated first); all or nothing.

    Connects as RECTRACK_MIGRATION_DATABASE_URL (the owner): it may migrate, and moves the id sequences.
    """
    url = get_settings().migration_database_url
    counts, header, upgraded = _restore(url, file, passphrase_env, identity)
    rows = sum(counts.values())
    loaded = ngettext(
        "restored %(num)s row from %(file)s (schema %(revision)s)",
        "restored %(num)s rows from %(file)s (schema %(revision)s)",
        rows,
        file=file,
        revision=header.revision,
    )
    typer.echo(loaded, err=True)
    if upgraded:
        typer.echo(gettext("database migrated to head after the restore"), err=True)
        _fill_missing_terms(url, err=True)


def _restore(
    url: str, file: Path, passphrase_env: str | None, identity: Path | None
) -> tuple[dict, Any, bool]:
    passphrase = None
    if passphrase_env or (
        file.is_file() and crypto.encryption_of(file) == crypto.PASSPHRASE and not identity
    ):
        passphrase = _passphrase(passphrase_env, confirm=False)
    key = crypto.load_identity(identity) if identity else None
    with BundleReader(file, passphrase=passphrase, identity=key) as bundle:
        prepare_database(url, bundle.header)
        with write_session(url) as session:
            counts = load_bundle(session, bundle)
    return counts, bundle.header, upgrade_after_load(url, bundle.header)


@cli.command("verify-bundle")
def verify_bundle(
    file: Annotated[Path, typer.Argument(help="A bundle written by `rectrack export`.")],
    outside: PublishedCheckpoint = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="The publisher's Ed25519 public key (base64): every checkpoint must be its."),
    ] = None,
    passphrase_env: PassphraseEnv = None,
    identity: BundleIdentity = None,
) -> None:
    """Verify a bundle offline, with no server and no database of yours: chains, log, checkpoints."""
    published = _read_checkpoint_file(outside) if outside else None
    with tempfile.TemporaryDirectory(prefix="rectrack-verify-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'bundle.db'}"
        _restore(url, file, passphrase_env, identity)
        engine = build_engine(url)
        try:
            with Session(engine) as session:
                report = audit(session, instance_key=public_key, outside=published)
        finally:
            engine.dispose()
    report["log"].pop("verified_checkpoint")
    typer.echo(json.dumps(report, indent=2, default=str))
    raise typer.Exit(0 if report["ok"] else 1)


def _json_time(value: object) -> str:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else str(value)


# The fields of a published checkpoint that are text (a number there would crash the signature check).
CHECKPOINT_TEXTS = ("root_hash", "signature", "public_key", "origin", "signed_at")


def _read_checkpoint_file(path: Path) -> dict:
    try:
        published = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(published, dict) or not {"tree_size", "root_hash", "signature"} <= published.keys():
            raise ValueError
        size = published["tree_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError
        if any(not isinstance(published.get(name, ""), str) for name in CHECKPOINT_TEXTS):
            raise ValueError
    except (OSError, ValueError):
        typer.echo(
            gettext("error: %(path)s holds no checkpoint (JSON from /api/v1/checkpoints)", path=path),
            err=True,
        )
        raise typer.Exit(2) from None
    return published


def _read_verified_point(path: Path) -> VerifiedPoint | None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return VerifiedPoint(int(saved["tree_size"]), str(saved["root_hash"]), list(saved["frontier"]))
    except FileNotFoundError:
        typer.echo(gettext("no checkpoint verified yet here: verifying everything"), err=True)
        return None
    except (OSError, ValueError, KeyError, TypeError):
        typer.echo(
            gettext("error: %(path)s is unreadable: delete it to verify everything", path=path), err=True
        )
        raise typer.Exit(2) from None


def _write_verified_point(path: Path, verified: dict) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(json.dumps(verified), encoding="utf-8")


AsOf = Annotated[str | None, typer.Option(help="Effective date, YYYY-MM-DD (default: now).")]
KnownAt = Annotated[
    str | None, typer.Option(help="Count only what was recorded by this time (ISO 8601, UTC).")
]
PerspectiveOption = Annotated[str, typer.Option(help="independent, state or un.")]
SectionOption = Annotated[int | None, typer.Option(help="Only this section number.")]
SourceOption = Annotated[str | None, typer.Option(help="Only this source slug.")]
KindOption = Annotated[str | None, typer.Option(help="Only sources of this kind, e.g. upr_review.")]
RecommendingStateOption = Annotated[
    str | None, typer.Option(help="Only recommendations made by this state (its slug, e.g. hungary).")
]
ResponseOption = Annotated[
    str | None, typer.Option(help="Only this response of the state (supported, noted, ...), as of the date.")
]
ClaimGapOption = Annotated[
    str | None,
    typer.Option(
        help="Only claim gaps as of the date: overclaim, underclaim, unassessed (claimed, not assessed by "
        "monitors) or any."
    ),
]
StatusOption = Annotated[
    str | None,
    typer.Option(
        help="Only this status from the perspective, as of the date: implemented, partially_implemented, "
        "not_implemented, regressed or not_assessed."
    ),
]
ThemeOption = Annotated[str | None, typer.Option(help="Only this theme (its slug).")]
LangOption = Annotated[
    str | None,
    typer.Option(help="The document's language: en, ru or kk (default: RECTRACK_DEFAULT_LANGUAGE)."),
]
AddresseeOption = Annotated[str | None, typer.Option(help="Only this addressee (its slug).")]
SdgOption = Annotated[str | None, typer.Option(help="Only this SDG target, e.g. 16.10.")]
SearchOption = Annotated[
    str | None, typer.Option("--q", "--search", help="Only recommendations whose text matches these words.")
]
RestrictedOption = Annotated[
    bool, typer.Option(help="Count and show restricted evidence (never for files you publish).")
]


# The options whose values are words of a vocabulary: an error lists each word with its label.
OPTION_VOCABULARIES: dict[str, tuple[type[StrEnum], str]] = {
    "status": (Status, "status"),
    "response": (Response, "response"),
    "kind": (SourceKind, "source_kind"),
    "perspective": (ScorePerspective, "assessor"),
}
# Options named otherwise than their parameter.
OPTION_NAMES = {"gaps_limit": "--gaps", "q": "--q"}


def _params(model, **values):
    """Validated parameters, or a readable error per option and exit status 2."""
    try:
        return model.model_validate({key: value for key, value in values.items() if value is not None})
    except ValidationError as error:
        for issue in error.errors():
            field = ".".join(map(str, issue["loc"]))
            where = OPTION_NAMES.get(field, "--" + field.replace("_", "-")) if field else gettext("options")
            message = issue["msg"]
            if issue["type"] == "enum" and field in OPTION_VOCABULARIES:
                enum, vocabulary = OPTION_VOCABULARIES[field]
                words = ", ".join(f"{member.value} ({label(vocabulary, member.value)})" for member in enum)
                message = gettext("%(value)s is not one of %(words)s", value=issue["input"], words=words)
            typer.echo(gettext("error: %(where)s: %(message)s", where=where, message=message), err=True)
        raise typer.Exit(2) from None


def _usage_error(message: str) -> NoReturn:
    """Print `error: MESSAGE` and exit with status 2 (a mistake in the command, not a failure)."""
    typer.echo(gettext("error: %(detail)s", detail=message), err=True)
    raise typer.Exit(2)


def _language(lang: str | None) -> str:
    """The language a command's output is written in: --lang, else the instance default."""
    if lang is None:
        return get_settings().default_language
    languages = sorted(available_locales())
    if lang not in languages:
        _usage_error(gettext("--lang must be one of %(languages)s", languages=", ".join(languages)))
    return lang


@cli.command()
def scorecard(
    group_by: Annotated[
        str,
        typer.Option(help="section, theme, addressee, sdg, status, source, recommending_state or response."),
    ] = "section",
    as_of: AsOf = None,
    known_at: KnownAt = None,
    perspective: PerspectiveOption = "independent",
    stale_after_days: Annotated[int, typer.Option(help="Stale when last assessed longer ago.")] = 365,
    section: SectionOption = None,
    source: SourceOption = None,
    kind: KindOption = None,
    status: StatusOption = None,
    theme: ThemeOption = None,
    addressee: AddresseeOption = None,
    sdg: SdgOption = None,
    q: SearchOption = None,
    recommending_state: RecommendingStateOption = None,
    response: ResponseOption = None,
    claim_gap: ClaimGapOption = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    include_restricted: RestrictedOption = False,
    gaps: Annotated[
        int, typer.Option(help="How many claim gaps and broken commitments to list, 0 to 500.")
    ] = GAPS_PAGE,
    lang: LangOption = None,
) -> None:
    """Print the implementation scorecard as of a date: a table, JSON or CSV."""
    with use_locale(_language(lang)):
        if output not in ("table", "json", "csv"):
            typer.echo(gettext("error: --format must be table, json or csv"), err=True)
            raise typer.Exit(2)
        params = _params(
            ScorecardParams,
            group_by=group_by,
            as_of=as_of,
            known_at=known_at,
            perspective=perspective,
            stale_after_days=stale_after_days,
            section=section,
            source=source,
            kind=kind,
            status=status,
            theme=theme,
            addressee=addressee,
            sdg=sdg,
            q=q,
            recommending_state=recommending_state,
            response=response,
            claim_gap=claim_gap,
            gaps_limit=gaps,
        )
        settings = get_settings()
        with read_session() as session:
            result = compute_scorecard(session, params, include_restricted=include_restricted)
            filters = document_context(session, params, settings).filter_line()
        if output == "json":
            typer.echo(dumps(result))
        elif output == "csv":
            sys.stdout.write("".join(scorecard_csv(result)).removeprefix("\ufeff"))
        else:
            console = Console()
            console.print(report_console.scorecard_table(result, width=console.width))
            for line in report_console.scorecard_notes(result, filters, console.width):
                console.print(line, highlight=False)
            console.print(report_console.claim_gap_class_line(result), highlight=False)
            for line in report_console.claim_gap_lines(result):
                console.print(f"[bold]{gettext('claim gap')}[/bold] {line}", highlight=False)
            if note := report_console.claim_gap_note(result):
                console.print(note, highlight=False)
            for line in report_console.commitment_gap_lines(result):
                console.print(f"[bold]{gettext('broken commitment')}[/bold] {line}", highlight=False)
            if note := report_console.commitment_gap_note(result):
                console.print(note, highlight=False)


@report_cli.command("matrix")
def report_matrix(
    output: Annotated[str, typer.Option("--format", help="csv, xlsx, html, docx, pdf or json.")] = "xlsx",
    out: Annotated[
        str | None,
        typer.Option(
            help="File to write (default: rectrack-matrix-DATE.FORMAT); '-' writes to standard output "
            "(binary formats only to a pipe or a redirect)."
        ),
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    perspective: PerspectiveOption = "independent",
    section: SectionOption = None,
    source: SourceOption = None,
    kind: KindOption = None,
    status: StatusOption = None,
    theme: ThemeOption = None,
    addressee: AddresseeOption = None,
    sdg: SdgOption = None,
    q: SearchOption = None,
    recommending_state: RecommendingStateOption = None,
    response: ResponseOption = None,
    claim_gap: ClaimGapOption = None,
    include_restricted: RestrictedOption = False,
    group_by: Annotated[
        str, typer.Option(help="How DOCX and HTML group their rows: section, theme or source.")
    ] = "section",
    lang: LangOption = None,
) -> None:
    """Write the implementation matrix to a file, or to standard output, with a progress bar."""
    with use_locale(_language(lang)):
        if output not in report_console.MATRIX_FORMATS:
            formats = ", ".join(report_console.MATRIX_FORMATS)
            _usage_error(gettext("--format must be one of %(formats)s", formats=formats))
        params = _params(
            MatrixParams,
            group_by=group_by,
            as_of=as_of,
            known_at=known_at,
            perspective=perspective,
            section=section,
            source=source,
            kind=kind,
            status=status,
            theme=theme,
            addressee=addressee,
            sdg=sdg,
            q=q,
            recommending_state=recommending_state,
            response=response,
            claim_gap=claim_gap,
        )
        target = out or f"rectrack-matrix-{point_of(params).reference_date().isoformat()}.{output}"
        text = output in report_console.TEXT_FORMATS
        if target == "-" and not text and sys.stdout.isatty():
            _usage_error(
                gettext(
                    "%(format)s is a binary format: --out - writes it only to a pipe or a redirect "
                    "(--out - > matrix.%(format)s), not to a terminal.",
                    format=output,
                )
            )
        settings = get_settings()
        with read_session() as session, _output(target, text=text) as handle:
            count = report_console.write_matrix(
                session,
                params,
                output,
                handle,
                include_restricted=include_restricted,
                console=Console(stderr=True),
                settings=settings,
                bom=target != "-",
            )
        where = gettext("standard output") if target == "-" else target
        wrote = ngettext(
            "wrote %(num)s recommendation to %(out)s",
            "wrote %(num)s recommendations to %(out)s",
            count,
            out=where,
        )
        typer.echo(wrote, err=True)


@contextmanager
def _output(target: str, *, text: bool) -> Iterator[IO[str] | IO[bytes]]:
    """An open file for an export: standard output for '-', else a temporary file in the target's folder
    that takes the target's name only when the export is complete (a failed one leaves nothing behind).

    A folder that does not exist or cannot be written is an error with exit status 2, before any work.
    """
    if target == "-":
        if text:
            yield sys.stdout
            sys.stdout.flush()
            return
        # Binary formats need a file they can seek in (a zip): spooled, then copied out.
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    path = Path(target)
    folder = path.parent
    if not folder.is_dir():
        _usage_error(
            gettext("cannot write %(out)s: the folder %(folder)s does not exist", out=path, folder=folder)
        )
    if path.is_dir():
        _usage_error(gettext("cannot write %(out)s: it is a folder", out=path))
    try:
        # newline="" keeps the CSV's CRLF line ends as they are.
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, on every path
            mode="w" if text else "wb",
            encoding="utf-8" if text else None,
            newline="" if text else None,
            dir=folder,
            prefix=f".{path.name}.",
            delete=False,
        )
    except OSError as error:
        _usage_error(gettext("cannot write %(out)s: %(reason)s", out=path, reason=error.strerror or error))
    try:
        with handle:
            yield handle
        os.chmod(handle.name, 0o666 & ~_umask())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's file mode mask (reading it means setting it: put back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@links_cli.command("suggest")
def links_suggest(
    from_: Annotated[
        str, typer.Option("--from", help="The source whose recommendations are matched (its slug).")
    ],
    to: Annotated[str, typer.Option("--to", help="The source the candidates come from (its slug).")],
    out: Annotated[Path, typer.Option(help="The review file to write: .xlsx or .csv.")],
    limit: Annotated[int, typer.Option(min=1, max=50, help="Candidates per recommendation.")] = 5,
) -> None:
    """Write a review file of suggested links: one row a candidate pair, with a decision to fill in."""
    from app.suggestions.review import FORMATS, review_rows, write_review
    from app.suggestions.service import suggest_for_source

    if out.suffix.lower() not in FORMATS:
        _fail(gettext("--out must end in .xlsx or .csv"))
    with read_session() as session:
        suggestions = suggest_for_source(session, from_, to, limit)
    rows = review_rows(suggestions)
    write_review(out, rows)
    wrote = ngettext(
        "wrote %(num)s candidate pair for the recommendations of %(source)s to %(out)s",
        "wrote %(num)s candidate pairs for the recommendations of %(source)s to %(out)s",
        len(rows),
        source=from_,
        out=out,
    )
    typer.echo(wrote, err=True)


@links_cli.command("apply")
def links_apply(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="A review file written by `links suggest`."),
    ],
    monitor: Annotated[int, typer.Option(help="The id of the monitor who records the links.")],
    dry_run: Annotated[bool, typer.Option(help="Report what would be linked; change nothing.")] = False,
) -> None:
    """Record the pairs a review file marks accept as links by a monitor: all or nothing."""
    from app.suggestions.review import ReviewFileError, read_review
    from app.suggestions.review_apply import apply_review

    try:
        rows = read_review(file.read_bytes())
        with write_session() as session:
            summary = apply_review(session, rows, monitor)
            if dry_run:
                session.rollback()
    except ReviewFileError as error:
        for problem in error.problems:
            typer.echo(gettext("error: %(detail)s", detail=problem), err=True)
        raise typer.Exit(1) from None
    count = len(summary.linked)
    if dry_run:
        typer.echo(ngettext("would link %(num)s pair", "would link %(num)s pairs", count))
    else:
        typer.echo(ngettext("linked %(num)s pair", "linked %(num)s pairs", count))
    for row in summary.linked:
        typer.echo(f"  {row.from_code} – {row.to_code} ({label('link_strength', row.strength)})")
    skipped = len(summary.already_linked)
    if skipped:
        typer.echo(
            ngettext(
                "%(num)s pair already linked, left as it is:",
                "%(num)s pairs already linked, left as they are:",
                skipped,
            )
        )
        for row in summary.already_linked:
            where = gettext("line %(line)s", line=row.line)
            typer.echo(f"  {where}: {row.from_code} – {row.to_code}")
    typer.echo(
        gettext(
            "%(rejected)s rejected, %(undecided)s without a decision",
            rejected=summary.rejected,
            undecided=summary.undecided,
        )
    )


def _instance_zone() -> str:
    """RECTRACK_TIMEZONE; UTC when the settings do not validate (the command that reads them says why)."""
    try:
        return get_settings().timezone
    except ValidationError:
        return "UTC"


def main() -> None:
    """Entry point of the console script: times are shown in the instance's zone for the whole run."""
    with zone_of(_instance_zone()):
        _run()


def _run() -> None:
    try:
        cli()
    except ProblemError as error:
        typer.echo(gettext("error: %(detail)s", detail=error.detail), err=True)
        raise SystemExit(1) from None
    except BundleError as error:
        typer.echo(gettext("error: %(detail)s", detail=str(error)), err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
