"""ARM template expressions, and the evaluator Bicep shares.

Templates compute values with expressions (`[parameters('x')]`, `[if(...)]`, `[union(...)]`).
kubeward evaluates what is decidable from the file alone: literals, parameters with literal
defaults (or values from a parameters file), variables, and pure functions (`if`, `union`,
`concat`, `empty`, `equals`, `not`, ...). Anything that needs the deployment (resource ids,
`reference()`, `resourceGroup()`, `uniqueString()`, parameters without a value) becomes an
`Unknown` carrying the expression's text: rules report such fields as not evaluated, they are
never guessed.

When a condition is unknown, `if(c, a, b)` and `c ? a : b` keep what both branches agree on
(for objects, key by key) and mark the rest unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.model.aks import Node, Unknown, node_from

# ============================================================================ AST


@dataclass(frozen=True, slots=True)
class Expr:
    text: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Lit(Expr):
    value: Any


@dataclass(frozen=True, slots=True)
class Ref(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Member(Expr):
    obj: Expr
    name: str
    safe: bool = False


@dataclass(frozen=True, slots=True)
class Index(Expr):
    obj: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Ternary(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class ObjectLit(Expr):
    entries: tuple[tuple[str | Expr, Expr, int | None], ...]  # key, value, line of the key


@dataclass(frozen=True, slots=True)
class ArrayLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Interp(Expr):
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class Opaque(Expr):
    """A construct kubeward does not evaluate (for-expressions, lambdas)."""

    reason: str


# ============================================================================ values


def unknown(expr: Expr, reason: str) -> Node:
    return Node(Unknown(expr.text, reason), (), expr.line)


def is_unknown(n: Node) -> bool:
    return isinstance(n.value, Unknown)


def plain(n: Node) -> Any:
    return n.plain()


def truthy_known(n: Node) -> bool | None:
    v = n.value
    if isinstance(v, Unknown):
        return None
    if isinstance(v, bool):
        return v
    return None


def contains_unknown(n: Node) -> bool:
    v = n.value
    if isinstance(v, Unknown):
        return True
    if isinstance(v, dict):
        return any(contains_unknown(c) for c in v.values())
    if isinstance(v, list):
        return any(contains_unknown(c) for c in v)
    return False


def join(a: Node, b: Node, expr: Expr) -> Node:
    """What two branches of an unknown condition agree on."""
    if not contains_unknown(a) and not contains_unknown(b) and a.plain() == b.plain():
        return a
    if isinstance(a.value, dict) and isinstance(b.value, dict):
        out: dict[str, Node] = {}
        for k in {**a.value, **b.value}:
            ca, cb = a.value.get(k), b.value.get(k)
            if ca is None or cb is None:
                present = ca or cb
                assert present is not None
                out[k] = Node(
                    Unknown(expr.text, "set only when the condition holds"), (), present.line
                )
            else:
                out[k] = join(ca, cb, expr)
        return Node(out, (), expr.line)
    return Node(Unknown(expr.text, "depends on a condition kubeward cannot decide"), (), expr.line)


def merge(a: Node, b: Node) -> Node:
    """union() of two objects: deep merge, later values win."""
    if isinstance(a.value, dict) and isinstance(b.value, dict):
        out = dict(a.value)
        for k, v in b.value.items():
            out[k] = merge(out[k], v) if k in out else v
        return Node(out, (), a.line)
    return b


# ============================================================================ evaluator


class Scope:
    """Names an expression can refer to. Subclasses resolve ARM's parameters()/variables() or
    Bicep's identifiers."""

    def parameter(self, name: str, expr: Expr) -> Node:
        return unknown(expr, f"parameter {name} is not known")

    def variable(self, name: str, expr: Expr) -> Node:
        return unknown(expr, f"variable {name} is not known")

    def ref(self, name: str, expr: Expr) -> Node:
        return unknown(expr, f"{name} is not known")


DEPLOYMENT_FUNCTIONS = frozenset(
    {
        "resourceid",
        "subscriptionresourceid",
        "tenantresourceid",
        "extensionresourceid",
        "managementgroupresourceid",
        "reference",
        "resourcegroup",
        "subscription",
        "tenant",
        "managementgroup",
        "deployment",
        "environment",
        "uniquestring",
        "guid",
        "newguid",
        "utcnow",
        "listkeys",
        "listsecrets",
        "list",
        "pickzones",
        "providers",
        "getsecret",
        "loadtextcontent",
        "loadfileasbase64",
        "loadjsoncontent",
        "loadyamlcontent",
        "externalinput",
        "readenvironmentvariable",
        "deployer",
    }
)


class Namespace:
    """An object whose members are resolved on access (Terraform's var, local, resources)."""

    def member(self, name: str, expr: Expr) -> Node:
        raise NotImplementedError


class Evaluator:
    def __init__(
        self,
        scope: Scope,
        functions: Mapping[str, Callable[[Expr, list[Node]], Node]] | None = None,
    ) -> None:
        self.scope = scope
        self.functions = functions if functions is not None else FUNCTIONS

    def eval(self, e: Expr) -> Node:
        try:
            return self._eval(e)
        except RecursionError:
            return unknown(e, "nested too deeply")

    def _eval(self, e: Expr) -> Node:
        if isinstance(e, Lit):
            return Node(e.value, (), e.line)
        if isinstance(e, ObjectLit):
            out: dict[str, Node] = {}
            for key, value, line in e.entries:
                k = key if isinstance(key, str) else self._eval(key).value
                if not isinstance(k, str):
                    return unknown(e, "an object key is computed")
                v = self._eval(value)
                if v.line is None or not isinstance(value, Ref | Call | Member | Index):
                    v = Node(v.value, (), line if line is not None else v.line)
                out[k.lower()] = _keyed(v, k)
            return Node(out, (), e.line)
        if isinstance(e, ArrayLit):
            return Node([self._eval(i) for i in e.items], (), e.line)
        if isinstance(e, Interp):
            parts: list[str] = []
            for p in e.parts:
                if isinstance(p, str):
                    parts.append(p)
                    continue
                v = self._eval(p)
                if isinstance(v.value, Unknown):
                    return Node(Unknown(e.text, v.value.reason), (), e.line)
                parts.append(_text(v.value))
            return Node("".join(parts), (), e.line)
        if isinstance(e, Ref):
            return _used_at(self.scope.ref(e.name, e), e)
        if isinstance(e, Member):
            obj = self._eval(e.obj)
            if isinstance(obj.value, Unknown):
                return Node(Unknown(e.text, obj.value.reason), (), e.line)
            if isinstance(obj.value, Namespace):
                return obj.value.member(e.name, e)
            if isinstance(obj.value, dict):
                found = obj.value.get(e.name.lower())
                if found is None:
                    if e.safe:
                        return Node(None, (), e.line)
                    return unknown(e, f"no property {e.name}")
                return found if isinstance(found, Node) else unknown(e, "not a value")
            return unknown(e, f"{e.obj.text} has no properties")
        if isinstance(e, Index):
            obj, idx = self._eval(e.obj), self._eval(e.index)
            for n in (obj, idx):
                if isinstance(n.value, Unknown):
                    return Node(Unknown(e.text, n.value.reason), (), e.line)
            if isinstance(obj.value, list) and isinstance(idx.value, int):
                if 0 <= idx.value < len(obj.value):
                    item = obj.value[idx.value]
                    return item if isinstance(item, Node) else Node(item, (), e.line)
                return unknown(e, "index out of range")
            if isinstance(obj.value, dict) and isinstance(idx.value, str):
                found = obj.value.get(idx.value.lower())
                return found if found is not None else unknown(e, f"no property {idx.value}")
            return unknown(e, "cannot index this value")
        if isinstance(e, Ternary):
            return self._if(e, e.cond, e.then, e.other)
        if isinstance(e, Unary):
            v = self._eval(e.operand)
            if isinstance(v.value, Unknown):
                return Node(Unknown(e.text, v.value.reason), (), e.line)
            if e.op == "!" and isinstance(v.value, bool):
                return Node(not v.value, (), e.line)
            if e.op == "-" and isinstance(v.value, int | float):
                return Node(-v.value, (), e.line)
            return unknown(e, f"cannot apply {e.op}")
        if isinstance(e, Binary):
            return self._binary(e)
        if isinstance(e, Call):
            return self._call(e)
        if isinstance(e, Opaque):
            return unknown(e, e.reason)
        return unknown(e, "not evaluated")

    def _if(self, e: Expr, cond: Expr, then: Expr, other: Expr) -> Node:
        c = self._eval(cond)
        if isinstance(c.value, bool):
            return self._eval(then if c.value else other)
        a, b = self._eval(then), self._eval(other)
        return join(a, b, e)

    def _binary(self, e: Binary) -> Node:
        if e.op in ("&&", "||"):
            left = self._eval(e.left)
            lv = left.value
            if isinstance(lv, bool) and ((e.op == "&&" and not lv) or (e.op == "||" and lv)):
                return Node(lv, (), e.line)
            right = self._eval(e.right)
            rv = right.value
            if isinstance(rv, bool) and ((e.op == "&&" and not rv) or (e.op == "||" and rv)):
                return Node(rv, (), e.line)
            if isinstance(lv, bool) and isinstance(rv, bool):
                return Node(lv and rv if e.op == "&&" else lv or rv, (), e.line)
            return unknown(e, "depends on a value kubeward cannot decide")
        if e.op == "??":
            left = self._eval(e.left)
            if left.value is None:
                return self._eval(e.right)
            return left
        left, right = self._eval(e.left), self._eval(e.right)
        for n in (left, right):
            if isinstance(n.value, Unknown):
                return Node(Unknown(e.text, n.value.reason), (), e.line)
        lv, rv = left.plain(), right.plain()
        try:
            result = _BINARY[e.op](lv, rv)
        except (KeyError, TypeError, ZeroDivisionError):
            return unknown(e, f"cannot apply {e.op}")
        return Node(result, (), e.line)

    def _call(self, e: Call) -> Node:
        name = e.name.lower()
        if name == "if" and len(e.args) == 3:
            return self._if(e, *e.args)
        if name == "parameters" and len(e.args) == 1:
            n = self._eval(e.args[0])
            if isinstance(n.value, str):
                return _used_at(self.scope.parameter(n.value, e), e)
            return unknown(e, "parameter name is computed")
        if name == "variables" and len(e.args) == 1:
            n = self._eval(e.args[0])
            if isinstance(n.value, str):
                return _used_at(self.scope.variable(n.value, e), e)
            return unknown(e, "variable name is computed")
        if name in DEPLOYMENT_FUNCTIONS:
            return unknown(e, f"{e.name}() is known only at deployment")
        fn = self.functions.get(name)
        if fn is None:
            return unknown(e, f"function {e.name}() is not evaluated by kubeward")
        args = [self._eval(a) for a in e.args]
        if name in ("union", "coalesce", "createobject", "createarray", "array", "concat"):
            return fn(e, args)
        for a in args:
            if contains_unknown(a):
                reason = a.value.reason if isinstance(a.value, Unknown) else "part is unknown"
                return Node(Unknown(e.text, reason), (), e.line)
        try:
            return fn(e, args)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):
            return unknown(e, f"{e.name}() could not be evaluated on these arguments")


def _used_at(n: Node, e: Expr) -> Node:
    """A value read through a name: a plain value is reported where the name is used; an
    object's or list's members keep the lines where they are written."""
    if isinstance(n.value, dict | list):
        return n
    return Node(n.value, n.path, e.line if e.line is not None else n.line)


def _keyed(n: Node, key: str) -> Node:
    """Remember the key's own spelling for paths (object keys are stored lower-cased)."""
    n2 = Node(n.value, (key,), n.line)
    return n2


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, dict | list):
        return json.dumps(v)
    return str(v)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "=~": lambda a, b: str(a).lower() == str(b).lower(),
    "!~": lambda a, b: str(a).lower() != str(b).lower(),
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a // b,
    "%": lambda a, b: a % b,
}


def _lit(e: Expr, value: Any) -> Node:
    if isinstance(value, dict | list):
        n = node_from(value, ())
        n.line = e.line
        return n
    return Node(value, (), e.line)


def _f_union(e: Expr, args: list[Node]) -> Node:
    if not args:
        return unknown(e, "union() needs arguments")
    if all(isinstance(a.value, list) for a in args):
        seen: list[Any] = []
        out: list[Node] = []
        for a in args:
            for item in a.value:
                if contains_unknown(item):
                    return unknown(e, "part is unknown")
                if item.plain() not in seen:
                    seen.append(item.plain())
                    out.append(item)
        return Node(out, (), e.line)
    result: Node | None = None
    for a in args:
        if isinstance(a.value, Unknown):
            return Node(Unknown(e.text, a.value.reason), (), e.line)
        if not isinstance(a.value, dict):
            return unknown(e, "union() of values that are not objects")
        result = a if result is None else merge(result, a)
    assert result is not None
    return Node(result.value, (), e.line)


def _f_coalesce(e: Expr, args: list[Node]) -> Node:
    for a in args:
        if isinstance(a.value, Unknown):
            return Node(Unknown(e.text, a.value.reason), (), e.line)
        if a.value is not None:
            return a
    return _lit(e, None)


def _f_createobject(e: Expr, args: list[Node]) -> Node:
    out: dict[str, Node] = {}
    for i in range(0, len(args) - 1, 2):
        k = args[i].value
        if not isinstance(k, str):
            return unknown(e, "object key is computed")
        out[k.lower()] = Node(args[i + 1].value, (k,), args[i + 1].line)
    return Node(out, (), e.line)


def _f_empty(e: Expr, args: list[Node]) -> Node:
    v = args[0].value
    return _lit(e, v is None or (isinstance(v, str | list | dict) and len(v) == 0))


def _f_json(e: Expr, args: list[Node]) -> Node:
    n = node_from(json.loads(args[0].value), ())
    n.line = e.line
    return n


def _f_bool(e: Expr, args: list[Node]) -> Node:
    v = args[0].value
    if isinstance(v, str):
        return _lit(e, v.lower() == "true")
    return _lit(e, bool(v))


def _f_contains(e: Expr, args: list[Node]) -> Node:
    container, item = args[0].plain(), args[1].plain()
    if isinstance(container, dict):
        return _lit(e, str(item).lower() in container)
    if isinstance(container, str):
        return _lit(e, str(item) in container)
    return _lit(e, item in container)


def _f_format(e: Expr, args: list[Node]) -> Node:
    fmt = args[0].value
    values = [_text(a.plain()) for a in args[1:]]
    return _lit(e, re.sub(r"\{(\d+)\}", lambda m: values[int(m.group(1))], fmt))


def _f_array(e: Expr, args: list[Node]) -> Node:
    v = args[0]
    if isinstance(v.value, list):
        return v
    return Node([v], (), e.line)


def _f_createarray(e: Expr, args: list[Node]) -> Node:
    return Node(list(args), (), e.line)


def _f_concat(e: Expr, args: list[Node]) -> Node:
    """concat() of arrays keeps their items (known or not); of strings, joins them."""
    if args and all(isinstance(a.value, list) for a in args):
        return Node([item for a in args for item in a.value], (), e.line)
    for a in args:
        if contains_unknown(a):
            reason = a.value.reason if isinstance(a.value, Unknown) else "part is unknown"
            return Node(Unknown(e.text, reason), (), e.line)
    return _lit(e, "".join(_text(a.plain()) for a in args))


def _plain_fn(fn: Callable[..., Any]) -> Callable[[Expr, list[Node]], Node]:
    def run(e: Expr, args: list[Node]) -> Node:
        return _lit(e, fn(*[a.plain() for a in args]))

    return run


FUNCTIONS: dict[str, Callable[[Expr, list[Node]], Node]] = {
    "union": _f_union,
    "coalesce": _f_coalesce,
    "createobject": _f_createobject,
    "createarray": _f_createarray,
    "array": _f_array,
    "empty": _f_empty,
    "json": _f_json,
    "bool": _f_bool,
    "contains": _f_contains,
    "format": _f_format,
    "equals": _plain_fn(lambda a, b: a == b),
    "not": _plain_fn(lambda a: not a),
    "and": _plain_fn(lambda *a: all(a)),
    "or": _plain_fn(lambda *a: any(a)),
    "less": _plain_fn(lambda a, b: a < b),
    "lessorequals": _plain_fn(lambda a, b: a <= b),
    "greater": _plain_fn(lambda a, b: a > b),
    "greaterorequals": _plain_fn(lambda a, b: a >= b),
    "concat": _f_concat,
    "string": _plain_fn(_text),
    "int": _plain_fn(int),
    "tolower": _plain_fn(lambda s: s.lower()),
    "toupper": _plain_fn(lambda s: s.upper()),
    "length": _plain_fn(len),
    "first": _plain_fn(lambda v: v[0] if v else None),
    "last": _plain_fn(lambda v: v[-1] if v else None),
    "null": _plain_fn(lambda: None),
    "true": _plain_fn(lambda: True),
    "false": _plain_fn(lambda: False),
    "startswith": _plain_fn(lambda a, b: a.lower().startswith(b.lower())),
    "endswith": _plain_fn(lambda a, b: a.lower().endswith(b.lower())),
    "replace": _plain_fn(lambda s, a, b: s.replace(a, b)),
    "split": _plain_fn(
        lambda s, d: s.split(d) if isinstance(d, str) else re.split("|".join(map(re.escape, d)), s)
    ),
    "join": _plain_fn(lambda v, d: d.join(_text(x) for x in v)),
    "take": _plain_fn(lambda v, n: v[:n]),
    "skip": _plain_fn(lambda v, n: v[n:]),
    "min": _plain_fn(lambda *a: min(a[0]) if len(a) == 1 else min(a)),
    "max": _plain_fn(lambda *a: max(a[0]) if len(a) == 1 else max(a)),
    "add": _plain_fn(lambda a, b: a + b),
    "sub": _plain_fn(lambda a, b: a - b),
    "mul": _plain_fn(lambda a, b: a * b),
    "div": _plain_fn(lambda a, b: a // b),
    "mod": _plain_fn(lambda a, b: a % b),
    "trim": _plain_fn(lambda s: s.strip()),
    "range": _plain_fn(lambda a, n: list(range(a, a + n))),
}


# ============================================================================ ARM expressions


class ParseError(ValueError):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w]*)"
    r"|(?P<punct>[(),.\[\]]))"
)


def parse_arm(text: str, line: int | None) -> Expr:
    """An ARM template expression (the text inside the outer brackets)."""
    tokens: list[tuple[str, str]] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ParseError(f"unexpected {text[pos : pos + 10]!r}")
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
        spans.append((m.start(kind), m.end()))
        pos = m.end()
    parser = _ArmParser(tokens, text, line)
    parser.spans = spans
    e = parser.expr()
    if parser.i != len(tokens):
        raise ParseError("trailing text")
    return e


class _ArmParser:
    def __init__(self, tokens: list[tuple[str, str]], text: str, line: int | None) -> None:
        self.tokens, self.text, self.line, self.i = tokens, text, line, 0
        self.spans: list[tuple[int, int]] = []

    def since(self, start: int) -> str:
        """Source text from token `start` to the last token taken."""
        if not self.spans:
            return ""
        return self.text[self.spans[start][0] : self.spans[self.i - 1][1]]

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ParseError(f"expected {value or 'more'}")
        self.i += 1
        return tok

    def expr(self) -> Expr:
        first = self.i
        tok = self.take()
        kind, value = tok
        e: Expr
        if kind == "str":
            e = Lit(value, self.line, value[1:-1].replace("''", "'"))
        elif kind == "num":
            e = Lit(value, self.line, float(value) if "." in value else int(value))
        elif kind == "name":
            self.take("(")
            args: list[Expr] = []
            if self.peek() != ("punct", ")"):
                args.append(self.expr())
                while self.peek() == ("punct", ","):
                    self.take(",")
                    args.append(self.expr())
            self.take(")")
            e = Call(self.since(first), self.line, value, tuple(args))
        else:
            raise ParseError(f"unexpected {value!r}")
        while True:
            nxt = self.peek()
            if nxt == ("punct", "."):
                self.take(".")
                _, name = self.take()
                e = Member(self.since(first), self.line, e, name)
            elif nxt == ("punct", "["):
                self.take("[")
                idx = self.expr()
                self.take("]")
                e = Index(self.since(first), self.line, e, idx)
            else:
                return e


def arm_expression(value: Any) -> str | None:
    """The expression inside a template string value, or None for a literal string."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        if value.startswith("[["):
            return None
        return value[1:-1]
    return None


# ============================================================================ templates


@dataclass
class TemplateScope(Scope):
    """parameters() and variables() of one ARM template."""

    parameters: Mapping[str, Any]
    variables: Mapping[str, Any]
    values: Mapping[str, Any]  # from a parameters file: name -> value
    line_of: Callable[[tuple[Any, ...]], int | None]
    evaluator: Evaluator | None = None
    _vars: dict[str, Node] = field(default_factory=dict)
    _params: dict[str, Node] = field(default_factory=dict)
    _active: set[str] = field(default_factory=set)

    def ev(self) -> Evaluator:
        if self.evaluator is None:
            self.evaluator = Evaluator(self)
        return self.evaluator

    def parameter(self, name: str, expr: Expr) -> Node:
        key = name.lower()
        if key in self._params:
            return self._params[key]
        declared = {k.lower(): (k, v) for k, v in self.parameters.items()}.get(key)
        if declared is None:
            return unknown(expr, f"parameter {name} is not declared")
        given = {k.lower(): v for k, v in self.values.items()}
        if key in given:
            n = node_from(given[key], ())
            n.line = expr.line
        else:
            decl = declared[1] if isinstance(declared[1], Mapping) else {}
            if "defaultValue" not in decl:
                return unknown(expr, f"parameter {name} has no default value")
            if key in self._active:
                return unknown(expr, "refers to itself")
            self._active.add(key)
            n = self.value(decl["defaultValue"], ("parameters", declared[0], "defaultValue"))
            self._active.discard(key)
        self._params[key] = n
        return n

    def variable(self, name: str, expr: Expr) -> Node:
        key = name.lower()
        if key in self._vars:
            return self._vars[key]
        declared = {k.lower(): k for k in self.variables}.get(key)
        if declared is None:
            return unknown(expr, f"variable {name} is not declared")
        if key in self._active:
            return unknown(expr, "refers to itself")
        self._active.add(key)
        n = self.value(self.variables[declared], ("variables", declared))
        self._active.discard(key)
        self._vars[key] = n
        return n

    def value(self, raw: Any, path: tuple[Any, ...]) -> Node:
        """A template value: JSON, where strings in brackets are expressions."""
        line = self.line_of(path)
        text = arm_expression(raw)
        if text is not None:
            try:
                e = parse_arm(text, line)
            except ParseError as err:
                return Node(Unknown(raw, f"not a valid template expression: {err}"), (), line)
            return self.ev().eval(e)
        if isinstance(raw, Mapping):
            if "copy" in raw and isinstance(raw.get("copy"), list):
                return Node(Unknown("copy", "property loops are not evaluated"), (), line)
            return Node(
                {
                    str(k).lower(): _keyed(self.value(v, (*path, str(k))), str(k))
                    for k, v in raw.items()
                },
                (),
                line,
            )
        if isinstance(raw, list):
            return Node([self.value(v, (*path, i)) for i, v in enumerate(raw)], (), line)
        if isinstance(raw, str) and raw.startswith("[["):
            return Node(raw[1:], (), line)
        return Node(raw, (), line)


def resources_of(template: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """(path, resource) of a template's resources; languageVersion 2.0 keeps them in an object
    keyed by symbolic name."""
    res = template.get("resources")
    out: list[tuple[tuple[Any, ...], Mapping[str, Any]]] = []
    if isinstance(res, list):
        out = [(("resources", i), r) for i, r in enumerate(res) if isinstance(r, Mapping)]
    elif isinstance(res, Mapping):
        out = [(("resources", k), r) for k, r in res.items() if isinstance(r, Mapping)]
    nested: list[tuple[tuple[Any, ...], Mapping[str, Any]]] = []
    for path, r in out:  # child resources declared inside their parent
        kids = r.get("resources")
        if isinstance(kids, list):
            parent_type = str(r.get("type", ""))
            for j, kid in enumerate(kids):
                if isinstance(kid, Mapping):
                    t = str(kid.get("type", ""))
                    full = t if "/" in t and t.count("/") > 1 else f"{parent_type}/{t}"
                    nested.append(((*path, "resources", j), {**kid, "type": full}))
    return out + nested


def is_template(data: Any) -> bool:
    if not isinstance(data, Mapping):
        return False
    schema = str(data.get("$schema", ""))
    return "deploymentTemplate" in schema or (
        "resources" in data and "contentVersion" in data and "parameters" not in schema
    )


def is_parameters_file(data: Any) -> bool:
    return isinstance(data, Mapping) and "deploymentParameters" in str(data.get("$schema", ""))


def parameter_values(data: Mapping[str, Any]) -> dict[str, Any]:
    params = data.get("parameters")
    out: dict[str, Any] = {}
    if isinstance(params, Mapping):
        for k, v in params.items():
            if isinstance(v, Mapping) and "value" in v:
                out[str(k)] = v["value"]
    return out
