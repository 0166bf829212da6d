"""A small HogQL evaluator over the sandbox's seeded ``events`` table.

PostHog runs endpoint queries in ClickHouse; the sandbox runs a useful subset itself so that results really
depend on the query, its variables and the seeded data:

    SELECT expr [AS alias], … FROM events
    [WHERE cond AND cond …] [GROUP BY expr, …] [ORDER BY expr [ASC|DESC], …] [LIMIT n [OFFSET m]]

with expressions ``event``, ``distinct_id``, ``timestamp``, ``properties.<name>``, ``toDate(x)``, ``count()``,
``count(DISTINCT x)``, ``uniq(x)``, ``min(x)``, ``max(x)`` and conditions ``x = y``, ``!=``, ``<``, ``<=``, ``>``,
``>=``, ``IN (…)``. ``{variables.<code_name>}`` placeholders are replaced by the variable's value first. Other
valid HogQL (joins, OR, subqueries…) parses as far as syntax goes but is refused at run time as unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from .models import Event

DEFAULT_LIMIT = 100
MAX_LIMIT = 50_000


class HogQLSyntaxError(Exception):
    """The text is not a HogQL SELECT (refused when an endpoint is created or updated)."""


class HogQLUnsupportedError(Exception):
    """Valid-looking HogQL the sandbox cannot evaluate."""


class HogQLResolutionError(Exception):
    """A table, field or variable that does not exist."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<string>'(?:[^'\\]|\\.|'')*')
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<ident>[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*)
    |(?P<op><=|>=|!=|<>|==|=|<|>)
    |(?P<punct>[(),*;])
    """,
    re.VERBOSE,
)
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "group",
    "by",
    "order",
    "asc",
    "desc",
    "limit",
    "offset",
    "as",
    "in",
    "distinct",
}
_UNSUPPORTED = {"join", "union", "or", "not", "having", "with", "like", "ilike", "interval", "case", "over", "between"}
_AGGREGATES = {"count", "uniq", "min", "max"}
_FUNCTIONS = _AGGREGATES | {"todate"}
_COLUMNS = {"event": "String", "distinct_id": "String", "timestamp": "DateTime64(6, 'UTC')"}
_PLACEHOLDER = re.compile(r"\{\s*variables\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    column: int

    @property
    def keyword(self) -> str | None:
        lowered = self.text.lower()
        return lowered if self.kind == "ident" and lowered in _KEYWORDS else None


@dataclass(frozen=True, slots=True)
class Field:
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Const:
    value: str | float | None


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    distinct: bool = False


Expr = Field | Const | Call


@dataclass(frozen=True, slots=True)
class Condition:
    left: Expr
    op: str
    right: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Column:
    expr: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Select:
    columns: tuple[Column, ...]
    table: str
    where: tuple[Condition, ...]
    group_by: tuple[Expr, ...]
    order_by: tuple[tuple[Expr, bool], ...]
    limit: int | None
    offset: int


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: list[str]
    types: list[list[str]]
    results: list[list[Any]]
    has_more: bool
    limit: int
    offset: int


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                raise HogQLSyntaxError(f"Syntax error at line 1, column {position}: unterminated string")
            raise HogQLSyntaxError(f"Syntax error at line 1, column {position}: unexpected {text[position]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


def _expr_name(expr: Expr) -> str:
    if isinstance(expr, Field):
        return expr.chain[-1]
    if isinstance(expr, Const):
        return repr(expr.value)
    inner = ", ".join(_expr_name(a) for a in expr.args)
    return f"{expr.name}({'DISTINCT ' if expr.distinct else ''}{inner})"


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.keyword in words

    def error(self, expected: str) -> HogQLSyntaxError:
        token = self.peek()
        where = token.column if token else (self.tokens[-1].column + len(self.tokens[-1].text) if self.tokens else 0)
        found = repr(token.text) if token else "end of input"
        return HogQLSyntaxError(f"Syntax error at line 1, column {where}: expected {expected}, found {found}")

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("more input")
        self.index += 1
        if token.kind == "ident" and token.text.lower() in _UNSUPPORTED:
            raise HogQLUnsupportedError(f"the sandbox's query engine does not support {token.text.upper()}")
        return token

    def expect_keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.error(word.upper())
        self.take()

    def expect(self, text: str) -> None:
        if not self.at(text):
            raise self.error(repr(text))
        self.take()

    def parse(self) -> Select:
        if not self.tokens:
            raise HogQLSyntaxError("Syntax error at line 1, column 0: empty query")
        if self.tokens[0].text.lower() == "with":
            raise HogQLUnsupportedError("the sandbox's query engine does not support WITH")
        self.expect_keyword("select")
        columns = [self.column()]
        while self.at(","):
            self.take()
            columns.append(self.column())
        self.expect_keyword("from")
        table_token = self.take()
        if table_token.text == "(":
            raise HogQLUnsupportedError("the sandbox's query engine does not support subqueries")
        if table_token.kind != "ident" or table_token.keyword:
            raise self.error("a table name")
        where: list[Condition] = []
        group_by: list[Expr] = []
        order_by: list[tuple[Expr, bool]] = []
        limit: int | None = None
        offset = 0
        if self.at_keyword("where"):
            self.take()
            where.append(self.condition())
            while self.at_keyword("and"):
                self.take()
                where.append(self.condition())
        if self.at_keyword("group"):
            self.take()
            self.expect_keyword("by")
            group_by.append(self.expr())
            while self.at(","):
                self.take()
                group_by.append(self.expr())
        if self.at_keyword("order"):
            self.take()
            self.expect_keyword("by")
            order_by.append(self.ordering())
            while self.at(","):
                self.take()
                order_by.append(self.ordering())
        if self.at_keyword("limit"):
            self.take()
            limit = self.integer()
            if self.at_keyword("offset"):
                self.take()
                offset = self.integer()
        if self.at(";"):
            self.take()
        token = self.peek()
        if token is not None:
            self.take()
            raise HogQLSyntaxError(f"Syntax error at line 1, column {token.column}: unexpected {token.text!r}")
        return Select(tuple(columns), table_token.text, tuple(where), tuple(group_by), tuple(order_by), limit, offset)

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or "." in token.text:
            self.index -= 1
            raise self.error("an integer")
        return int(token.text)

    def column(self) -> Column:
        expr = self.expr()
        if self.at_keyword("as"):
            self.take()
            alias = self.take()
            if alias.kind != "ident":
                self.index -= 1
                raise self.error("an alias")
            return Column(expr, alias.text)
        return Column(expr, _expr_name(expr))

    def ordering(self) -> tuple[Expr, bool]:
        expr = self.expr()
        if self.at_keyword("asc", "desc"):
            return expr, self.take().text.lower() == "desc"
        return expr, False

    def condition(self) -> Condition:
        left = self.expr()
        token = self.peek()
        if token is not None and token.keyword == "in":
            self.take()
            self.expect("(")
            values = [self.expr()]
            while self.at(","):
                self.take()
                values.append(self.expr())
            self.expect(")")
            return Condition(left, "in", tuple(values))
        if token is None or token.kind != "op":
            raise self.error("a comparison")
        self.take()
        op = {"==": "=", "<>": "!="}.get(token.text, token.text)
        return Condition(left, op, (self.expr(),))

    def expr(self) -> Expr:
        token = self.take()
        if token.kind == "string":
            body = token.text[1:-1].replace("''", "'")
            return Const(re.sub(r"\\(.)", r"\1", body))
        if token.kind == "number":
            return Const(float(token.text))
        if token.kind == "ident" and token.text.lower() == "null":
            return Const(None)
        if token.text == "*":
            return Field(("*",))
        if token.kind != "ident" or token.keyword:
            self.index -= 1
            raise self.error("an expression")
        following = self.peek()
        if following is not None and following.text == "(":
            self.take()
            distinct = False
            args: list[Expr] = []
            if self.at_keyword("distinct"):
                self.take()
                distinct = True
            if not self.at(")"):
                args.append(self.expr())
                while self.at(","):
                    self.take()
                    args.append(self.expr())
            self.expect(")")
            return Call(token.text, tuple(args), distinct)
        return Field(tuple(token.text.split(".")))


def substitute(query: str, values: Mapping[str, Any]) -> str:
    """Replace ``{variables.x}`` with the value as a HogQL literal; unknown names are a resolution error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise HogQLResolutionError(f"Variable {name} is missing from the query's variables")
        value = values[name]
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    return _PLACEHOLDER.sub(replace, query)


def check_syntax(query: str) -> None:
    """What PostHog's ``parse_select`` checks when an endpoint is saved (syntax only)."""
    try:
        _Parser(_PLACEHOLDER.sub("NULL", query)).parse()
    except HogQLUnsupportedError:
        return


def _field_type(expr: Expr) -> str:
    if isinstance(expr, Field):
        if expr.chain[0] == "properties":
            return "Nullable(String)"
        return _COLUMNS.get(expr.chain[0], "String")
    if isinstance(expr, Const):
        return "Float64" if isinstance(expr.value, float) else "String"
    name = expr.name.lower()
    if name in {"count", "uniq"}:
        return "UInt64"
    if name == "todate":
        return "Date"
    return _field_type(expr.args[0]) if expr.args else "String"


def _resolve(expr: Expr) -> None:
    if isinstance(expr, Field):
        if expr.chain == ("*",):
            return
        if expr.chain[0] == "properties" and len(expr.chain) == 2:
            return
        if len(expr.chain) == 1 and expr.chain[0] in _COLUMNS:
            return
        raise HogQLResolutionError(f"Unable to resolve field: {'.'.join(expr.chain)}")
    if isinstance(expr, Call):
        if expr.name.lower() not in _FUNCTIONS:
            raise HogQLUnsupportedError(f"the sandbox's query engine does not support the function {expr.name}()")
        for arg in expr.args:
            _resolve(arg)


def _is_aggregate(expr: Expr) -> bool:
    return isinstance(expr, Call) and expr.name.lower() in _AGGREGATES


def _value(expr: Expr, event: Event) -> Any:
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Field):
        if expr.chain[0] == "properties":
            return event.properties.get(expr.chain[1])
        return getattr(event, expr.chain[0])
    if expr.name.lower() == "todate":
        inner = _value(expr.args[0], event) if expr.args else None
        return inner.date() if isinstance(inner, datetime) else inner
    raise HogQLUnsupportedError(f"aggregate {expr.name}() outside of a grouped query")


def _aggregate(expr: Expr, rows: Sequence[Event], key_row: Event | None) -> Any:
    if not isinstance(expr, Call) or not _is_aggregate(expr):
        return _value(expr, key_row) if key_row is not None else None
    name = expr.name.lower()
    if name == "count" and (not expr.args or expr.args[0] == Field(("*",))):
        return len(rows)
    values = [_value(expr.args[0], row) for row in rows] if expr.args else []
    present = [v for v in values if v is not None]
    if name == "uniq" or (name == "count" and expr.distinct):
        return len(set(present))
    if name == "count":
        return len(present)
    if not present:
        return None
    return min(present) if name == "min" else max(present)


def _coerce_pair(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, datetime) and isinstance(right, str):
        return left, _parse_moment(right)
    if isinstance(left, date) and not isinstance(left, datetime) and isinstance(right, str):
        return left, _parse_moment(right).date()
    if isinstance(left, str) and isinstance(right, datetime | date):
        swapped = _coerce_pair(right, left)
        return swapped[1], swapped[0]
    return left, right


def _parse_moment(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HogQLUnsupportedError(f"cannot compare a timestamp with {text!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _matches(condition: Condition, event: Event) -> bool:
    left = _value(condition.left, event)
    if condition.op == "in":
        return any(_compare(left, "=", _value(item, event)) for item in condition.right)
    return _compare(left, condition.op, _value(condition.right[0], event))


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        return False
    left, right = _coerce_pair(left, right)
    try:
        return _OPS[op](left, right)
    except TypeError:
        return _OPS[op](str(left), str(right))


def _output(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    if isinstance(value, int | float):
        return (0, float(value))
    return (0, str(_output(value)))


def _lookup(expr: Expr, columns: Sequence[Column]) -> int | None:
    """Which output column an ORDER BY / GROUP BY expression refers to (by alias or by expression)."""
    for index, column in enumerate(columns):
        if expr == column.expr or (isinstance(expr, Field) and len(expr.chain) == 1 and expr.chain[0] == column.name):
            return index
    return None


def execute(query: str, events: Iterable[Event], variables: Mapping[str, Any]) -> QueryResult:
    """Run a query over ``events``; raises the three ``HogQL*Error`` kinds."""
    select = _Parser(substitute(query, variables)).parse()
    if select.table != "events":
        raise HogQLResolutionError(f"Unknown table `{select.table}`.")
    for column in select.columns:
        _resolve(column.expr)
    for condition in select.where:
        _resolve(condition.left)
        for item in condition.right:
            _resolve(item)

    rows = [event for event in events if all(_matches(c, event) for c in select.where)]
    grouped = bool(select.group_by) or any(_is_aggregate(c.expr) for c in select.columns)
    table: list[list[Any]]
    if grouped:
        keys = [select.columns[i].expr if (i := _lookup(g, select.columns)) is not None else g for g in select.group_by]
        for key in keys:
            _resolve(key)
        for column in select.columns:
            if not _is_aggregate(column.expr) and column.expr not in keys:
                raise HogQLResolutionError(
                    f"Column `{column.name}` is not under an aggregate function and not in GROUP BY keys"
                )
        groups: dict[tuple[Any, ...], list[Event]] = {}
        for row in rows:
            groups.setdefault(tuple(_value(k, row) for k in keys), []).append(row)
        if not keys and not groups:
            groups[()] = []
        table = [
            [_aggregate(c.expr, members, members[0] if members else None) for c in select.columns]
            for members in groups.values()
        ]
    else:
        table = [[_value(c.expr, row) for c in select.columns] for row in rows]

    for expr, descending in reversed(select.order_by):
        index = _lookup(expr, select.columns)
        if index is None:
            if isinstance(expr, Const) and isinstance(expr.value, float) and 1 <= expr.value <= len(select.columns):
                index = int(expr.value) - 1
            else:
                raise HogQLUnsupportedError(f"ORDER BY {_expr_name(expr)} must name a selected column")
        table.sort(key=lambda r, i=index: _sort_key(r[i]), reverse=descending)

    limit = min(select.limit if select.limit is not None else DEFAULT_LIMIT, MAX_LIMIT)
    window = table[select.offset : select.offset + limit]
    return QueryResult(
        columns=[c.name for c in select.columns],
        types=[[c.name, _field_type(c.expr)] for c in select.columns],
        results=[[_output(v) for v in row] for row in window],
        has_more=len(table) > select.offset + limit,
        limit=limit,
        offset=select.offset,
    )
