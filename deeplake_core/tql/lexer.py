"""Tokenizer for TQL: turns a query string into tokens that remember their offset."""

from __future__ import annotations

from dataclasses import dataclass

from deeplake_core.exceptions import TQLSyntaxError

#: Reserved words (matched case-insensitively). Tensors with these names need quotes.
KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "LIMIT",
        "OFFSET",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "IS",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "ARRAY",
        "TRUE",
        "FALSE",
        "NULL",
    }
)

#: Operators, longest first so that ``<=`` wins over ``<``.
OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%")
PUNCTUATION = "()[],:?"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


@dataclass(frozen=True, slots=True)
class Token:
    #: "ident", "keyword", "int", "float", "string", "op", "punct" or "eof".
    kind: str
    #: Identifier/string value, upper-cased keyword, operator text, number text.
    value: str
    offset: int
    end: int

    def describe(self) -> str:
        """How the token is named in error messages."""
        if self.kind == "eof":
            return "end of query"
        if self.kind == "string":
            return f"string '{self.value}'"
        if self.kind == "keyword":
            return f"keyword {self.value}"
        return f"'{self.value}'"


def _is_ident_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_"


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens, ending with an ``eof`` token.

    An unquoted identifier may be a group path (``group/tensor``): ``/`` directly
    between two identifier characters, without spaces, joins them into one name.
    """
    if not isinstance(query, str):
        raise TypeError(f"a query must be a str, not {type(query).__name__}")
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if _is_ident_start(ch):
            i = _scan_ident(query, i)
            word = query[start:i]
            if "/" not in word and word.upper() in KEYWORDS:
                tokens.append(Token("keyword", word.upper(), start, i))
            else:
                tokens.append(Token("ident", word, start, i))
        elif ch.isdigit() or (ch == "." and i + 1 < n and query[i + 1].isdigit()):
            kind, i = _scan_number(query, i)
            tokens.append(Token(kind, query[start:i], start, i))
        elif ch == "'":
            value, i = _scan_quoted(query, i, "'")
            tokens.append(Token("string", value, start, i))
        elif ch == '"' or ch == "`":
            value, i = _scan_quoted(query, i, ch)
            if not value:
                raise TQLSyntaxError("empty quoted name", query=query, offset=start)
            tokens.append(Token("ident", value, start, i))
        elif ch in PUNCTUATION:
            tokens.append(Token("punct", ch, start, i + 1))
            i += 1
        else:
            op = next((o for o in OPERATORS if query.startswith(o, i)), None)
            if op is None:
                raise TQLSyntaxError(f"unexpected character {ch!r}", query=query, offset=start)
            tokens.append(Token("op", op, start, i + len(op)))
            i += len(op)
    tokens.append(Token("eof", "", n, n))
    return tokens


def _scan_ident(query: str, i: int) -> int:
    n = len(query)
    while True:
        while i < n and _is_ident_char(query[i]):
            i += 1
        if i + 1 < n and query[i] == "/" and _is_ident_start(query[i + 1]):
            i += 1
            continue
        return i


def _scan_number(query: str, i: int) -> tuple[str, int]:
    n = len(query)
    start = i
    kind = "int"
    while i < n and query[i].isdigit():
        i += 1
    if i < n and query[i] == "." and not query.startswith("..", i):
        kind = "float"
        i += 1
        while i < n and query[i].isdigit():
            i += 1
    if i < n and query[i] in "eE":
        j = i + 1
        if j < n and query[j] in "+-":
            j += 1
        if j < n and query[j].isdigit():
            kind = "float"
            i = j
            while i < n and query[i].isdigit():
                i += 1
    if i < n and _is_ident_char(query[i]):
        raise TQLSyntaxError(
            f"malformed number {query[start : i + 1]!r}", query=query, offset=start
        )
    return kind, i


def _scan_quoted(query: str, i: int, quote: str) -> tuple[str, int]:
    """Read a quoted string or name starting at the opening quote.

    A doubled quote stands for one quote; in string literals backslash escapes
    (``\\'``, ``\\\\``, ``\\n``, ``\\t``, ``\\r``, ``\\0``) are also understood.
    """
    start = i
    n = len(query)
    i += 1
    parts: list[str] = []
    while i < n:
        ch = query[i]
        if ch == quote:
            if i + 1 < n and query[i + 1] == quote:
                parts.append(quote)
                i += 2
                continue
            return "".join(parts), i + 1
        if ch == "\\" and quote == "'":
            if i + 1 >= n:
                break
            esc = query[i + 1]
            if esc not in _ESCAPES:
                raise TQLSyntaxError(
                    f"unknown escape sequence '\\{esc}' in string",
                    query=query,
                    offset=i,
                    expected=["one of \\' \\\\ \\n \\t \\r \\0"],
                )
            parts.append(_ESCAPES[esc])
            i += 2
            continue
        parts.append(ch)
        i += 1
    what = "string" if quote == "'" else "quoted name"
    raise TQLSyntaxError(
        f"unterminated {what}", query=query, offset=start, expected=[f"a closing {quote}"]
    )
