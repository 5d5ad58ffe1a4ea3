"""The organisation a page is about, as its URL names it: within the actor's scope or a 404."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from zhibu.core.scope import Capability
from zhibu.registry import queries
from zhibu.registry.models import Organization


def visible_organization(actor, pk) -> Organization:
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(queries.organizations(actor), pk=pk)


def chosen_organization(actor, pk: str | None) -> Organization:
    """The organisation asked for, else the top of the actor's scope."""
    if not actor.scope.can(Capability.VIEW):
        raise Http404
    if pk:
        return visible_organization(actor, pk)
    top = queries.organization_roots(actor).first()
    if top is None:
        raise Http404
    return top
