"""The service network: 党群服务中心, 暖蜂驿站, 暖蜂商户 and red-education bases, some of them 党员报到处.

Stations are public places: their pages, the map and the nearest-station search show them to
everyone. Who may change a station follows the organisation that runs it.
"""

import datetime

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhibu.registry.models import Coordinates, Organization, Region, Unit


class StationKind(models.TextChoices):
    SERVICE_CENTER = "service_center", _("Party-masses service centre")
    REST_STATION = "rest_station", _("Warm-bee rest station")
    MERCHANT = "merchant", _("Warm-bee merchant")
    RED_BASE = "red_base", _("Red education base")


class StationLevel(models.IntegerChoices):
    HEADQUARTERS = 1, _("Headquarters")
    CENTER = 2, _("Centre")
    STATION = 3, pgettext_lazy("station level", "Station")
    POST = 4, _("Rest post")


class Amenity(models.Model):
    """What a station offers a courier (饮水, 热饭, 充电 …): a list each deployment can extend."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    icon = models.CharField(
        _("icon"), max_length=40, blank=True, help_text=_("A Bootstrap Icons name, such as cup-hot")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("amenity")
        verbose_name_plural = _("amenities")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page: the list is kept in Chinese with English beside it."""
        return self.name_en if self.name_en and get_language().startswith("en") else self.name


class Station(Coordinates):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=StationKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=StationLevel.choices, default=StationLevel.POST)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_checkin_point = models.BooleanField(_("member check-in point (党员报到处)"), default=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation in charge"), on_delete=models.PROTECT, related_name="stations"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit that runs it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT)
    # The organisation of the building, park or community where the station stands: where a
    # check-in goes when the member's employer has no organisation.
    place_organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation of the place (building, park or community)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    # WGS-84 copies of the coordinates as entered, for distances and the nearest-station search.
    wgs_latitude = models.FloatField(null=True, blank=True, editable=False)
    wgs_longitude = models.FloatField(null=True, blank=True, editable=False)
    always_open = models.BooleanField(_("open around the clock"), default=False)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(
        _("closes at"), null=True, blank=True, help_text=_("Earlier than the opening time for hours past midnight")
    )
    open_days = models.CharField(_("open on"), max_length=7, default="1234567", help_text=_("Weekdays, 1 = Monday"))
    hours_note = models.CharField(_("about the hours"), max_length=200, blank=True)
    amenities = models.ManyToManyField(Amenity, verbose_name=_("amenities"), blank=True, related_name="stations")
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("public telephone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    # Raised to void every check-in code printed or shown so far.
    checkin_key_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "name", "id"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        indexes = [models.Index(fields=["wgs_latitude", "wgs_longitude"], name="station_wgs_point")]

    def __str__(self) -> str:
        return self.name

    def is_open_at(self, moment: datetime.datetime) -> bool:
        """Whether the station is open at a local time; hours past midnight belong to the day they start."""
        if not self.is_active:
            return False
        if self.always_open:
            return True
        if self.opens_at is None or self.closes_at is None:
            return False
        day, time = moment.isoweekday(), moment.time()
        if self.opens_at <= self.closes_at:
            return str(day) in self.open_days and self.opens_at <= time < self.closes_at
        started_today = str(day) in self.open_days and time >= self.opens_at
        yesterday = 7 if day == 1 else day - 1
        started_yesterday = str(yesterday) in self.open_days and time < self.closes_at
        return started_today or started_yesterday


class StationPhoto(models.Model):
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="stations/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("station photo")
        verbose_name_plural = _("station photos")

    def __str__(self) -> str:
        return self.caption or self.image.name
