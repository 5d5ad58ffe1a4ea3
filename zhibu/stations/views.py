"""Station pages. The list, map, station pages, GeoJSON and the nearest-station search are public:
stations are public places. Changing a station needs the organisation that runs it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhibu.core.forms import add_service_errors
from zhibu.core.scope import Capability
from zhibu.stations import geo, queries, services
from zhibu.stations.forms import NearestForm, PhotoForm, StationFilterForm, StationForm
from zhibu.stations.models import Station, StationKind, StationPhoto

PAGE_SIZE = 50
KIND_COLOURS = {
    StationKind.SERVICE_CENTER: "#dc3545",
    StationKind.REST_STATION: "#fd7e14",
    StationKind.MERCHANT: "#0d6efd",
    StationKind.RED_BASE: "#6f42c1",
}


def _visible(pk: int) -> Station:
    return get_object_or_404(
        Station.objects.select_related("organization", "unit", "region", "parent", "place_organization"), pk=pk
    )


def station_list(request):
    form = StationFilterForm(request.GET or None)
    page = Paginator(form.results(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "now": timezone.localtime(), "can_create": _can_create(request.user)}
    return render(request, "stations/list.html", context)


def _can_create(user) -> bool:
    return user.is_authenticated and (user.scope.can(Capability.EDIT) or user.scope.can(Capability.STATION))


def station_detail(request, pk: int):
    station = _visible(pk)
    if not station.is_active and not (request.user.is_authenticated and services.can_edit(request.user, station)):
        raise Http404
    context = {
        "station": station,
        "children": queries.stations().filter(parent=station),
        "amenities": station.amenities.all(),
        "photos": station.photos.all(),
        "open_now": station.is_open_at(timezone.localtime()),
        "can_edit": request.user.is_authenticated and services.can_edit(request.user, station),
        "map": _map_config(features=_features_of(station)),
    }
    return render(request, "stations/detail.html", context)


def station_map(request):
    form = StationFilterForm(request.GET or None)
    query = request.GET.copy()
    query["system"] = settings.ZHIBU_MAP_TILE_SYSTEM
    config = _map_config(geojson=f"{reverse('stations:geojson')}?{query.urlencode()}")
    return render(request, "stations/map.html", {"form": form, "map": config, "colours": _legend()})


def _legend() -> list[tuple[str, str]]:
    return [(label, KIND_COLOURS[kind]) for kind, label in StationKind.choices]


def _map_config(geojson: str = "", features: list | None = None) -> dict:
    return {
        "tiles": settings.ZHIBU_MAP_TILE_URL,
        "attribution": settings.ZHIBU_MAP_TILE_ATTRIBUTION,
        "geojson": geojson,
        "features": features,
        "colours": {str(kind): colour for kind, colour in KIND_COLOURS.items()},
        "tiles_system": settings.ZHIBU_MAP_TILE_SYSTEM,
    }


def geojson(request):
    """The network as an RFC 7946 FeatureCollection (WGS-84, longitude first). `system=gcj02` gives
    GCJ-02 coordinates instead, for maps drawn on Chinese tiles."""
    form = StationFilterForm(request.GET or None)
    system = request.GET.get("system", "wgs84")
    found = form.results().exclude(wgs_latitude=None)
    collection = {"type": "FeatureCollection", "features": [_feature(station, system) for station in found]}
    response = JsonResponse(collection, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    response["Content-Disposition"] = 'inline; filename="stations.geojson"'
    return response


def _features_of(station: Station | None) -> list[dict]:
    if station is None or station.wgs_latitude is None:
        return []
    return [_feature(station, settings.ZHIBU_MAP_TILE_SYSTEM)]


def _feature(station: Station, system: str = "wgs84") -> dict:
    lat, lng = station.wgs_latitude, station.wgs_longitude
    if system == "gcj02":
        lat, lng = geo.wgs84_to_gcj02(lat, lng)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]},
        "properties": {
            "id": station.pk,
            "name": station.name,
            "kind": station.kind,
            "kind_label": station.get_kind_display(),
            "level": station.level,
            "is_checkin_point": station.is_checkin_point,
            "address": station.address,
            "amenities": [amenity.code for amenity in station.amenities.all()],
            "url": reverse("stations:detail", args=[station.pk]),
        },
    }


def nearest(request):
    """Public: the stations nearest a point from the browser's location or typed by hand."""
    form = NearestForm(request.GET or None)
    results = []
    if form.is_bound and form.is_valid():
        lat, lng = form.wgs84_point()
        now = timezone.localtime()
        results = [
            {"station": near.station, "distance_m": near.distance_m, "open_now": near.station.is_open_at(now)}
            for near in queries.nearest(lat, lng, form.cleaned_data["k"])
        ]
    return render(request, "stations/nearest.html", {"form": form, "results": results})


# Changing stations


@login_required
def station_create(request):
    if not _can_create(request.user):
        raise PermissionDenied
    form = StationForm(request.user, request.POST or None)
    return _save(request, form, lambda values: services.create_station(request.user, **values), None)


@login_required
def station_edit(request, pk: int):
    station = _visible(pk)
    if not services.can_edit(request.user, station):
        raise PermissionDenied
    form = StationForm(request.user, request.POST or None, instance=station)
    return _save(request, form, lambda values: services.update_station(request.user, station, **values), station)


def _save(request, form: StationForm, write, station: Station | None):
    if request.method == "POST" and form.is_valid():
        try:
            saved = write(form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
            if station is not None:
                station.refresh_from_db()
        else:
            messages.success(request, _("%(name)s has been saved.") % {"name": saved.name})
            return redirect("stations:detail", saved.pk)
    context = {"form": form, "station": station, "map": _map_config(features=_features_of(station))}
    return render(request, "stations/form.html", context)


@login_required
def station_delete(request, pk: int):
    station = _visible(pk)
    if not services.can_edit(request.user, station):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.delete_station(request.user, station)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("stations:detail", station.pk)
        messages.success(request, _("%(name)s has been deleted.") % {"name": station.name})
        return redirect("stations:list")
    return render(request, "stations/delete.html", {"station": station})


@login_required
def photo_add(request, pk: int):
    station = _visible(pk)
    if not services.can_edit(request.user, station):
        raise PermissionDenied
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_photo(request.user, station, form.cleaned_data["image"], form.cleaned_data["caption"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The photo has been added."))
            return redirect("stations:detail", station.pk)
    return render(request, "stations/photo_form.html", {"form": form, "station": station})


@login_required
@require_POST
def photo_delete(request, pk: int):
    photo = get_object_or_404(StationPhoto.objects.select_related("station__organization"), pk=pk)
    if not services.can_edit(request.user, photo.station):
        raise PermissionDenied
    services.delete_photo(request.user, photo)
    messages.success(request, _("The photo has been deleted."))
    return redirect("stations:detail", photo.station_id)


def photo(request, pk: int):
    """Served by the application, so that no media server is needed; photos are public like the station."""
    photo = get_object_or_404(StationPhoto, pk=pk, station__is_active=True)
    try:
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "public, max-age=86400"
    return response
