#!/usr/bin/env python3
"""The layer check: the modules of each crate, what each imports, and the house's rules.

Fails when
  1. modules of one crate import each other in a circle (between crates Cargo refuses them);
  2. an import goes against the direction of the layers (RULES below): domain <- store <-
     use cases (`usecases/`) <- adapters (pages' server functions, the API, the command line);
     pages never import other pages, and nothing below the adapters imports them.

How it reads a crate: from its root (`lib.rs`, `main.rs`) it follows `mod x;` declarations to
files, and inline `mod x { ... }` blocks by their braces, as rustc does. Comments, strings and
characters are blanked first, so that braces inside them do not count. Whatever is gated by
`#[cfg(test)]` (a test module anywhere in a file, a test-only `use` or function) is left out.
A module depends on another when it names it: a path from `crate::`, `super::` or `self::`, a
path through a child module or a name brought in by `use` (use trees `{a, b::c}` expanded,
`as` renames followed). A child naming its own ancestors is not counted: a feature folder's
parts use the folder's types.
Usage: check_layers.py DIR [DIR...] (each the `src` of one crate); `--self-test` checks the
reader on small examples."""
import os
import re
import sys

# (crate directory, module of the importer, module imported, why): an import from a module at or
# under the first prefix of a module at or under the second is refused. "*" stands for "the
# importer's sibling under the same parent", for the rule that pages never import pages.
RULES = [
    ("src", "pages::*", "pages::*", "a page never imports another page (shared parts live in components)"),
    ("src", "components", "pages", "components are below the pages"),
    ("src", "components", "api", "components are below the adapters"),
    ("src", "api", "pages", "the API and the pages are both adapters: neither uses the other"),
    ("src", "pages", "api", "the API and the pages are both adapters: neither uses the other"),
    ("src", "server::auth", "pages", "the server's helpers are below the adapters"),
    ("src", "usecases", "pages", "use cases are below the adapters: they answer outcomes, not pages"),
    ("src", "usecases", "api", "use cases are below the adapters: they answer outcomes, not problems"),
    ("src", "usecases", "components", "use cases are below the adapters: they answer outcomes, not views"),
    ("src", "usecases", "routes", "use cases answer outcomes; the adapters turn them into addresses"),
    ("src", "usecases", "server::router", "the composition root is above everything it wires"),
    ("src", "routes", "pages", "addresses are below the pages"),
    ("src", "error", "pages", "errors are below the pages"),
]

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def blank(src):
    """The source with comments, strings and character literals replaced by spaces (newlines
    kept), so that what remains is code whose braces balance."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', src[i:i + 300])) and (i == 0 or not re.match(r"[A-Za-z0-9_]", src[i - 1])):
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", src[i:j + 1]))
            i = j + 1
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", src[i:i + 12])):
            out.append(" " * m.end())
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching(code, open_at):
    """The index just past the brace that closes the one at `open_at`."""
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(code)


def item_end(code, start):
    """Where the item starting at `start` ends: its `;` or its closing brace, whichever
    comes first at depth 0."""
    j = start
    while j < len(code):
        if code[j] == ";":
            return j + 1
        if code[j] == "{":
            return matching(code, j)
        j += 1
    return len(code)


def without_tests(code):
    """The code without the items gated by `#[cfg(test)]` (and `#[cfg(all(test, ...))]`)."""
    while m := re.search(r"#\[cfg\((?:all\()?test\b[^\]]*\]", code):
        start = m.start()
        after = m.end()
        # Further attributes of the same item.
        while a := re.match(r"\s*#\[[^\]]*\]", code[after:]):
            after += a.end()
        end = item_end(code, after)
        code = code[:start] + re.sub(r"[^\n]", " ", code[start:end]) + code[end:]
    return code


class Module:
    def __init__(self, path, file, code):
        self.path = path  # list of names from the crate root
        self.file = file
        self.code = code  # its own code, without its inline children
        self.children = {}


def read_module(path, file, code, mods, dir_of_children):
    """Reads one module's code: declares its children (files or inline blocks) and keeps the
    rest as its own code."""
    own = []
    pos = 0
    for m in re.finditer(r"\b(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*([;{])", code):
        if m.start() < pos:
            continue
        name = m.group(1)
        child = path + [name]
        if m.group(2) == "{":
            open_at = m.end() - 1
            close = matching(code, open_at)
            own.append(code[pos:m.start()])
            read_module(child, file, code[open_at + 1:close - 1], mods, os.path.join(dir_of_children, name))
            pos = close
        else:
            for candidate in (os.path.join(dir_of_children, name + ".rs"), os.path.join(dir_of_children, name, "mod.rs")):
                if os.path.exists(candidate):
                    child_dir = os.path.join(dir_of_children, name)
                    read_file(child, candidate, mods, child_dir)
                    break
    own.append(code[pos:])
    mods["::".join(path)] = Module(path, file, "".join(own))


def read_file(path, file, mods, dir_of_children):
    code = without_tests(blank(open(file, encoding="utf-8").read()))
    read_module(path, file, code, mods, dir_of_children)


def crate_modules(root):
    mods = {}
    for name in ("lib.rs", "main.rs"):
        f = os.path.join(root, name)
        if os.path.exists(f):
            # A binary beside a library is its own crate: its modules are kept apart.
            prefix = [] if name == "lib.rs" else ["<bin>"]
            read_file(prefix, f, mods, root)
    return mods


def use_paths(tree, prefix=()):
    """The paths a use tree names, each with the name it binds (`None` for globs and `self`)."""
    tree = tree.strip()
    if not tree:
        return []
    if m := re.match(r"^((?:" + IDENT + r"\s*::\s*)*)\{(.*)\}$", tree, re.S):
        base = list(prefix) + [p for p in re.split(r"\s*::\s*", m.group(1)) if p]
        out, depth, part = [], 0, ""
        for ch in m.group(2) + ",":
            if ch == "," and depth == 0:
                out += use_paths(part, base)
                part = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            part += ch
        return out
    alias = None
    if m := re.match(r"^(.*?)\s+as\s+(" + IDENT + r")$", tree, re.S):
        tree, alias = m.group(1), m.group(2)
    parts = list(prefix) + [p for p in re.split(r"\s*::\s*", tree) if p]
    if parts and parts[-1] == "self":
        parts = parts[:-1]
    if parts and parts[-1] == "*":
        return [(parts[:-1], None)]
    return [(parts, alias or (parts[-1] if parts else None))]


def resolve(mods, here, parts, aliases):
    """The module path (list) that `parts`, named in module `here`, starts from; None when it
    names no module of this crate."""
    if not parts:
        return None
    head, rest = parts[0], parts[1:]
    base_root = ["<bin>"] if here[:1] == ["<bin>"] else []
    if head == "crate":
        start = base_root
    elif head == "self":
        start = list(here)
    elif head == "super":
        start = list(here)
        while parts and parts[0] == "super":
            start = start[:-1]
            parts = parts[1:]
        rest = parts
    elif "::".join(here + [head]) in mods:
        start, rest = here + [head], rest
    elif head in aliases:
        start, rest = list(aliases[head]), rest
    else:
        return None
    path = start
    for p in rest:
        if "::".join(path + [p]) in mods:
            path = path + [p]
        else:
            break
    return path


def edges(mods):
    graph = {m: set() for m in mods}
    for key, mod in mods.items():
        code = mod.code
        aliases = {}
        named = []
        for m in re.finditer(r"\buse\s+([^;]*);", code):
            for parts, alias in use_paths(m.group(1)):
                target = resolve(mods, mod.path, parts, aliases)
                if target is not None:
                    named.append(target)
                    if alias and alias != "self" and "::".join(target) in mods and target[-1:] == parts[-1:]:
                        aliases[alias] = target
        for m in re.finditer(r"\b(" + IDENT + r"(?:\s*::\s*" + IDENT + r")+)", code):
            parts = re.split(r"\s*::\s*", m.group(1))
            target = resolve(mods, mod.path, parts, aliases)
            if target is not None:
                named.append(target)
        for target in named:
            t = "::".join(target)
            if t in mods and t != key and not (key + "::").startswith(t + "::") and not (t == "" and key):
                graph[key].add(t)
    return graph


def cycles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def under(module, prefix):
    return module == prefix or module.startswith(prefix + "::")


def violations(root, graph):
    found = []
    for crate, importer, imported, why in RULES:
        if os.path.normpath(root) != os.path.normpath(crate):
            continue
        for m, targets in graph.items():
            for t in targets:
                if importer.endswith("::*") and imported.endswith("::*"):
                    parent = importer[:-3]
                    a, b = m.split("::"), t.split("::")
                    depth = len(parent.split("::"))
                    if under(m, parent) and under(t, parent) and len(a) > depth and len(b) > depth and a[depth] != b[depth]:
                        found.append(f"{m} -> {t}: {why}")
                elif under(m, importer) and under(t, imported):
                    found.append(f"{m} -> {t}: {why}")
    return sorted(set(found))


def self_test():
    import tempfile

    def crate(files):
        d = tempfile.mkdtemp()
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            open(os.path.join(d, name), "w").write(text)
        return d, edges(crate_modules(d))

    # A test module in the middle of a file does not hide what follows it.
    _, g = crate({
        "lib.rs": "mod a;\nmod b;\n",
        "a.rs": "#[cfg(test)]\nmod tests { use crate::b; fn t() { let s = \"}\"; } }\npub fn f() { crate::b::g() }\n",
        "b.rs": "use crate::{x, a::f};\npub fn g() {}\n",
    })
    assert cycles(g) == [["a", "b"]], g
    # Inside tests, comments and strings nothing counts.
    _, g = crate({
        "lib.rs": "mod a;\nmod b;\n",
        "a.rs": "// crate::b::g\nconst S: &str = \"crate::b::g\";\n#[cfg(test)]\nuse crate::b;\n",
        "b.rs": "pub fn g() { crate::a::S; }\n",
    })
    assert g["a"] == set() and g["b"] == {"a"}, g
    # Renamed and nested use trees, a child folder, `super`.
    _, g = crate({
        "lib.rs": "pub mod pages;\nmod components;\n",
        "pages/mod.rs": "pub mod x;\npub mod y;\n",
        "pages/x.rs": "use super::y as other;\nfn f() { other::g(); }\n",
        "pages/y.rs": "pub fn g() {}\n",
        "components.rs": "use crate::pages::{self as p};\nfn h() { p::x::f() }\n",
    })
    assert g["pages::x"] == {"pages::y"}, g
    assert "pages::x" in g["components"] or "pages" in g["components"], g
    found = violations("src", g)
    assert any(v.startswith("pages::x -> pages::y:") for v in found), found
    assert any(v.startswith("components -> pages") for v in found), found
    # A folder's parts may use each other: only siblings under `pages` are pages.
    _, g = crate({
        "lib.rs": "pub mod pages;\n",
        "pages/mod.rs": "pub mod wizard;\n",
        "pages/wizard/mod.rs": "pub mod a;\npub mod b;\n",
        "pages/wizard/a.rs": "use super::b::f;\n",
        "pages/wizard/b.rs": "pub fn f() {}\n",
    })
    assert g["pages::wizard::a"] == {"pages::wizard::b"} and violations("src", g) == [], g
    # A use case answers an outcome: it may use the store's and domain's names, never a page's
    # or an address; a page may call it.
    _, g = crate({
        "lib.rs": "pub mod pages;\npub mod usecases;\npub mod routes;\n",
        "pages/mod.rs": "pub mod x;\n",
        "pages/x.rs": "fn f() { crate::usecases::orders::confirm(); }\npub struct Step;\n",
        "usecases/mod.rs": "pub mod orders;\n",
        "usecases/orders.rs": "use crate::pages::x::Step;\npub fn confirm() { crate::routes::order(); }\n",
        "routes.rs": "pub fn order() {}\n",
    })
    found = violations("src", g)
    assert any(v.startswith("usecases::orders -> pages::x:") for v in found), found
    assert any(v.startswith("usecases::orders -> routes:") for v in found), found
    assert not any(v.startswith("pages::x -> usecases") for v in found), found
    print("check_layers self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        sys.exit(0)
    failed = False
    for root in sys.argv[1:]:
        graph = edges(crate_modules(root))
        for comp in cycles(graph):
            failed = True
            print(f"{root}: modules in a circle: {', '.join(comp)}")
            for m in comp:
                print(f"  {m} -> {', '.join(sorted(w for w in graph[m] if w in comp))}")
        for v in violations(root, graph):
            failed = True
            print(f"{root}: against the layers: {v}")
    if failed:
        sys.exit(1)
    print(f"no import circles and no import against the layers in {', '.join(sys.argv[1:])}")
