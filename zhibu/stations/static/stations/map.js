// Stations on a Leaflet map. The page carries its settings in <script id="map-config">: a tile URL
// (none: a plain background, and no request leaves the server), and either a GeoJSON URL or the
// features themselves. A map with data-pick="lat,lng" fields sets them where it is clicked.
(function () {
  var element = document.getElementById("station-map");
  if (!element) return;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var map = L.map(element, { attributionControl: Boolean(config.tiles) }).setView([22.55, 113.9], 11);
  if (config.tiles) {
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  } else {
    element.classList.add("map-plain");
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    var kind = document.createElement("div");
    kind.className = "small text-muted";
    kind.textContent = properties.kind_label + (properties.address ? " · " + properties.address : "");
    box.append(link, kind);
    return box;
  }

  function draw(collection) {
    var layer = L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var colour = config.colours[feature.properties.kind] || "#333";
        return L.circleMarker(latlng, { radius: 7, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.7 });
      },
      onEachFeature: function (feature, marker) { marker.bindPopup(popup(feature.properties)); },
    }).addTo(map);
    if (collection.features.length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16 });
    element.dataset.markers = String(collection.features.length);
  }

  if (config.geojson) {
    fetch(config.geojson).then(function (response) { return response.json(); }).then(draw);
  } else {
    draw({ type: "FeatureCollection", features: config.features || [] });
  }

  var pick = element.dataset.pick;
  if (pick) {
    var fields = pick.split(",").map(function (id) { return document.getElementById(id); });
    var system = document.getElementById(element.dataset.system);
    var marker = null;
    map.on("click", function (event) {
      fields[0].value = event.latlng.lat.toFixed(6);
      fields[1].value = event.latlng.lng.toFixed(6);
      if (system) system.value = config.tiles_system || "wgs84";
      if (marker) marker.setLatLng(event.latlng); else marker = L.marker(event.latlng).addTo(map);
    });
  }
})();
