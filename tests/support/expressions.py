"""GitHub's expression language, the part the generated workflows use: one evaluator
for every ``if:`` and every ``${{ }}`` the tests run.

Literals (strings, numbers, true/false/null), context properties (``a.b``,
``a['b']``), ``!``, ``==``, ``!=``, ``&&``, ``||``, parentheses, ``toJSON()`` and
the functions the caller provides. ``||`` and ``&&`` return an operand, as on GitHub; ``==``
compares strings ignoring case and coerces other mixed types to numbers.
Anything else (an unknown context, function, operator, or a missing key of a
context that must know all its keys) fails the test instead of being guessed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import pytest

STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")
# The functions GitHub provides everywhere that the workflows call. toJSON pretty-prints,
# two spaces deep, as GitHub does.
GENERAL_FUNCTIONS: dict[str, Callable[..., Any]] = {"toJSON": lambda value: json.dumps(value, indent=2)}

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|&&|\|\||[!().,\[\]])|(?P<name>[A-Za-z_][\w-]*))"
)


class Strict(dict[str, Any]):
    """A context (or part of one) that knows every key it has: a missing one fails."""


def fail(message: str) -> NoReturn:
    pytest.fail(f"workflow expression: {message}", pytrace=False)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            fail(f"cannot read {text[position:].strip()!r} in {text!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool | int | float):
        return float(value or 0)
    try:
        return float(value.strip() or 0) if isinstance(value, str) else math.nan
    except ValueError:
        return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and not isinstance(left, str | int | float):
        return left is right if isinstance(left, dict | list) else bool(left == right)
    return _number(left) == _number(right)


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, float) and math.isnan(value))


def as_text(value: Any) -> str:
    """A value as ``${{ }}`` puts it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        fail(f"an object or array cannot be put into a string: {json.dumps(value)}")
    return str(value)


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> None:
        self.text, self.tokens, self.position = text, _tokens(text), 0
        self.contexts, self.functions = contexts, functions

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens) or (expected is not None and self.peek() != expected):
            fail(f"expected {expected or 'more'} in {self.text!r}")
        self.position += 1
        return self.tokens[self.position - 1]

    def parse(self) -> Any:
        value = self.either()
        if self.position != len(self.tokens):
            fail(f"unexpected {self.peek()!r} in {self.text!r}")
        return value

    def operands(self, operators: tuple[str, ...], operand: Callable[[], Any], join: Callable[..., Any]) -> Any:
        """A left-associative chain of ``operand``s, each pair joined by ``join(left, operator, right)``;
        both sides are evaluated: a name the test does not know fails even where GitHub would not look."""
        value = operand()
        while self.peek() in operators:
            operator = self.take()[1]
            value = join(value, operator, operand())
        return value

    def either(self) -> Any:  # ||: the first truthy operand, else the last
        return self.operands(("||",), self.both, lambda left, _, right: left if truthy(left) else right)

    def both(self) -> Any:  # &&: the first falsy operand, else the last
        return self.operands(("&&",), self.comparison, lambda left, _, right: right if truthy(left) else left)

    def comparison(self) -> Any:
        return self.operands(("==", "!="), self.unary, lambda left, op, right: _equal(left, right) == (op == "=="))

    def unary(self) -> Any:
        return not truthy(self.unary()) if self.peek() == "!" and self.take() else self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind != "name":
            fail(f"unexpected {text!r} in {self.text!r}")
        if self.peek() == "(":
            return self.call(text)
        if text in (literals := {"true": True, "false": False, "null": None}):
            return literals[text]
        if text not in self.contexts:
            fail(f"context {text!r} is not available here (or not known to the test): {self.text!r}")
        value = self.contexts[text]
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                key: Any = self.take()[1]
            else:
                key = self.either()
                self.take("]")
            value = self.member(value, as_text(key), text)
        return value

    def member(self, value: Any, key: str, context: str) -> Any:
        if not isinstance(value, dict):
            return None  # GitHub: a property of null (or of a string) is null
        found = {k.casefold(): v for k, v in value.items()}
        if key.casefold() not in found and isinstance(value, Strict):
            fail(f"{context}: no {key!r} here (the test knows {sorted(value)}): {self.text!r}")
        return found.get(key.casefold())

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.either())
            if self.peek() != ")":
                self.take(",")
        self.take(")")
        function = {k.casefold(): v for k, v in self.functions.items()}.get(name.casefold())
        if function is None:
            fail(f"function {name}() is not available here (or not known to the test): {self.text!r}")
        return function(*args)


Functions = Mapping[str, Callable[..., Any]]


def evaluate(text: str, contexts: Mapping[str, Any], functions: Functions | None = None) -> Any:
    """The value of one expression (the text between ``${{`` and ``}}``)."""
    return _Parser(text, contexts, {**GENERAL_FUNCTIONS, **(functions or {})}).parse()


def substitute(value: Any, contexts: Mapping[str, Any], functions: Functions | None = None) -> str:
    """A workflow value (``env:``, ``with:``, ``run:``...) with each ``${{ }}`` replaced by its value."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        fail(f"the test cannot put a mapping or list into a string: {value!r}")
    return re.sub(
        r"\$\{\{(.*?)\}\}", lambda match: as_text(evaluate(match.group(1), contexts, functions)), str(value), flags=re.S
    )


def condition(text: Any, contexts: Mapping[str, Any], functions: Functions) -> bool:
    """An ``if:`` (with or without ``${{ }}``); without a status function it means ``success() && (...)``."""
    code = str(text).strip() if text is not None else "true"
    wrapped = re.fullmatch(r"\$\{\{(.*)\}\}", code, flags=re.S)
    if wrapped:
        code = wrapped.group(1)
    elif "${{" in code:
        fail(f"an if: that is partly ${{{{ }}}} is a string, always true on GitHub: {text!r}")
    without_strings = re.sub(r"'(?:[^']|'')*'", "''", code)
    if not re.search(rf"\b({'|'.join(STATUS_FUNCTIONS)})\s*\(", without_strings):
        code = f"success() && ({code})"
    return truthy(evaluate(code, contexts, functions))
