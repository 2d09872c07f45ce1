"""Graph's directory resources in the sandbox: users, groups, members, organization, and the
mailbox's ``userPurpose``.

Shapes follow Graph v1.0: a user's default properties, ``$select`` (only what is listed comes
back), ``$filter`` with ``eq``/``in`` (at most 15 values per ``in`` or ``or``, else 400
``Request_UnsupportedQuery``; an unknown address is simply absent), paging with ``$top`` and an
opaque ``$skiptoken`` (default page 100, at most 999).
"""

from __future__ import annotations

import functools
from typing import Any

from . import odata
from .fixture import Group, User
from .graph_http import GraphError, GraphResponse
from .graph_router import Call, Router

MAX_OR_CLAUSES = 15
PAGE_DEFAULT, PAGE_MAX = 100, 999

USER_READ_ALL = frozenset({"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All",
                           "Directory.Read.All", "Directory.ReadWrite.All"})
USER_READ_SELF = frozenset({"User.Read", "User.ReadWrite"})
GROUP_READ = frozenset({"GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All",
                        "Directory.Read.All", "Directory.ReadWrite.All"})
ORG_READ = USER_READ_SELF | USER_READ_ALL | {"Organization.Read.All"}
MAILBOX_SETTINGS = frozenset({"MailboxSettings.Read", "MailboxSettings.ReadWrite"})

_USER_DEFAULT = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                 "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")
_USER_EXTRA = ("accountEnabled", "userType", "mailNickname", "proxyAddresses", "companyName",
               "department")
_USER_PROPS = {p.lower(): p for p in _USER_DEFAULT + _USER_EXTRA}
_GROUP_PROPS = {p.lower(): p for p in (
    "id", "deletedDateTime", "description", "displayName", "groupTypes", "mail", "mailEnabled",
    "mailNickname", "securityEnabled", "visibility")}
_ORG_PROPS = {p.lower(): p for p in ("id", "displayName", "tenantType", "verifiedDomains")}


def user_json(user: User, *, everything: bool = False) -> dict[str, Any]:
    given, _, surname = user.display_name.partition(" ")
    record: dict[str, Any] = {
        "businessPhones": list(user.business_phones), "displayName": user.display_name,
        "givenName": given or None, "jobTitle": user.job_title, "mail": user.mail,
        "mobilePhone": None, "officeLocation": None,
        "preferredLanguage": user.preferred_language,
        "surname": surname or None, "userPrincipalName": user.mail, "id": user.id,
    }
    if everything:
        record.update(accountEnabled=True, userType="Member",
                      mailNickname=user.mail.split("@")[0],
                      proxyAddresses=[f"SMTP:{user.mail}"], companyName=None, department=None)
    return record


def group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.id, "deletedDateTime": None, "description": None,
        "displayName": group.display_name, "groupTypes": ["Unified"], "mail": group.mail,
        "mailEnabled": True, "mailNickname": group.mail.split("@")[0],
        "securityEnabled": False, "visibility": "Private",
    }


def _select(call: Call, known: dict[str, str], type_name: str) -> list[str] | None:
    def unknown(name: str) -> GraphError:
        return GraphError(400, "Request_BadRequest",
                          "Parsing OData Select and Expand failed: Could not find a property "
                          f"named '{name}' on type 'microsoft.graph.{type_name}'.")

    return odata.parse_select(call.req.query.get("$select"), known, unknown)


def _filter(call: Call, allowed: dict[str, str], resource: str) -> tuple | None:
    raw = call.req.query.get("$filter")
    if raw is None:
        return None
    try:
        tree = odata.parse_filter(raw)
    except odata.FilterSyntaxError as exc:
        raise GraphError.bad_request(f"Invalid filter clause: {exc}") from None
    for prop in odata.filter_properties(tree):
        if prop.lower() not in allowed:
            raise GraphError(400, "Request_UnsupportedQuery",
                             "Unsupported or invalid query filter clause specified for property "
                             f"'{prop}' of resource '{resource}'.")
    widest = odata.widest_disjunction(tree)
    if widest > MAX_OR_CLAUSES:
        raise GraphError(400, "Request_UnsupportedQuery",
                         "Too many child clauses specified in search filter expression "
                         f"containing 'OR' operators: {widest}. Max allowed: {MAX_OR_CLAUSES}.")
    return tree


def _page(call: Call, records: list[dict[str, Any]], context: str) -> GraphResponse:
    top = odata.parse_top(call.req.query.get("$top"), PAGE_DEFAULT, PAGE_MAX, strict=True)
    token = call.req.query.get("$skiptoken")
    offset = odata.decode_skiptoken(token) if token else 0
    body: dict[str, Any] = {"@odata.context": context}
    if offset + top < len(records):
        body["@odata.nextLink"] = odata.next_link(
            call.req.own_url(), call.req.query,
            **{"$skiptoken": odata.encode_skiptoken(offset + top)})
    body["value"] = records[offset:offset + top]
    return GraphResponse.json(body)


def _context(call: Call, entity_set: str, select: list[str] | None) -> str:
    return call.context(f"{entity_set}({','.join(select)})" if select else entity_set)


def _by_property(record: dict[str, Any], known: dict[str, str]):
    return lambda prop: record.get(known.get(prop.lower(), prop))


def get_user(call: Call) -> GraphResponse:
    assert call.owner is not None
    select = _select(call, _USER_PROPS, "user")
    record = odata.pick(user_json(call.owner, everything=bool(select)), select or
                        list(_USER_DEFAULT))
    entity = "users/$entity" if select is None else f"users({','.join(select)})/$entity"
    return GraphResponse.json({"@odata.context": call.context(entity), **record})


def list_users(call: Call) -> GraphResponse:
    select = _select(call, _USER_PROPS, "user")
    tree = _filter(call, _USER_PROPS, "User")
    records = []
    wanted = odata.lookup_values(tree, "mail")
    by_mail = call.state.mail.directory.user_by_mail
    users = (call.state.tenant.users if wanted is None else
             [u for u in map(by_mail, sorted(wanted)) if u is not None])
    fields = tuple(select or _USER_DEFAULT)
    for user in users:
        # Found through the index, a user is a match already.
        if wanted is not None or tree is None or odata.matches(
                tree, _by_property(user_json(user, everything=True), _USER_PROPS)):
            records.append(dict(_user_record(user, fields)))
    return _page(call, records, _context(call, "users", select))


@functools.lru_cache(maxsize=16_384)
def _user_record(user: User, fields: tuple[str, ...]) -> dict[str, Any]:
    # Users are fixed for the sandbox's life (frozen): each record is made once per $select.
    # Callers get a copy, so that no answer can change another.
    return odata.pick(user_json(user, everything=True), list(fields))


def list_groups(call: Call) -> GraphResponse:
    select = _select(call, _GROUP_PROPS, "group")
    tree = _filter(call, _GROUP_PROPS, "Group")
    wanted = odata.lookup_values(tree, "mail")
    group_by_mail = call.state.mail.directory.group_by_mail
    groups = (call.state.tenant.groups if wanted is None else
              [g for g in map(group_by_mail, sorted(wanted)) if g is not None])
    records = [odata.pick(group_json(g), select) for g in groups
               if wanted is not None or tree is None
               or odata.matches(tree, _by_property(group_json(g), _GROUP_PROPS))]
    return _page(call, records, _context(call, "groups", select))


def _group(call: Call) -> Group:
    key = call.params["group"]
    group = call.state.mail.directory.group(key)
    if group is None or group.id.lower() != key.lower():  # groups are addressed by id only
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource '{key}' does not exist or one of its queried "
                         "reference-property objects are not present.")
    return group


def _members(call: Call, transitive: bool) -> GraphResponse:
    group = _group(call)
    directory = call.state.mail.directory
    found = directory.transitive_members(group) if transitive else directory.direct_members(
        group)
    known = _USER_PROPS | _GROUP_PROPS
    select = _select(call, known, "directoryObject")
    records = []
    for member in found:
        if isinstance(member, User):
            record = {"@odata.type": "#microsoft.graph.user", **user_json(member)}
        else:
            record = {"@odata.type": "#microsoft.graph.group", **group_json(member)}
        records.append(odata.pick(record, select))
    return _page(call, records, call.context("directoryObjects"))


def list_members(call: Call) -> GraphResponse:
    return _members(call, transitive=False)


def list_transitive_members(call: Call) -> GraphResponse:
    return _members(call, transitive=True)


def get_organization(call: Call) -> GraphResponse:
    directory = call.state.mail.directory
    domains = [{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": i == 0,
                "isInitial": False, "name": name, "type": "Managed"}
               for i, name in enumerate(call.state.tenant.verified_domains)]
    domains.append({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": not domains,
                    "isInitial": True, "name": directory.initial_domain, "type": "Managed"})
    select = _select(call, _ORG_PROPS, "organization")
    record = {"id": call.state.tenant.id, "displayName": call.state.tenant.display_name,
              "tenantType": "AAD", "verifiedDomains": domains}
    return GraphResponse.json({"@odata.context": _context(call, "organization", select),
                               "value": [odata.pick(record, select)]})


def get_user_purpose(call: Call) -> GraphResponse:
    assert call.owner is not None
    return GraphResponse.json({"@odata.context": call.owner_context(
        "mailboxSettings/userPurpose"), "value": call.owner.mailbox_type})


def register(router: Router) -> None:
    """Add the directory routes (v1.0 and beta)."""
    directory = {"family": "directory"}
    router.add("GET", "", get_user, scoped=True, permissions=USER_READ_ALL,
               self_permissions=USER_READ_SELF, **directory)
    router.add("GET", "users", list_users, scoped=False, permissions=USER_READ_ALL, **directory)
    router.add("GET", "groups", list_groups, scoped=False, permissions=GROUP_READ, **directory)
    router.add("GET", "groups/{group}/members", list_members, scoped=False,
               permissions=GROUP_READ, **directory)
    router.add("GET", "groups/{group}/transitiveMembers", list_transitive_members,
               scoped=False, permissions=GROUP_READ, **directory)
    router.add("GET", "organization", get_organization, scoped=False, permissions=ORG_READ,
               **directory)
    # Mailbox settings live in the mailbox: delegated callers may read only their own.
    router.add("GET", "mailboxSettings/userPurpose", get_user_purpose, scoped=True,
               family="mail", permissions=MAILBOX_SETTINGS)
