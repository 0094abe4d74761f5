"""Find or make the categories an imported row is filed under: themes mapped, recommending states as one."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.imports.identity import normalise_text, recommending_state_slug, slugify
from app.imports.rows import ImportedRow
from app.imports.themes import theme_slugs_for
from app.models import Category
from app.vocabulary import CategoryKind


class CategoryResolver:
    """Every category in memory (a few thousand at most), and the ones an import adds, made once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_slug: dict[tuple[str, str], Category] = {}
        self.by_label: dict[tuple[str, str], Category] = {}
        for category in session.scalars(select(Category)):
            self._remember(category)

    def resolve(self, row: ImportedRow) -> list[Category]:
        """The categories of one row, existing or new (new ones are added to the session, not flushed)."""
        found: dict[tuple[str, str], Category] = {}
        for spec in row.categories:
            for category in self._for(spec.kind, spec.label, spec.slug):
                found[(category.kind, category.slug)] = category
        for name in row.recommending_states:
            category = self._get_or_make(CategoryKind.recommending_state, recommending_state_slug(name), name)
            found[(category.kind, category.slug)] = category
        return list(found.values())

    def flush(self) -> None:
        """Give the new categories their ids."""
        self.session.flush()

    @staticmethod
    def anchors(categories: list[Category]) -> list[dict[str, Any]]:
        """The categories as a genesis entry anchors them (as the seed's do)."""
        return sorted(
            ({"kind": str(c.kind), "slug": c.slug, "label": c.label} for c in categories),
            key=lambda c: (c["kind"], c["slug"]),
        )

    def _for(self, kind: CategoryKind, label: str, slug: str | None) -> list[Category]:
        if slug:
            return [self._get_or_make(kind, slug, label)]
        by_label = self.by_label.get((kind.value, normalise_text(label)))
        if by_label is not None:
            return [by_label]
        if kind is CategoryKind.theme:
            mapped = [
                self.by_slug[(kind.value, s)]
                for s in theme_slugs_for(label)
                if (kind.value, s) in self.by_slug
            ]
            if mapped:
                return mapped
        return [self._get_or_make(kind, slugify(label) or "unnamed", label)]

    def _get_or_make(self, kind: CategoryKind, slug: str, label: str) -> Category:
        category = self.by_slug.get((kind.value, slug))
        if category is None:
            category = Category(kind=kind, slug=slug, label=label)
            self.session.add(category)
            self._remember(category)
        return category

    def _remember(self, category: Category) -> None:
        kind = str(category.kind)
        self.by_slug[(kind, category.slug)] = category
        self.by_label.setdefault((kind, normalise_text(category.label)), category)
