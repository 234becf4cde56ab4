// Live progress: poll the page's small JSON endpoint and swap in the re-rendered section when it changes.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.getAttribute("data-final") === "true") return;
  var url = box.getAttribute("data-live-url");
  var last = box.innerHTML, delay = 1500, failures = 0;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        failures = 0;
        if (data.html !== last) { box.innerHTML = data.html; last = data.html; }
        if (data.final) {
          var note = document.getElementById("live-note");
          if (note) note.textContent = "";
          return;
        }
        delay = document.hidden ? 10000 : 1500;
        setTimeout(poll, delay);
      })
      .catch(function () { failures += 1; setTimeout(poll, Math.min(30000, 2000 * failures)); });
  }
  setTimeout(poll, delay);
})();
