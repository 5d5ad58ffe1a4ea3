// The countdown of a contest attempt. The server gives the seconds left when the page is drawn
// (so a phone whose clock is wrong still counts right) and decides on its own whether an answer
// came in time; at zero the page hands in what is ticked.
(function () {
  var clock = document.getElementById("countdown");
  var form = document.getElementById("attempt-form");
  if (!clock || !form) return;
  var end = Date.now() + Number(clock.dataset.remaining) * 1000;
  var sent = false;
  form.addEventListener("submit", function () { sent = true; });
  function show() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    clock.dataset.left = String(left);
    if (left <= 60) { clock.classList.remove("text-bg-dark"); clock.classList.add("text-bg-danger"); }
    if (left === 0 && !sent) { sent = true; form.requestSubmit ? form.requestSubmit() : form.submit(); return; }
    if (left > 0) window.setTimeout(show, 250);
  }
  show();
})();
