"""The registry: regions, host units, the organisation tree and members."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from zhibu.core import crypto
from zhibu.core.identity import mask_id_number, mask_phone
from zhibu.registry.choices import (
    ETHNICITIES,
    NATIONAL_TYPE_CODES,
    CoordinateSystem,
    Education,
    Gender,
    OrganizationKind,
    PartyStatus,
    RegionLevel,
    Standing,
    UnitKind,
    WorkRole,
)
from zhibu.registry.pinyin import pinyin_keys

# How many leading digits of a region's code its sub-regions share, by the region's level.
SIGNIFICANT_DIGITS = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.DISTRICT: 6,
    RegionLevel.STREET: 9,
    RegionLevel.COMMUNITY: 12,
}


class Region(models.Model):
    """行政区划: GB/T 2260 codes (6 digits) and the statistical codes below them (9 or 12 digits)."""

    code = models.CharField(
        _("region code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", _("A region code has 6, 9 or 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def subtree_prefix(self) -> str:
        """The leading digits that every region below this one shares with it."""
        return self.code[: SIGNIFICANT_DIGITS[self.level]]


class Coordinates(models.Model):
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    coordinate_system = models.CharField(
        _("coordinate system"), max_length=8, choices=CoordinateSystem.choices, default=CoordinateSystem.GCJ02
    )

    class Meta:
        abstract = True


class Unit(Coordinates):
    """单位 / 两新组织: the host of organisations, and the inputs of 两个覆盖."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.ENTERPRISE)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=300, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class Organization(MP_Node):
    """党组织: a node of the tree. Its materialised path is also the permission scope."""

    # Children are appended, never inserted in order: an insertion would rewrite the paths of
    # every later sibling's subtree. Pages sort children by name instead.
    steplen = 4

    code = models.CharField(
        _("organisation code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, - and _ only."))],
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    units = models.ManyToManyField(Unit, verbose_name=_("host units"), blank=True, related_name="organizations")
    secretary = models.ForeignKey(
        "Member", verbose_name=_("secretary"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def lineage_paths(self) -> list[str]:
        """The paths of the organisation and of each of its ancestors, the root first."""
        return [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]

    @property
    def national_type_code(self) -> str:
        return NATIONAL_TYPE_CODES[self.kind]


class Occupation(models.Model):
    """A configurable list (快递员, 外卖骑手, …), kept as rows so that a deployment can extend it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")

    def __str__(self) -> str:
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class Member(models.Model):
    """党员. ID and phone numbers are stored only sealed (AES-GCM) and as keyed hashes."""

    sealed_fields = ("id_number", "phone")

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)  # indexed with the pinyin: see Meta
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    birth_date = models.DateField(_("birth date"))
    id_number_sealed = models.TextField(editable=False)
    id_number_digest = models.CharField(max_length=64, editable=False)  # unique: see Meta
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False)  # indexed: see Meta
    education = models.CharField(_("education"), max_length=24, choices=Education.choices, blank=True)
    party_status = models.CharField(_("party status"), max_length=16, choices=PartyStatus.choices)
    standing = models.CharField(
        _("membership standing"), max_length=16, choices=Standing.choices, default=Standing.NORMAL
    )
    joined_on = models.DateField(_("joined the party on"))
    full_member_on = models.DateField(_("became full member on"), null=True, blank=True)
    home_org = models.ForeignKey(
        Organization,
        verbose_name=_("home organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,  # the indexes in Meta begin with it
    )
    activity_orgs = models.ManyToManyField(
        Organization, verbose_name=_("activity organisations"), blank=True, related_name="activity_members"
    )
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), null=True, blank=True, on_delete=models.PROTECT
    )
    employer = models.ForeignKey(Unit, verbose_name=_("employer"), null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(
        Region, verbose_name=_("region of residence and work"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_mobile = models.BooleanField(_("mobile member"), default=False, db_index=True)
    work_role = models.CharField(_("work role"), max_length=12, choices=WorkRole.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_pinyin", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["home_org", "name_pinyin"]),
            # The key figures and subtree counts read this index alone, not the wide rows (on
            # PostgreSQL, once vacuumed: 82 ms instead of 240 ms for a million members).
            models.Index(fields=["home_org", "party_status", "is_mobile"], name="member_counts"),
            # Digests are only ever compared whole: declared here, they get no second index for
            # LIKE, as a unique or indexed field would on PostgreSQL (every member written keeps
            # each index up to date: the three fewer make a 100,000-row import 1.3 s faster).
            models.Index(fields=["phone_digest"], name="member_phone_digest"),
            # A search by initials reads its first page in this order (registry.queries.search_members).
            models.Index(fields=["name_initials", "name_pinyin", "id"], name="member_initials_pinyin"),
        ]
        constraints = [models.UniqueConstraint(fields=["id_number_digest"], name="member_id_number_digest_unique")]

    def __str__(self) -> str:
        return self.name

    def set_name(self, name: str) -> None:
        self.name = name
        self.name_pinyin, self.name_initials = pinyin_keys(name)

    def set_id_number(self, id_number: str, digest: str = "") -> None:
        """Takes a validated, normalised ID number (and its blind index, when the caller has it)."""
        self.id_number_sealed = crypto.encrypt(id_number, b"member.id_number")
        self.id_number_digest = digest or crypto.blind_index("id_number", id_number)
        self.__dict__.pop("id_number", None)

    def set_phone(self, phone: str, digest: str = "") -> None:
        self.phone_sealed = crypto.encrypt(phone, b"member.phone") if phone else ""
        self.phone_digest = (digest or crypto.blind_index("phone", phone)) if phone else ""
        self.__dict__.pop("phone", None)

    @cached_property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_sealed, b"member.id_number")

    @cached_property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_sealed, b"member.phone") if self.phone_sealed else ""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class MemberTotals(models.Model):
    """The members of one organisation, kept by the services that change them (`registry.totals`):
    `own_*` those whose home organisation it is, the others those of its whole subtree. A subtree's
    figures are then one row, not a count of every member below it."""

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="member_totals"
    )
    own_members = models.IntegerField(default=0)
    own_full = models.IntegerField(default=0)
    own_probationary = models.IntegerField(default=0)
    own_mobile = models.IntegerField(default=0)
    members = models.IntegerField(default=0)
    full = models.IntegerField(default=0)
    probationary = models.IntegerField(default=0)
    mobile = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.members}"
