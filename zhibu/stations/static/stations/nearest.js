// "Use my location": the browser's position (WGS-84) fills the form, which is then sent.
(function () {
  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) { if (button) button.hidden = true; return; }
  var form = button.form;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lng.value = position.coords.longitude.toFixed(6);
      form.elements.system.value = "wgs84";
      form.submit();
    }, function () {
      button.disabled = false;
      document.getElementById("location-error").hidden = false;
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
  });
})();
