"""Import circles in the package, read from its imports (a function-level import that dodges a
circle at start-up still makes one)."""

from __future__ import annotations

from tests.support.imports import import_graph


def circles() -> set[frozenset[str]]:
    graph = import_graph()
    found, stack, index, low, on_stack, counter = set(), [], {}, {}, set(), [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def test_nothing_in_the_package_imports_in_a_circle():
    assert circles() == set()
