"""Forms of the station pages: shapes only. The services check the station and write it."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.registry.choices import CoordinateSystem
from zhibu.registry.forms_orgs import ALL, ServiceModelForm
from zhibu.registry.models import Organization, Region, Unit
from zhibu.stations import geo, queries, services
from zhibu.stations.models import Amenity, Station, StationKind, StationLevel


class StationFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or address"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ALL + StationKind.choices, required=False)
    level = forms.TypedChoiceField(label=_("Level"), choices=ALL + StationLevel.choices, coerce=int, required=False)
    checkin = forms.BooleanField(label=_("Member check-in points only"), required=False)
    amenity = forms.ModelChoiceField(
        label=_("Offers"), queryset=Amenity.objects.all(), required=False, to_field_name="code"
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(station__isnull=False).distinct().order_by("code")

    def results(self):
        found = queries.stations().prefetch_related("amenities")
        if not self.is_valid():
            return found
        data = self.cleaned_data
        if data["q"]:
            found = found.filter(Q(name__icontains=data["q"]) | Q(address__icontains=data["q"]))
        for name, lookup in (("kind", "kind"), ("level", "level"), ("region", "region"), ("amenity", "amenities")):
            if data[name] not in (None, ""):
                found = found.filter(**{lookup: data[name]})
        if data["checkin"]:
            found = found.filter(is_checkin_point=True)
        if data["open_now"]:
            found = queries.open_at(found, timezone.localtime())
        return found


class StationForm(ServiceModelForm):
    amenities = forms.ModelMultipleChoiceField(
        label=_("Amenities"), queryset=Amenity.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Station
        fields = services.STATION_FIELDS
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        scope = actor.scope
        runnable = scope.q("path", Capability.EDIT) | scope.q("path", Capability.STATION)
        fields["organization"].queryset = Organization.objects.filter(runnable).order_by("path")
        fields["place_organization"].queryset = Organization.objects.order_by("path")
        fields["parent"].queryset = queries.stations().order_by("level", "name")
        fields["unit"].queryset = Unit.objects.order_by("name")
        fields["region"].queryset = Region.objects.order_by("code")
        fields["amenities"].widget.attrs["class"] = "form-check-input"
        for name in ("latitude", "longitude"):
            # The service names the likely mistake (swapped, outside China) better than a range check.
            fields[name].validators = []
            fields[name].widget.attrs = {"class": "form-control", "step": "0.000001", "inputmode": "decimal"}
        if self.instance.pk:
            fields["amenities"].initial = list(self.instance.amenities.all())

    def service_values(self) -> dict:
        values = super().service_values()
        values["amenities"] = list(values["amenities"])
        return values


PHOTO_TYPES = ("jpg", "jpeg", "png", "webp")


class PhotoForm(BootstrapFormMixin, forms.Form):
    image = forms.ImageField(label=_("Photo"), validators=[FileExtensionValidator(PHOTO_TYPES)])
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class NearestForm(BootstrapFormMixin, forms.Form):
    field_column = "col-6 col-md-3"
    lat = forms.FloatField(label=_("Latitude"))
    lng = forms.FloatField(label=_("Longitude"))
    system = forms.ChoiceField(label=_("Coordinate system"), choices=CoordinateSystem.choices, initial="wgs84")
    k = forms.IntegerField(label=_("How many"), min_value=1, max_value=50, initial=10, required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            geo.check_point(data["lat"], data["lng"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        data["k"] = data.get("k") or 10
        return data

    def wgs84_point(self) -> tuple[float, float]:
        data = self.cleaned_data
        return geo.to_wgs84(data["lat"], data["lng"], data["system"])
