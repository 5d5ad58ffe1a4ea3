// The lesson form shows only the fields of the chosen kind: the text always, the media file for
// audio and video, the link for video. Without JavaScript every field shows; the server decides.
(function () {
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  function cell(id) {
    var input = document.getElementById(id);
    return input ? input.closest("[class^=col]") : null;
  }
  var upload = cell("id_upload");
  var link = cell("id_video_url");
  function show() {
    if (upload) upload.hidden = kind.value === "text";
    if (link) link.hidden = kind.value !== "video";
  }
  kind.addEventListener("change", show);
  show();
})();
