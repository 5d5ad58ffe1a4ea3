"""Reads of accounts."""

from django.db.models import QuerySet

from zhibu.accounts.models import RoleGrant, User
from zhibu.core.scope import ROLE_CAPABILITIES, Capability
from zhibu.registry.models import Organization

ROLES_THAT_VIEW = [role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.VIEW in capabilities]


def readers_of(organization: Organization) -> QuerySet[User]:
    """Active accounts that may read the organisation: granted a reading role on it or above, as
    the cadres a task or a pairing can be given to are."""
    grants = RoleGrant.objects.filter(organization__path__in=organization.lineage_paths, role__in=ROLES_THAT_VIEW)
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
