"""Accounts, role grants on subtrees, API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from zhibu.core import crypto
from zhibu.core.identity import mask_phone
from zhibu.core.scope import Role, Scope, build_scope


class User(AbstractUser):
    sealed_fields = ("phone",)

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    member = models.OneToOneField(
        "registry.Member",
        verbose_name=_("member record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_phone(self, phone: str) -> None:
        self.phone_sealed = crypto.encrypt(phone, b"user.phone") if phone else ""
        self.phone_digest = crypto.blind_index("phone", phone) if phone else None

    @property
    def phone_masked(self) -> str:
        return mask_phone(crypto.decrypt(self.phone_sealed, b"user.phone")) if self.phone_sealed else ""

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    @cached_property
    def scope(self) -> Scope:
        grants = [
            (g.role, g.organization.path if g.organization_id else None)
            for g in self.grants.select_related("organization")
        ]
        return build_scope(grants, self.member_id)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    organization = models.ForeignKey(
        "registry.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="grants",
        help_text=_("The grant covers this organisation and its whole subtree."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organization"], name="unique_role_grant"),
            models.CheckConstraint(
                condition=models.Q(role=Role.PLATFORM_ADMIN) | models.Q(organization__isnull=False),
                name="grant_needs_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization or '—'}"


TOKEN_PREFIX = "zb_"  # noqa: S105 - a marker that makes leaked tokens easy to find, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
