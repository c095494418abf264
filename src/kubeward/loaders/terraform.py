"""Terraform (HCL) modules: blocks, attributes with their lines, and expression evaluation.

Files are parsed with python-hcl2 (its Lark parse tree, which keeps positions), turned into the
expression AST of `kubeward.loaders.arm` and evaluated by the same evaluator: literals, `var.x`
(from `terraform.tfvars`, `*.auto.tfvars` or the variable's literal default), `local.x`, pure
functions, and references to other resources' arguments in the same module. Anything that needs
a plan or an apply (resource ids, data sources, module outputs, `count.index`) is an `Unknown`
carrying its source text. Modules called with `module` blocks are not followed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubeward.loaders.arm import (
    FUNCTIONS,
    ArrayLit,
    Binary,
    Call,
    Evaluator,
    Expr,
    Index,
    Interp,
    Lit,
    Member,
    Namespace,
    ObjectLit,
    Opaque,
    Ref,
    Scope,
    Ternary,
    Unary,
    unknown,
)
from kubeward.model.aks import Node, Unknown

try:  # python-hcl2 is a dependency; guard so a broken install gives a clear message
    import hcl2
    from lark import Token, Tree
    from lark.exceptions import LarkError
except ImportError:  # pragma: no cover
    hcl2 = None  # type: ignore[assignment]


class HclError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    file: str = ""

    def block(self, name: str) -> list[Block]:
        return [b for b in self.blocks if b.type == name]


@dataclass
class HclFile:
    name: str
    text: str
    blocks: list[Block]


def parse(name: str, text: str) -> HclFile:
    """One .tf or .tfvars file. Raises HclError (with a line when known) on invalid HCL."""
    if hcl2 is None:  # pragma: no cover
        raise HclError(None, "python-hcl2 is not installed; Terraform files cannot be read")
    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as err:
        line = getattr(err, "line", None)
        raw = " ".join(str(err).split())
        first = raw.split(". Expected")[0].split(" Expected ")[0]
        raise HclError(
            line if isinstance(line, int) and line > 0 else None, f"invalid HCL: {first[:160]}"
        ) from None
    except RecursionError:
        raise HclError(None, "HCL nested too deeply") from None
    conv = _Converter(text, name)
    body = tree.children[0] if tree.children else None
    blocks: list[Block] = []
    top = Block("", (), 1, text.count("\n") + 1, file=name)
    if isinstance(body, Tree):
        conv.body(body, top)
    blocks = top.blocks
    if top.attributes:  # a tfvars file: attributes at top level
        blocks.insert(0, Block("__vars__", (), 1, top.end_line, top.attributes, [], name))
    return HclFile(name, text, blocks)


def _rule(t: Any) -> str:
    return str(t.data) if isinstance(t, Tree) else ""


class _Converter:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file

    def src(self, t: Any) -> str:
        if isinstance(t, Token):
            return str(t)
        meta = getattr(t, "meta", None)
        if meta is None or meta.empty:
            return ""
        return self.text[meta.start_pos : meta.end_pos]

    def line(self, t: Any) -> int:
        if isinstance(t, Token):
            return int(t.line or 0)
        meta = getattr(t, "meta", None)
        return int(meta.line) if meta is not None and not meta.empty else 0

    def end_line(self, t: Any) -> int:
        meta = getattr(t, "meta", None)
        return int(meta.end_line) if meta is not None and not meta.empty else 0

    def body(self, body: Tree[Any], into: Block) -> None:
        for child in body.children:
            kind = _rule(child)
            if kind == "attribute":
                name = self.name(child.children[0])
                expr = self.expr(child.children[-1])
                into.attributes[name] = Attribute(name, expr, self.line(child))
            elif kind == "block":
                parts = [c for c in child.children if isinstance(c, Tree)]
                inner = next(c for c in parts if _rule(c) == "body")
                head = [c for c in parts if c is not inner and _rule(c) != "new_line_or_comment"]
                btype = self.name(head[0])
                labels = tuple(self.label(h) for h in head[1:])
                blk = Block(btype, labels, self.line(child), self.end_line(child), file=self.file)
                self.body(inner, blk)
                into.blocks.append(blk)

    def name(self, t: Any) -> str:
        if isinstance(t, Token):
            return str(t)
        if isinstance(t, Tree):
            if _rule(t) == "string":
                return self.label(t)
            for c in t.children:
                if isinstance(c, Token):
                    return str(c)
                found = self.name(c)
                if found:
                    return found
        return ""

    def label(self, t: Any) -> str:
        if _rule(t) == "string":
            return "".join(
                str(p.children[0])
                for p in t.children
                if _rule(p) == "string_part" and p.children and isinstance(p.children[0], Token)
            )
        return self.name(t)

    # ------------------------------------------------------------------ expressions

    def expr(self, t: Any) -> Expr:
        text, line = self.src(t).strip(), self.line(t)
        kind = _rule(t)
        kids = (
            [c for c in t.children if _rule(c) != "new_line_or_comment"]
            if isinstance(t, Tree)
            else []
        )
        if isinstance(t, Token):
            return Lit(str(t), int(t.line or 0), str(t))
        if kind == "expr_term":
            inner = [c for c in kids if not (isinstance(c, Token) and str(c) in "()")]
            if len(inner) == 1:
                return self.expr(inner[0])
            return Opaque(text, line, "expression not understood")
        if kind == "int_lit":
            return Lit(text, line, int(str(t.children[0])))
        if kind == "float_lit":
            return Lit(text, line, float(str(t.children[0])))
        if kind == "literal_value":
            word = str(t.children[0])
            return Lit(text, line, {"true": True, "false": False}.get(word))
        if kind == "identifier":
            return Ref(text, line, str(t.children[0]))
        if kind == "string":
            parts: list[str | Expr] = []
            for p in t.children:
                if _rule(p) != "string_part":
                    continue
                c = p.children[0]
                if isinstance(c, Token):
                    s = str(c)
                    if s.startswith("$${"):
                        s = s[1:]
                    parts.append(_unescape(s))
                elif _rule(c) == "interpolation":
                    inner = [x for x in c.children if isinstance(x, Tree)]
                    parts.append(self.expr(inner[0]) if inner else Lit("", line, ""))
                else:
                    return Opaque(text, line, "template directives are not evaluated")
            if all(isinstance(p, str) for p in parts):
                return Lit(text, line, "".join(p for p in parts if isinstance(p, str)))
            if len(parts) == 1 and isinstance(parts[0], Expr):
                return parts[0]
            return Interp(text, line, tuple(parts))
        if kind in ("heredoc_template", "heredoc_template_trim"):
            body = str(t.children[0])
            lines = body.split("\n")[1:-1]
            return Lit(text, line, "\n".join(lines[:-1]) + "\n" if lines else "")
        if kind == "tuple":
            items = [self.expr(c) for c in kids if isinstance(c, Tree)]
            return ArrayLit(text, line, tuple(items))
        if kind == "object":
            entries: list[tuple[str | Expr, Expr, int | None]] = []
            for elem in kids:
                if _rule(elem) != "object_elem":
                    continue
                parts_ = [c for c in elem.children if isinstance(c, Tree)]
                key_t, value_t = parts_[0], parts_[-1]
                key_e = self.expr(key_t.children[0]) if key_t.children else Lit("", line, "")
                key: str | Expr
                if isinstance(key_e, Ref):
                    key = key_e.name
                elif isinstance(key_e, Lit) and isinstance(key_e.value, str):
                    key = key_e.value
                else:
                    key = key_e
                entries.append((key, self.expr(value_t), self.line(elem)))
            return ObjectLit(text, line, tuple(entries))
        if kind == "function_call":
            name = self.name(t.children[0])
            args_t = next((c for c in kids if _rule(c) == "arguments"), None)
            args = (
                tuple(
                    self.expr(c)
                    for c in args_t.children
                    if isinstance(c, Tree) and _rule(c) != "new_line_or_comment"
                )
                if args_t is not None
                else ()
            )
            return Call(text, line, name, args)
        if kind == "get_attr_expr_term":
            obj = self.expr(kids[0])
            attr = self.name(kids[1].children[-1])
            return Member(text, line, obj, attr)
        if kind == "index_expr_term":
            obj = self.expr(kids[0])
            idx_t = kids[1]
            if _rule(idx_t) == "short_index":
                idx: Expr = Lit(text, line, int(str(idx_t.children[-1])))
            else:
                inner = [
                    c
                    for c in idx_t.children
                    if isinstance(c, Tree) and _rule(c) != "new_line_or_comment"
                ]
                idx = self.expr(inner[0])
            return Index(text, line, obj, idx)
        if kind == "conditional":
            terms = [c for c in kids if isinstance(c, Tree)]
            return Ternary(
                text, line, self.expr(terms[0]), self.expr(terms[1]), self.expr(terms[2])
            )
        if kind == "binary_op":
            left = self.expr(kids[0])
            term = kids[1]
            op_t = next(c for c in term.children if _rule(c) == "binary_operator")
            right_t = [
                c
                for c in term.children
                if isinstance(c, Tree) and c is not op_t and _rule(c) != "new_line_or_comment"
            ][-1]
            return Binary(text, line, str(op_t.children[0]), left, self.expr(right_t))
        if kind == "unary_op":
            op = str(t.children[0])
            return Unary(text, line, op, self.expr(t.children[1]))
        if kind in ("for_tuple_expr", "for_object_expr"):
            return Opaque(text, line, "for-expressions are not evaluated")
        if kind in ("attr_splat_expr_term", "full_splat_expr_term"):
            return Opaque(text, line, "splat expressions are not evaluated")
        return Opaque(text, line, "expression not understood")


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s
    out: list[str] = []
    i = 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append(
                {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(s[i + 1], s[i + 1])
            )
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


# ============================================================================ modules


@dataclass
class Module:
    """The .tf files of one directory, with its variable values."""

    directory: str
    files: list[HclFile]
    tfvars: dict[str, tuple[Expr, str]]  # variable -> (value, file) from *.tfvars
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)

    def blocks(self, btype: str) -> list[Block]:
        return [b for f in self.files for b in f.blocks if b.type == btype]

    def resources(self, rtype: str) -> list[Block]:
        return [b for b in self.blocks("resource") if b.labels[:1] == (rtype,)]


def load_module(directory: str, only: list[str] | None = None) -> Module:
    """Parse the module's .tf files (or only the given ones) and its automatic tfvars files.
    Files that cannot be read or parsed become problems (file, line, message)."""
    names: list[str]
    if only is not None:
        names = only
    else:
        try:
            entries = sorted(os.listdir(directory or "."))
        except OSError as err:
            return Module(
                directory, [], {}, [(directory, None, (err.strerror or str(err)).lower())]
            )
        names = [os.path.join(directory, e) for e in entries if e.endswith(".tf")]
    module = Module(directory, [], {})
    for name in names:
        parsed = _parse_file(name, module)
        if parsed is not None:
            module.files.append(parsed)
    var_files: list[str] = []
    try:
        entries = sorted(os.listdir(directory or "."))
    except OSError:
        entries = []
    if "terraform.tfvars" in entries:
        var_files.append("terraform.tfvars")
    var_files += [e for e in entries if e.endswith(".auto.tfvars")]
    for vf in var_files:
        parsed = _parse_file(os.path.join(directory, vf), module)
        if parsed is None:
            continue
        for b in parsed.blocks:
            if b.type == "__vars__":
                for a in b.attributes.values():
                    module.tfvars[a.name] = (a.expr, parsed.name)
    return module


def _parse_file(name: str, module: Module) -> HclFile | None:
    try:
        with open(name, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as err:
        msg = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        module.problems.append((name, None, f"cannot read: {msg.lower()}"))
        return None
    try:
        return parse(name, text)
    except HclError as err:
        module.problems.append((name, err.line, err.message))
        return None


TF_FUNCTIONS = dict(FUNCTIONS)
TF_FUNCTIONS.update(
    {
        "lower": FUNCTIONS["tolower"],
        "upper": FUNCTIONS["toupper"],
        "merge": FUNCTIONS["union"],
        "tobool": FUNCTIONS["bool"],
        "tostring": FUNCTIONS["string"],
        "tonumber": FUNCTIONS["int"],
        "tolist": FUNCTIONS["array"],
        "toset": FUNCTIONS["array"],
    }
)


class ModuleScope(Scope):
    """var.*, local.* and references to resources of one module."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.evaluator = Evaluator(self, TF_FUNCTIONS)
        self._vars = {b.labels[0]: b for b in module.blocks("variable") if b.labels}
        self._locals: dict[str, Attribute] = {}
        for b in module.blocks("locals"):
            self._locals.update(b.attributes)
        self._resources: dict[tuple[str, str], Block] = {
            (b.labels[0], b.labels[1]): b for b in module.blocks("resource") if len(b.labels) >= 2
        }
        self._cache: dict[str, Node] = {}
        self._active: set[str] = set()

    def ref(self, name: str, expr: Expr) -> Node:
        if name == "var":
            return self._namespace(expr, "var", self._var)
        if name == "local":
            return self._namespace(expr, "local", self._local)
        if name in ("data", "module", "count", "each", "path", "terraform", "self"):
            return unknown(expr, f"{name}.* is known only at plan or apply time")
        types = {t for t, _ in self._resources}
        if name in types:
            return self._namespace(expr, name, lambda n, e: self._resource(name, n, e))
        return unknown(expr, f"{name} is not declared in this module")

    def _namespace(self, expr: Expr, prefix: str, get: Any) -> Node:
        """An object whose members are resolved lazily: var.x, local.y, azurerm_subnet.z."""
        return Node(_Lazy(prefix, get), (), expr.line)

    def _var(self, name: str, expr: Expr) -> Node:
        key = f"var.{name}"
        if key in self._cache:
            return self._cache[key]
        if name in self.module.tfvars:
            n = self._eval_guarded(key, self.module.tfvars[name][0], expr)
        else:
            block = self._vars.get(name)
            if block is None:
                return unknown(expr, f"variable {name} is not declared")
            default = block.attributes.get("default")
            if default is None:
                return unknown(expr, f"variable {name} has no default value")
            n = self._eval_guarded(key, default.expr, expr)
        self._cache[key] = n
        return n

    def _local(self, name: str, expr: Expr) -> Node:
        key = f"local.{name}"
        if key in self._cache:
            return self._cache[key]
        attr = self._locals.get(name)
        if attr is None:
            return unknown(expr, f"local {name} is not declared")
        n = self._eval_guarded(key, attr.expr, expr)
        self._cache[key] = n
        return n

    def _resource(self, rtype: str, name: str, expr: Expr) -> Node:
        block = self._resources.get((rtype, name))
        if block is None:
            return unknown(expr, f"{rtype}.{name} is not declared in this module")
        return Node(
            _Lazy(f"{rtype}.{name}", lambda attr, e: self._attr(block, attr, e)), (), expr.line
        )

    def _attr(self, block: Block, attr: str, expr: Expr) -> Node:
        label = ".".join(block.labels)
        if attr == "id" or attr not in block.attributes:
            return Node(Unknown(f"{label}.{attr}", "known only after apply"), (), expr.line)
        return self._eval_guarded(f"{label}.{attr}", block.attributes[attr].expr, expr)

    def _eval_guarded(self, key: str, e: Expr, at: Expr) -> Node:
        if key in self._active:
            return unknown(at, "refers to itself")
        self._active.add(key)
        try:
            return self.evaluator.eval(e)
        finally:
            self._active.discard(key)

    def eval(self, e: Expr) -> Node:
        return self.evaluator.eval(e)


class _Lazy(Namespace):
    """A namespace (var, local, a resource) whose members are evaluated on access."""

    def __init__(self, prefix: str, get: Any) -> None:
        self.prefix = prefix
        self.get_member = get

    def member(self, name: str, expr: Expr) -> Node:
        return self.get_member(name, expr)  # type: ignore[no-any-return]


def literal_text(e: Expr) -> str:
    return e.text


def first_label(b: Block) -> str:
    return b.labels[1] if len(b.labels) > 1 else (b.labels[0] if b.labels else b.type)


def attributes_of(b: Block) -> Mapping[str, Attribute]:
    return b.attributes
