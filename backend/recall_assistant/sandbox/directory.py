"""The sandbox tenant's directory: who is a user, a group, internal or external.

A thin, read-only view over the :class:`TenantFixture`, shared by the Graph routes, the mail
store and the recall agent so that they all resolve addresses the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fixture import Group, Recipient, TenantFixture, User


@dataclass(frozen=True)
class Reached:
    """One address a message reached, after groups are expanded."""

    address: str
    name: str
    user: User | None  # the mailbox, when the address is an internal user (or shared mailbox)
    internal: bool  # the address's domain is one of the tenant's


class Directory:
    """Look-ups over the fixture's users and groups (case-insensitive, like Entra ID)."""

    def __init__(self, tenant: TenantFixture):
        self.tenant = tenant
        self._users_by_id = {u.id.lower(): u for u in tenant.users}
        self._users_by_mail = {u.mail.lower(): u for u in tenant.users}
        self._groups_by_id = {g.id.lower(): g for g in tenant.groups}
        self._groups_by_mail = {g.mail.lower(): g for g in tenant.groups}

    @property
    def domains(self) -> tuple[str, ...]:
        """The verified domains plus the initial ``*.onmicrosoft.com`` one every tenant has."""
        return (*self.tenant.verified_domains, self.initial_domain)

    @property
    def initial_domain(self) -> str:
        first = self.tenant.verified_domains[0] if self.tenant.verified_domains else "sandbox"
        return f"{first.split('.')[0]}.onmicrosoft.com"

    def user(self, key: str) -> User | None:
        """A user by object id or by address (Graph's ``/users/{id | userPrincipalName}``)."""
        key = key.lower()
        return self._users_by_id.get(key) or self._users_by_mail.get(key)

    def user_by_mail(self, address: str) -> User | None:
        return self._users_by_mail.get(address.lower())

    def group_by_mail(self, address: str) -> Group | None:
        return self._groups_by_mail.get(address.lower())

    def group(self, key: str) -> Group | None:
        key = key.lower()
        return self._groups_by_id.get(key) or self._groups_by_mail.get(key)

    def is_internal(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return domain in self.domains

    def transitive_members(self, group: Group) -> list[User | Group]:
        """Every member of ``group``, nested groups included (each once, in discovery order)."""
        found: dict[str, User | Group] = {}
        pending = list(group.members)
        seen_groups = {group.id.lower()}
        while pending:
            member_id = pending.pop(0).lower()
            if member_id in found:
                continue
            if member_id in self._users_by_id:
                found[member_id] = self._users_by_id[member_id]
            elif member_id in self._groups_by_id:
                nested = self._groups_by_id[member_id]
                found[member_id] = nested
                if member_id not in seen_groups:
                    seen_groups.add(member_id)
                    pending.extend(nested.members)
        return list(found.values())

    def direct_members(self, group: Group) -> list[User | Group]:
        members: list[User | Group] = []
        for member_id in group.members:
            obj = self._users_by_id.get(member_id.lower()) or self._groups_by_id.get(
                member_id.lower())
            if obj is not None:
                members.append(obj)
        return members

    def expand(self, recipients: tuple[Recipient, ...]) -> list[Reached]:
        """Where a message to ``recipients`` lands: groups expanded, each address once."""
        reached: dict[str, Reached] = {}
        for recipient in recipients:
            address = recipient.address.lower()
            group = self._groups_by_mail.get(address)
            if group is None:
                user = self._users_by_mail.get(address)
                reached.setdefault(address, Reached(
                    address, user.display_name if user else recipient.name, user,
                    self.is_internal(address)))
                continue
            for member in self.transitive_members(group):
                if isinstance(member, User):
                    reached.setdefault(member.mail, Reached(
                        member.mail, member.display_name, member, True))
        return list(reached.values())
