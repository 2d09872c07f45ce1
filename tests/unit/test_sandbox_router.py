"""The stand-in's router remembers what it resolved, without changing any answer."""

from __future__ import annotations

import pytest

from recall_assistant.sandbox.graph_http import GraphError, GraphRequest, GraphResponse
from recall_assistant.sandbox.graph_router import Router


def handler(call):
    return GraphResponse.json({})


def request(path: str, method: str = "GET") -> GraphRequest:
    return GraphRequest(method=method, version="v1.0", path=path, query={}, headers={})


def router() -> Router:
    r = Router()
    r.add("GET", "/groups/{group}/members", handler, scoped=False, family="directory",
          permissions=frozenset({"GroupMember.Read.All"}))
    return r


def test_a_remembered_resolution_hands_out_its_own_values():
    r = router()
    route, params, owner = r.resolve(request("/groups/g-1/members"))
    params["group"] = "changed by a handler"
    again, params_again, _ = r.resolve(request("/groups/g-1/members"))
    assert again is route and params_again == {"group": "g-1"} and owner is None


def test_a_route_added_later_is_found():
    r = router()
    with pytest.raises(GraphError):
        r.resolve(request("/groups/g-1/owners"))
    r.add("GET", "/groups/{group}/owners", handler, scoped=False, family="directory",
          permissions=frozenset({"GroupMember.Read.All"}))
    route, params, _ = r.resolve(request("/groups/g-1/owners"))
    assert route.pattern[-1] == "owners" and params == {"group": "g-1"}


def test_refusals_are_not_remembered_as_answers():
    r = router()
    for _ in range(2):
        with pytest.raises(GraphError) as refused:
            r.resolve(request("/groups/g-1/members", method="POST"))
        assert refused.value.status == 405
