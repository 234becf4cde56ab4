// The one form as ten steps: a step bar ("第3步/共10步"), 上一步/下一步, the submit button on the last
// step. Without JavaScript the whole form shows at once, as before. The step is kept in the address
// (#step-3) and in the draft; after a failed submit the first step with an error opens, and a link
// in the error summary opens the step of its field. Exposes window.OneStopWizard for drafts.js.
(function () {
  "use strict";
  var form = document.getElementById("one-form");
  var bar = document.getElementById("stepbar");
  if (!form || !bar) return;
  var sections = Array.prototype.slice.call(form.querySelectorAll("fieldset.card"));
  var tabs = Array.prototype.slice.call(bar.querySelectorAll("[data-step-for]"));
  var nav = document.getElementById("wizard-nav");
  var submit = document.getElementById("submit-actions");
  var count = document.getElementById("step-count");
  var prev = nav.querySelector('[data-step-move="-1"]');
  var next = nav.querySelector('[data-step-move="1"]');
  var titles = tabs.map(function (t) { return t.querySelector(".title").textContent; });
  var last = sections.length - 1;
  var current = 0;

  function hasError(section) {
    return !!section.querySelector(".has-error, .section-errors .error, .flagged");
  }
  function indexOf(el) {
    for (var i = 0; i < sections.length; i++) if (sections[i].contains(el)) return i;
    return submit.contains(el) ? last : -1;  // next to the submit button: a correction's reply
  }
  function show(i, focus) {
    current = Math.max(0, Math.min(last, i));
    sections.forEach(function (s, k) { s.hidden = k !== current; });
    tabs.forEach(function (t, k) {
      if (k === current) t.setAttribute("aria-current", "step"); else t.removeAttribute("aria-current");
      t.classList.toggle("visited", k < current);
      t.classList.toggle("has-error", hasError(sections[k]));
    });
    count.textContent = "第" + (current + 1) + "步/共" + sections.length + "步 · " + titles[current];
    prev.hidden = current === 0;
    next.hidden = current === last;
    if (current < last) next.textContent = "下一步：" + titles[current + 1];
    submit.hidden = current !== last;
    if (history.replaceState) history.replaceState(null, "", location.pathname + location.search + "#step-" + (current + 1));
    form.dispatchEvent(new CustomEvent("stepchange", { detail: { step: current } }));
    if (focus) {
      var legend = sections[current].querySelector("legend");
      bar.scrollIntoView({ block: "start" });
      if (legend) { legend.setAttribute("tabindex", "-1"); legend.focus({ preventScroll: true }); }
    }
  }

  bar.hidden = false;
  nav.hidden = false;
  tabs.forEach(function (t, k) { t.addEventListener("click", function () { show(k, true); }); });
  prev.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () {
    // this step's live checks first: a bad ID number is fixed where it was typed
    var bad = window.OneStopChecks && window.OneStopChecks.checkAll(sections[current]);
    if (bad) { bad.focus(); return; }
    show(current + 1, true);
  });
  // Enter in an input goes to the next step instead of submitting a form that is not finished
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches("input") && current < last) { e.preventDefault(); next.click(); }
  });

  // a link to a field in another step opens that step (the error summary, the correction notice)
  document.addEventListener("click", function (e) {
    var link = e.target.closest('a[href^="#f-"]');
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    var i = target ? indexOf(target) : -1;
    if (i < 0) return;
    e.preventDefault();
    show(i, false);
    var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea") || target;
    input.focus({ preventScroll: true });
    (target.closest(".field") || target).scrollIntoView({ block: "center" });
  });

  // where to start: the first step with an error or a clerk's flag, else the address, else the draft
  var start = sections.findIndex(hasError);
  if (start < 0 && submit.querySelector(".has-error")) start = last;
  var hash = /^#step-(\d+)$/.exec(location.hash);
  if (start < 0 && hash) start = parseInt(hash[1], 10) - 1;
  if (start < 0) start = parseInt(form.getAttribute("data-draft-step") || "0", 10) || 0;
  show(start, false);

  window.OneStopWizard = { current: function () { return current; }, show: show };
})();
