"""Bicep source: declarations and expressions, evaluated like the template Bicep compiles to.

A reader for the parts of Bicep that describe resources: `param` (with defaults, or values from
a JSON parameters file), `var`, `resource` (conditions, `existing`, `parent`, nested child
resources), `module` and `output` are recognised; decorators, `type`, `func`, `import` and
`metadata` are skipped. Expressions are parsed into the AST of `kubeward.loaders.arm` and
evaluated by the same evaluator, so a value is either decided from the file or an `Unknown`
carrying its source text. For-expressions and lambdas are not evaluated (unknown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.loaders.arm import (
    ArrayLit,
    Binary,
    Call,
    Evaluator,
    Expr,
    Index,
    Interp,
    Lit,
    Member,
    ObjectLit,
    Opaque,
    Ref,
    Scope,
    Ternary,
    Unary,
    unknown,
)
from kubeward.model.aks import Node, Unknown, node_from


class BicepError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_TOKENS = re.compile(
    r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>//[^\n]*|\#[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<nl>\n)
  | (?P<multi>'''.*?''')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\?\?|\.\?|\[\?|::|==|!=|=~|!~|<=|>=|&&|\|\||=>|[-+*/%!<>=?:.,()\[\]{}@])
    """,
    re.S | re.X,
)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str
    value: str
    start: int
    end: int
    line: int


def _string_end(text: str, pos: int) -> int:
    """End of the single-quoted string starting at `pos` (after its closing quote), skipping
    escapes and `${...}` interpolations, which may hold strings of their own; -1 if open."""
    i = pos + 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            return i + 1
        if c == "\n":
            return -1
        if text.startswith("${", i):
            depth, i = 0, i + 2
            while i < len(text):
                c = text[i]
                if c == "'":
                    end = _string_end(text, i)
                    if end < 0:
                        return -1
                    i = end
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
        i += 1
    return -1


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    pos, line = 0, 1
    while pos < len(text):
        if text[pos] == "'" and not text.startswith("'''", pos):
            end = _string_end(text, pos)
            if end < 0:
                raise BicepError(line, "unterminated string")
            out.append(Tok("str", text[pos:end], pos, end, line))
            line += text.count("\n", pos, end)
            pos = end
            continue
        m = _TOKENS.match(text, pos)
        if m is None:
            raise BicepError(line, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        assert kind is not None
        value = m.group(kind)
        if kind not in ("ws", "comment", "block"):
            out.append(Tok(kind, value, m.start(), m.end(), line))
        line += value.count("\n")
        pos = m.end()
    out.append(Tok("eof", "", len(text), len(text), line))
    return out


@dataclass
class Declaration:
    kind: str  # param, var, resource, module, output
    name: str
    line: int
    value: Expr | None = None  # default, value or body
    type: str = ""  # resource type (without @api-version), param type
    api_version: str = ""
    existing: bool = False
    condition: Expr | None = None
    parent: str | None = None  # symbolic name of the parent resource (nested declarations)
    children: list[Declaration] = field(default_factory=list)


@dataclass
class BicepFile:
    declarations: list[Declaration]

    def of_kind(self, kind: str) -> list[Declaration]:
        return [d for d in self.all() if d.kind == kind]

    def all(self) -> list[Declaration]:
        out: list[Declaration] = []

        def visit(ds: list[Declaration]) -> None:
            for d in ds:
                out.append(d)
                visit(d.children)

        visit(self.declarations)
        return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # ------------------------------------------------------------------ tokens

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def at(self, value: str) -> bool:
        return self.tok.value == value and self.tok.kind in ("op", "name")

    def next(self) -> Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def expect(self, value: str) -> Tok:
        if not self.at(value):
            raise BicepError(self.tok.line, f"expected {value!r}, found {self.tok.value!r}")
        return self.next()

    def nl(self) -> None:
        while self.tok.kind == "nl":
            self.i += 1

    def src(self, start: int) -> str:
        end = self.toks[self.i - 1].end if self.i > 0 else start
        return self.text[start:end]

    # ------------------------------------------------------------------ declarations

    def file(self) -> BicepFile:
        decls: list[Declaration] = []
        while True:
            self.nl()
            if self.tok.kind == "eof":
                return BicepFile(decls)
            d = self.declaration(None)
            if d is not None:
                decls.append(d)

    def declaration(self, parent: str | None) -> Declaration | None:
        while self.at("@"):  # decorators
            self.next()
            self.postfix()
            self.nl()
        t = self.tok
        word = t.value if t.kind == "name" else ""
        if word == "param":
            self.next()
            name = self.next().value
            ptype = self.type_expr()
            value = None
            if self.at("="):
                self.next()
                self.nl()
                value = self.expr()
            return Declaration("param", name, t.line, value, type=ptype)
        if word in ("var", "output"):
            self.next()
            name = self.next().value
            if word == "output" and not self.at("="):
                self.type_expr()
            self.expect("=")
            self.nl()
            return Declaration(word, name, t.line, self.expr())
        if word in ("resource", "module"):
            return self.resource(word, parent)
        # targetScope, metadata, type, func, import, extension, provider, using...: skip the line
        self.skip_statement()
        return None

    def type_expr(self) -> str:
        start = self.tok.start
        depth = 0
        while self.tok.kind != "eof":
            if depth == 0 and (self.at("=") or self.tok.kind == "nl"):
                break
            if self.tok.value in ("{", "(", "["):
                depth += 1
            elif self.tok.value in ("}", ")", "]"):
                depth -= 1
            self.next()
        return self.text[start : self.toks[self.i - 1].end].strip()

    def skip_statement(self) -> None:
        depth = 0
        while self.tok.kind != "eof":
            v = self.tok.value if self.tok.kind == "op" else ""
            if v in ("{", "(", "["):
                depth += 1
            elif v in ("}", ")", "]"):
                depth -= 1
            elif self.tok.kind == "nl" and depth <= 0:
                return
            self.next()

    def resource(self, word: str, parent: str | None) -> Declaration:
        t = self.next()
        name = self.next().value
        type_tok = self.next()
        if type_tok.kind != "str":
            raise BicepError(type_tok.line, f"{word} {name}: expected a type string")
        type_text = type_tok.value[1:-1]
        rtype, _, api = type_text.partition("@")
        existing = False
        if self.at("existing"):
            self.next()
            existing = True
        self.expect("=")
        self.nl()
        cond = None
        if self.at("if"):
            self.next()
            self.expect("(")
            self.nl()
            cond = self.expr()
            self.nl()
            self.expect(")")
            self.nl()
        decl = Declaration(
            word,
            name,
            t.line,
            None,
            type=rtype,
            api_version=api,
            existing=existing,
            condition=cond,
            parent=parent,
        )
        if self.at("{"):
            decl.value = self.object(decl)
        else:  # [for ...] loops and other forms
            start = self.tok.start
            line = self.tok.line
            self.postfix()
            decl.value = Opaque(self.src(start), line, "resource loops are not evaluated")
        return decl

    # ------------------------------------------------------------------ expressions

    def expr(self) -> Expr:
        start, line = self.tok.start, self.tok.line
        cond = self.coalesce()
        if self.at("?"):
            self.next()
            self.nl()
            then = self.expr()
            self.nl()
            self.expect(":")
            self.nl()
            other = self.expr()
            return Ternary(self.src(start), line, cond, then, other)
        return cond

    def coalesce(self) -> Expr:
        return self.binary(0)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("??",),
        ("||",),
        ("&&",),
        ("==", "!=", "=~", "!~"),
        ("<", ">", "<=", ">="),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Expr:
        if level == len(self._LEVELS):
            return self.unary()
        start, line = self.tok.start, self.tok.line
        left = self.binary(level + 1)
        while self.tok.kind == "op" and self.tok.value in self._LEVELS[level]:
            op = self.next().value
            self.nl()
            right = self.binary(level + 1)
            left = Binary(self.src(start), line, op, left, right)
        return left

    def unary(self) -> Expr:
        if self.tok.kind == "op" and self.tok.value in ("!", "-"):
            start, line = self.tok.start, self.tok.line
            op = self.next().value
            operand = self.unary()
            return Unary(self.src(start), line, op, operand)
        return self.postfix()

    def postfix(self) -> Expr:
        start, line = self.tok.start, self.tok.line
        e = self.primary()
        while True:
            if self.at(".") or self.at(".?"):
                safe = self.next().value == ".?"
                name_tok = self.next()
                if self.at("("):  # namespace function: sys.union(...), az.resourceGroup()
                    args = self.arguments()
                    e = Call(self.src(start), line, name_tok.value, args)
                else:
                    e = Member(self.src(start), line, e, name_tok.value, safe)
            elif self.at("::"):
                self.next()
                child = self.next().value
                base = e.name if isinstance(e, Ref) else e.text
                e = Ref(self.src(start), line, f"{base}::{child}")
            elif self.at("[") or self.at("[?"):
                self.next()
                self.nl()
                idx = self.expr()
                self.nl()
                self.expect("]")
                e = Index(self.src(start), line, e, idx)
            elif self.at("!") and self.toks[self.i - 1].end == self.tok.start:
                self.next()  # non-null assertion
            else:
                return e

    def arguments(self) -> tuple[Expr, ...]:
        self.expect("(")
        self.nl()
        args: list[Expr] = []
        while not self.at(")"):
            args.append(self.expr())
            self.nl()
            if self.at(","):
                self.next()
                self.nl()
        self.expect(")")
        return tuple(args)

    def primary(self) -> Expr:
        t = self.tok
        start, line = t.start, t.line
        if t.kind == "str":
            self.next()
            return self.string(t)
        if t.kind == "multi":
            self.next()
            body = t.value[3:-3]
            if body.startswith("\n"):
                body = body[1:]
            return Lit(t.value, line, body)
        if t.kind == "num":
            self.next()
            return Lit(t.value, line, float(t.value) if "." in t.value else int(t.value))
        if t.kind == "name":
            self.next()
            if t.value in ("true", "false"):
                return Lit(t.value, line, t.value == "true")
            if t.value == "null":
                return Lit(t.value, line, None)
            if self.at("=>"):  # lambda x => ...
                self.next()
                self.nl()
                self.expr()
                return Opaque(self.src(start), line, "lambdas are not evaluated")
            if self.at("("):
                args = self.arguments()
                return Call(self.src(start), line, t.value, args)
            return Ref(t.value, line, t.value)
        if self.at("("):
            self.next()
            self.nl()
            if self.at(")"):  # () => lambda
                self.next()
                self.expect("=>")
                self.expr()
                return Opaque(self.src(start), line, "lambdas are not evaluated")
            e = self.expr()
            self.nl()
            while self.at(","):  # (a, b) => lambda parameters
                self.next()
                self.nl()
                self.expr()
            self.expect(")")
            if self.at("=>"):
                self.next()
                self.nl()
                self.expr()
                return Opaque(self.src(start), line, "lambdas are not evaluated")
            return e
        if self.at("{"):
            return self.object(None)
        if self.at("["):
            return self.array()
        raise BicepError(t.line, f"unexpected {t.value or 'end of file'!r}")

    def string(self, t: Tok) -> Expr:
        raw = t.value[1:-1]
        parts: list[str | Expr] = []
        buf: list[str] = []
        i = 0
        while i < len(raw):
            c = raw[i]
            if c == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                buf.append({"n": "\n", "r": "\r", "t": "\t", "$": "$"}.get(nxt, nxt))
                i += 2
                continue
            if raw.startswith("${", i):
                depth, j = 0, i + 2
                while j < len(raw):
                    if raw[j] == "{":
                        depth += 1
                    elif raw[j] == "}":
                        if depth == 0:
                            break
                        depth -= 1
                    j += 1
                if buf:
                    parts.append("".join(buf))
                    buf = []
                inner = raw[i + 2 : j]
                try:
                    sub = _Parser(inner)
                    parts.append(sub.expr())
                except BicepError:
                    parts.append(Opaque(inner, t.line, "interpolation not understood"))
                i = j + 1
                continue
            buf.append(c)
            i += 1
        if buf:
            parts.append("".join(buf))
        if all(isinstance(p, str) for p in parts):
            return Lit(t.value, t.line, "".join(p for p in parts if isinstance(p, str)))
        return Interp(t.value, t.line, tuple(parts))

    def object(self, owner: Declaration | None) -> ObjectLit:
        start, line = self.tok.start, self.tok.line
        self.expect("{")
        entries: list[tuple[str | Expr, Expr, int | None]] = []
        while True:
            self.nl()
            if self.at(","):
                self.next()
                continue
            if self.at("}"):
                self.next()
                return ObjectLit(self.src(start), line, tuple(entries))
            if self.tok.kind == "eof":
                raise BicepError(line, "object is not closed")
            if self.at("@"):
                while self.at("@"):
                    self.next()
                    self.postfix()
                    self.nl()
            if self.at("resource") and self.toks[self.i + 1].kind == "name":
                child = self.resource("resource", owner.name if owner else None)
                if owner is not None:
                    owner.children.append(child)
                continue
            if self.at("..."):
                raise BicepError(self.tok.line, "spread is not supported")
            key_tok = self.next()
            key_line = key_tok.line
            if key_tok.kind == "name":
                key: str | Expr = key_tok.value
            elif key_tok.kind == "str":
                k = self.string(key_tok)
                key = k.value if isinstance(k, Lit) else k
            else:
                raise BicepError(key_tok.line, f"unexpected {key_tok.value!r} in an object")
            self.expect(":")
            self.nl()
            value = self.expr()
            entries.append((key, value, key_line))

    def array(self) -> Expr:
        start, line = self.tok.start, self.tok.line
        self.expect("[")
        self.nl()
        if self.at("for"):
            depth = 1
            while depth and self.tok.kind != "eof":
                if self.at("[") or self.at("[?"):
                    depth += 1
                elif self.at("]"):
                    depth -= 1
                self.next()
            return Opaque(self.src(start), line, "for-expressions are not evaluated")
        items: list[Expr] = []
        while True:
            self.nl()
            if self.at(","):
                self.next()
                continue
            if self.at("]"):
                self.next()
                return ArrayLit(self.src(start), line, tuple(items))
            if self.tok.kind == "eof":
                raise BicepError(line, "array is not closed")
            items.append(self.expr())


def parse(text: str) -> BicepFile:
    """Parse Bicep source; raises BicepError with a line on text it cannot read."""
    try:
        return _Parser(text).file()
    except RecursionError:
        raise BicepError(1, "nested too deeply") from None


# ============================================================================ evaluation


class BicepScope(Scope):
    """Identifiers of one Bicep file: params (with given values), vars, resource and module
    symbols."""

    def __init__(self, bicep: BicepFile, values: Mapping[str, Any]) -> None:
        self.decls: dict[str, Declaration] = {}
        for d in bicep.all():
            self.decls.setdefault(d.name, d)
            if d.parent is not None:
                self.decls.setdefault(f"{d.parent}::{d.name}", d)
        self.values = {k.lower(): v for k, v in values.items()}
        self.evaluator = Evaluator(self)
        self._cache: dict[str, Node] = {}
        self._active: set[str] = set()

    def ref(self, name: str, expr: Expr) -> Node:
        d = self.decls.get(name)
        if d is None:
            return unknown(expr, f"{name} is not declared in this file")
        if d.kind in ("resource", "module"):
            return self._symbol(d, name, expr)
        if d.kind == "output":
            return unknown(expr, "outputs are not evaluated")
        if name in self._cache:
            return self._cache[name]
        if name in self._active:
            return unknown(expr, "refers to itself")
        self._active.add(name)
        try:
            if d.kind == "param":
                if name.lower() in self.values:
                    n = node_from(self.values[name.lower()], ())
                    n.line = d.line
                elif d.value is None:
                    n = unknown(expr, f"parameter {name} has no default value")
                else:
                    n = self.evaluator.eval(d.value)
            else:
                assert d.value is not None
                n = self.evaluator.eval(d.value)
        finally:
            self._active.discard(name)
        self._cache[name] = n
        return n

    def _symbol(self, d: Declaration, name: str, expr: Expr) -> Node:
        """A resource or module symbol: `.id` is known only at deployment (its expression text
        identifies it), `.name` is evaluated, other properties are deployment outputs."""
        line = expr.line
        body = d.value
        props: dict[str, Node] = {
            "id": Node(
                Unknown(f"{name}.id", "a resource id is known only at deployment"), (), line
            ),
            "properties": Node(
                Unknown(f"{name}.properties", "a deployed resource's properties"), (), line
            ),
            "outputs": Node(Unknown(f"{name}.outputs", "a module's outputs"), (), line),
        }
        if isinstance(body, ObjectLit):
            for key, value, _ in body.entries:
                if key == "name":
                    props["name"] = self.evaluator.eval(value)
        return Node(props, (), line)
