"""`column IN ids` in one text whatever the number of ids: precompiled and prepared once, not per length."""

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class IdList(TypeDecorator):
    """A list of integer ids bound as one parameter: an integer array on PostgreSQL, JSON text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return list(value)
        return json.dumps(list(value))


class OneOf(ColumnElement[bool]):
    """`column` is one of the ids bound to parameter `name` (an IdList)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition, not a boolean column: SQLite must not compare it with 1
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[int], name: str):
        self.column = column
        self.ids = bindparam(name, type_=IdList())


def one_of(column: ColumnElement[int], name: str) -> OneOf:
    """`column` is one of the ids bound to `name` at execution (a list of ints)."""
    return OneOf(column, name)


@compiles(OneOf, "postgresql")
def _any_of_array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY ({compiler.process(element.ids, **kw)})"


@compiles(OneOf, "sqlite")
def _in_json_each(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has no arrays: the ids come as one JSON array, unnested by json_each.
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"
