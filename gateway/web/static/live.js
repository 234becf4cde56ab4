// Live progress: poll the page's small JSON endpoint and swap in the re-rendered section when it changes,
// backing off from 1.5 s to 15 s while nothing changes.
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
        var changed = data.html !== last;
        if (changed) { box.innerHTML = data.html; last = data.html; }
        if (data.final) {
          var note = document.getElementById("live-note");
          if (note) note.textContent = "";
          return;
        }
        // quick while things happen (the automatic path takes seconds), slower while a step waits for
        // a clerk or the post: a page left open for a day must not keep asking every 1.5 s
        delay = changed ? 1500 : Math.min(delay * 1.5, 15000);
        setTimeout(poll, document.hidden ? Math.max(delay, 10000) : delay);
      })
      .catch(function () { failures += 1; setTimeout(poll, Math.min(30000, 2000 * failures)); });
  }
  setTimeout(poll, delay);
})();
