#!/usr/bin/env python3
"""Fails when modules of a crate import each other in a circle.

Crates cannot form circles (Cargo refuses), but modules inside one crate can: this finds them.
A module depends on another when it names it (`crate::a::b`, `super::x`) or re-exports from a
child (`pub use child::...`). A child naming its own ancestors is not counted: a feature folder's
parts use the folder's types. Comments and test modules are ignored.
Usage: check_layers.py DIR [DIR...] (each the `src` of one crate)."""
import os
import re
import sys


def modules(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".rs"):
                rel = os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep)
                if rel[-1] in ("mod", "lib", "main"):
                    rel = rel[:-1]
                out["::".join(rel)] = os.path.join(d, f)
    return out


def code(path):
    src = open(path, encoding="utf-8").read()
    src = re.split(r"#\[cfg\(test\)\]\s*mod tests", src)[0]
    return re.sub(r"//[^\n]*", "", src)


def edges(mods):
    graph = {m: set() for m in mods}
    for m, path in mods.items():
        src = code(path)
        own = m.split("::") if m else []
        parent = own[:-1] if not path.endswith(("mod.rs", "lib.rs", "main.rs")) else own
        refs = [r.split("::") for r in re.findall(r"crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)", src)]
        base = own[:-1] if path.endswith(("mod.rs", "lib.rs", "main.rs")) else own[:-1]
        refs += [base + r.split("::") for r in re.findall(r"super::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)", src)]
        refs += [(own if path.endswith(("mod.rs", "lib.rs")) else parent) + [c]
                 for c in re.findall(r"pub use ([a-z_][a-z0-9_]*)::", src)]
        for parts in refs:
            for k in range(len(parts), 0, -1):
                target = "::".join(parts[:k])
                if target in mods:
                    if target != m and not m.startswith(target + "::"):
                        graph[m].add(target)
                    break
    return graph


def cycles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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

    for v in graph:
        if v not in index:
            visit(v)
    return found


failed = False
for root in sys.argv[1:]:
    graph = edges(modules(root))
    for comp in cycles(graph):
        failed = True
        print(f"{root}: modules in a circle: {', '.join(comp)}")
        for m in comp:
            print(f"  {m} -> {', '.join(sorted(w for w in graph[m] if w in comp))}")
if failed:
    sys.exit(1)
print(f"no import circles in {', '.join(sys.argv[1:])}")
