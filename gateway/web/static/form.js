// The one form: rows added/removed, shareholder kind, scope filter, live name check. Plain JS, no build.
(function () {
  "use strict";
  var form = document.getElementById("one-form");
  if (!form) return;

  // ---- error summary first: a screen reader hears it, a keyboard user starts there
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // ---- repeatable rows (shareholders, directors, supervisors, employees)
  function renumber(list) {
    var rows = form.querySelectorAll('[data-rows="' + list + '"] > [data-row]');
    var label = { shareholders: "股东", directors: "董事", supervisors: "监事", employees: "员工" }[list];
    rows.forEach(function (row, i) {
      var title = row.querySelector("[data-row-title]");
      if (title) title.textContent = label + " " + (i + 1);
    });
  }
  function nextIndex(list) {
    var max = -1;
    form.querySelectorAll('[name^="' + list + '."]').forEach(function (el) {
      var n = parseInt(el.name.split(".")[1], 10);
      if (!isNaN(n) && n > max) max = n;
    });
    return max + 1;
  }
  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var list = add.getAttribute("data-add-row");
      var tpl = form.querySelector('template[data-template="' + list + '"]');
      var html = tpl.innerHTML.split("__i__").join(String(nextIndex(list)));
      var box = form.querySelector('[data-rows="' + list + '"]');
      box.insertAdjacentHTML("beforeend", html);
      renumber(list);
      // a new shareholder gets the first one's defaults (the payment date), not blanks
      var firstDue = form.elements["shareholders.0.payment_due"];
      var due = box.lastElementChild.querySelector('[name$=".payment_due"]');
      if (list === "shareholders" && due && firstDue && !due.value) due.value = firstDue.value;
      var first = box.lastElementChild.querySelector("input, select");
      if (first) first.focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      var listName = row.parentElement.getAttribute("data-rows");
      var heading = row.parentElement.parentElement.querySelector("[data-add-row]");
      row.remove();
      renumber(listName);
      if (heading) heading.focus();
      capitalSum();
    }
  });
  ["shareholders", "directors", "supervisors", "employees"].forEach(renumber);

  // ---- shareholder kind shows the ID or the USCC input
  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-kind-select]")) {
      event.target.closest("[data-row]").setAttribute("data-kind", event.target.value);
    }
    if (event.target.id === "seals-physical") physical();
  });
  function physical() {
    var box = form.querySelector("[data-physical-only]");
    var on = document.getElementById("seals-physical");
    if (box && on) box.hidden = !on.checked;
  }
  physical();

  // ---- the sum of subscribed capital, next to the rule it must meet
  function capitalSum() {
    var out = document.getElementById("capital-sum");
    if (!out) return;
    var total = 0, any = false;
    function yuan(el) {
      var plain = el && window.OneStopChecks ? window.OneStopChecks.money(el.value) : el && el.value;
      return plain === null || plain === undefined ? NaN : parseFloat(plain);
    }
    form.querySelectorAll("[data-capital-part]").forEach(function (el) {
      var n = yuan(el);
      if (!isNaN(n)) { total += n; any = true; }
    });
    var capital = yuan(form.elements["registered_capital"]);
    if (!any) { out.textContent = ""; return; }
    function fmt(n) { return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
    out.textContent = " 目前认缴合计 " + fmt(total) + " 元" +
      (!isNaN(capital) ? (Math.abs(total - capital) < 0.005 ? "，与注册资本一致 ✓" : "，注册资本 " + fmt(capital) + " 元") : "");
  }
  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-capital-part]") || event.target.name === "registered_capital") capitalSum();
    if (event.target.name === "registered_capital") capitalWords();
  });
  capitalSum();

  // ---- the registered capital as a founder reads it: 500,000.00 元（人民币伍拾万元整）
  var D = "零壹贰叁肆伍陆柒捌玖", U = ["", "拾", "佰", "仟"], B = ["", "万", "亿", "万亿"];
  function daxie(plain) {
    var parts = plain.split("."), whole = parts[0].replace(/^0+(?=\d)/, ""), frac = ((parts[1] || "") + "00").slice(0, 2);
    if (whole.length > 16) return "";
    var out = "", zero = false, group = false;
    for (var i = 0; i < whole.length; i++) {
      var d = +whole[i], pos = whole.length - 1 - i, u = pos % 4;
      if (d === 0) zero = true;
      else { if (zero && out) out += "零"; zero = false; out += D[d] + U[u]; group = true; }
      if (u === 0) { if (group) out += B[pos / 4]; group = false; }
    }
    var jiao = +frac[0], fen = +frac[1], tail = "";
    if (jiao) tail += D[jiao] + "角";
    if (fen) tail += (!jiao && out ? "零" : "") + D[fen] + "分";
    if (!out && !tail) return "人民币零元整";
    return "人民币" + (out ? out + "元" : "") + (tail || "整");
  }
  var words = document.createElement("p");
  words.className = "help capital-words";
  words.id = "capital-words";
  words.setAttribute("aria-live", "polite");
  var capitalInput = form.elements["registered_capital"];
  if (capitalInput) capitalInput.closest(".field").appendChild(words);
  function capitalWords() {
    var plain = capitalInput && window.OneStopChecks ? window.OneStopChecks.money(capitalInput.value) : null;
    if (!plain || isNaN(parseFloat(plain))) { words.textContent = ""; return; }
    var n = parseFloat(plain);
    words.textContent = "= " + n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) +
      " 元（" + daxie(plain) + "）";
  }
  capitalWords();

  // ---- business scope filter
  var filter = document.getElementById("scope-filter");
  if (filter) filter.addEventListener("input", function () {
    var q = filter.value.trim();
    form.querySelectorAll("[data-scope-item]").forEach(function (li) {
      li.hidden = q !== "" && li.textContent.indexOf(q) === -1;
    });
  });

  // ---- live name check (debounced), against the registration bureau's register
  var out = document.getElementById("name-check");
  var full = document.getElementById("name-full");
  var timer = null, seq = 0;
  function val(name) { var el = form.elements[name]; return el ? el.value.trim() : ""; }
  function fullName() {
    return val("name.division") + val("name.trade_name") + val("name.industry") + val("name.organisation_form");
  }
  function show(result) {
    out.textContent = "";
    if (!result.problems || result.problems.length === 0) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "✓ “" + result.name + "”暂未发现重名或近似名称，可以使用";
      out.appendChild(ok);
      return;
    }
    result.problems.forEach(function (p) {
      var div = document.createElement("div");
      div.className = "problem " + (p.severity || "error");
      div.setAttribute("data-problem", p.code || "");
      div.textContent = (p.severity === "warning" ? "提示：" : "问题：") + p.message;
      if (p.conflicts && p.conflicts.length) {
        var c = document.createElement("div");
        c.className = "conflicts";
        c.textContent = "冲突的名称：" + p.conflicts.join("、");
        div.appendChild(c);
      }
      out.appendChild(div);
    });
  }
  function check() {
    full.textContent = fullName();
    if (val("name.trade_name").length < 2) { out.textContent = ""; return; }
    var scope = [];
    form.querySelectorAll('input[name="business_scope"]:checked').forEach(function (el) { scope.push(el.value); });
    var params = new URLSearchParams({ name: fullName(), district_code: val("domicile.district_code"), scope: scope.join(",") });
    // correcting: the application's own reserved name is not a conflict with itself
    if (form.getAttribute("data-application")) params.set("application", form.getAttribute("data-application"));
    var mine = ++seq;
    out.innerHTML = '<p class="pending">正在查重……</p>';
    fetch("/apply/name-check?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (result) { if (mine === seq) show(result); })
      .catch(function () { if (mine === seq) out.innerHTML = '<p class="pending">暂时无法查重，提交时会再次检查。</p>'; });
  }
  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-name-part]")) { clearTimeout(timer); timer = setTimeout(check, 350); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-name-part]")) { clearTimeout(timer); timer = setTimeout(check, 150); }
  });
  if (val("name.trade_name").length >= 2) check();

  // ---- one submit at a time
  form.addEventListener("submit", function () {
    var button = form.querySelector('button[type="submit"]');
    setTimeout(function () { button.disabled = true; button.textContent = "正在提交……"; }, 0);
  });
})();
