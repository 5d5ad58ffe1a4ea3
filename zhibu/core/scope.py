"""Who may see and change what: role grants on subtrees of the organisation tree.

A grant on an organisation covers its whole subtree, which is a prefix of the materialised
path. Every query of organisation-owned data starts from `Scope.q(...)`.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    ORG_VIEWER = "org_viewer", _("Organisation administrator (read only)")
    SECRETARY = "secretary", _("Branch secretary")
    CADRE = "cadre", _("Liaison cadre")
    STATION_STAFF = "station_staff", _("Station staff")
    MEMBER = "member", _("Member")


class Capability(models.TextChoices):
    VIEW = "view", _("view the registry")
    EDIT = "edit", _("change the registry")
    REVEAL = "reveal", _("reveal ID and phone numbers")
    AUDIT = "audit", _("read the audit trail")
    STATION = "station", _("run stations and verify check-ins")


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset(Capability.values),
    Role.ORG_ADMIN: frozenset(
        {Capability.VIEW, Capability.EDIT, Capability.REVEAL, Capability.AUDIT, Capability.STATION}
    ),
    Role.ORG_VIEWER: frozenset({Capability.VIEW, Capability.AUDIT}),
    Role.SECRETARY: frozenset(
        {Capability.VIEW, Capability.EDIT, Capability.REVEAL, Capability.AUDIT, Capability.STATION}
    ),
    Role.CADRE: frozenset({Capability.VIEW}),
    # Station staff run the stations of their organisations and verify check-ins there, without
    # reading the registry; members see only their own record.
    Role.STATION_STAFF: frozenset({Capability.STATION}),
    Role.MEMBER: frozenset(),
}


def any_prefix(field: str, prefixes) -> Q:
    """`field` starts with one of `prefixes` (organisation paths: each names a whole subtree)."""
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def minimal_prefixes(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the set."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Scope:
    is_platform: bool = False
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    self_member_id: int | None = None

    def prefixes(self, capability: str) -> tuple[str, ...]:
        return self.paths.get(capability, ())

    def q(self, path_field: str, capability: str = Capability.VIEW) -> Q:
        """A filter on `path_field` (an organisation path) that keeps what the scope covers."""
        if self.is_platform:
            return Q()
        prefixes = self.prefixes(capability)
        if not prefixes:
            return Q(pk__in=[])
        return any_prefix(path_field, prefixes)

    def covers(self, path: str, capability: str = Capability.VIEW) -> bool:
        return self.is_platform or any(path.startswith(prefix) for prefix in self.prefixes(capability))

    def can(self, capability: str) -> bool:
        return self.is_platform or bool(self.prefixes(capability))

    @property
    def is_empty(self) -> bool:
        return not self.is_platform and not self.paths


def build_scope(grants: list[tuple[str, str | None]], self_member_id: int | None = None) -> Scope:
    """`grants` are (role, organisation path or None for platform-wide) pairs."""
    is_platform = any(role == Role.PLATFORM_ADMIN for role, _path in grants)
    by_capability: dict[str, set[str]] = {}
    for role, path in grants:
        if path is None:
            continue
        for capability in ROLE_CAPABILITIES.get(role, ()):
            by_capability.setdefault(capability, set()).add(path)
    member_id = self_member_id if any(role == Role.MEMBER for role, _path in grants) else None
    return Scope(
        is_platform=is_platform,
        paths={cap: minimal_prefixes(paths) for cap, paths in by_capability.items()},
        self_member_id=member_id,
    )


@dataclass(frozen=True)
class SystemActor:
    """An administrator's command on the server: platform-wide, named in the audit trail by the command."""

    audit_name: str
    scope: Scope = field(default_factory=lambda: Scope(is_platform=True))
    pk: None = None
    is_authenticated: bool = False
