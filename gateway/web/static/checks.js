// Live checks of single fields, in the browser, with the server's own words (the page carries them
// in #form-messages, from contracts.form.MESSAGES): resident ID (GB 11643 birth date + MOD 11-2 check),
// USCC (GB 32100 + the organisation-code check), mobile number, e-mail, amounts. The server checks
// everything again on submit; these only say it sooner. Exposes window.OneStopChecks for form.js.
(function () {
  "use strict";
  var form = document.getElementById("one-form");
  var source = document.getElementById("form-messages");
  if (!form || !source) return;
  var MSG = JSON.parse(source.textContent);

  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var ID_CHECK = "10X98765432";
  function residentIdOk(v) {
    if (!/^\d{17}[\dX]$/.test(v)) return false;
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var born = new Date(y, m - 1, d);
    if (born.getFullYear() !== y || born.getMonth() !== m - 1 || born.getDate() !== d) return false;
    if (y < 1900 || born > new Date()) return false;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+v[i]) * ID_WEIGHTS[i];
    return ID_CHECK[sum % 11] === v[17];
  }

  var USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
  function usccOk(v) {
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(v)) return false;
    var sum = 0, w = 1;
    for (var i = 0; i < 17; i++) { sum += USCC.indexOf(v[i]) * w; w = (w * 3) % 31; }
    if (USCC[(31 - sum % 31) % 31] !== v[17]) return false;
    var body = v.substr(8, 8), total = 0;
    for (var j = 0; j < 8; j++) total += parseInt(body[j], 36) * ORG_WEIGHTS[j];
    var c = 11 - total % 11;
    return (c === 10 ? "X" : c === 11 ? "0" : String(c)) === v[16];
  }

  // an amount as typed ("50万", "1,000,000", "8000元") -> plain yuan digits, or null; the server's
  // gateway/web/formdata.money reads it the same way
  function money(v) {
    var t = v.replace(/[,，\s]/g, "").replace(/元$/, "");
    var wan = /万$/.test(t);
    if (wan) t = t.slice(0, -1);
    if (!/^\d+(\.\d+)?$/.test(t)) return null;
    if (!wan) return t;
    var parts = t.split("."), frac = (parts[1] || "") + "0000";
    var whole = (parts[0] + frac.slice(0, 4)).replace(/^0+(?=\d)/, "");
    var rest = frac.slice(4).replace(/0+$/, "");
    return whole + (rest ? "." + rest : "");
  }

  // the rule for an input, from its name: the same paths the server's field errors use
  function kindOf(el) {
    var n = el.name || "";
    if (/\.resident_id$/.test(n)) return "resident_id";
    if (/\.uscc$/.test(n)) return "uscc";
    if (n === "contact.phone") return "phone";
    if (n === "contact.email") return "email";
    if (el.getAttribute("inputmode") === "decimal") return "amount";
    return null;
  }
  function problem(el) {
    var kind = kindOf(el), v = el.value.trim();
    if (!kind || v === "") return null;  // a blank required field is the server's "必填"
    if (kind === "resident_id") return residentIdOk(v.toUpperCase()) ? null : MSG.resident_id;
    if (kind === "uscc") return usccOk(v.toUpperCase()) ? null : MSG.uscc;
    if (kind === "phone") return /^1[3-9]\d{9}$/.test(v) ? null : MSG.phone;
    if (kind === "email") return /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/.test(v) ? null : MSG.email;
    var amount = money(v);
    if (amount === null) return MSG.amount;
    if (/\.\d{3,}$/.test(amount)) return MSG.amount_places;
    return null;
  }

  // one live message per input, where the server puts its own (id "<input id>-err")
  function show(el, message) {
    var field = el.closest(".field");
    if (!field) return;
    var id = el.id + "-err";
    var node = document.getElementById(id);
    if (message) {
      if (!node) {
        node = document.createElement("p");
        node.className = "error";
        node.id = id;
        field.appendChild(node);
      }
      node.textContent = message;
      node.setAttribute("data-live", "true");
      field.classList.add("has-error");
      el.setAttribute("aria-invalid", "true");
      var described = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) { described.push(id); el.setAttribute("aria-describedby", described.join(" ")); }
    } else if (node) {
      node.remove();
      field.classList.remove("has-error");
      el.removeAttribute("aria-invalid");
    }
  }
  function check(el) {
    if (!kindOf(el)) return true;
    if (/resident_id$|uscc$/.test(el.name) && el.value !== el.value.toUpperCase()) el.value = el.value.toUpperCase();
    var message = problem(el);
    show(el, message);
    return !message;
  }
  // on leaving a field; while typing only to clear a message that is no longer true
  // (not when focus leaves for a button: a message appearing under the field would move the button
  // away from the pointer between press and release, and the click would be lost)
  form.addEventListener("focusout", function (e) {
    var to = e.relatedTarget;
    if (to && to.matches && to.matches("button") && form.contains(to)) return;  // 下一步 checks the step itself
    if (e.target.matches("input")) check(e.target);
  });
  form.addEventListener("input", function (e) {
    var el = e.target;
    if (el.matches("input") && el.getAttribute("aria-invalid") === "true" && !problem(el)) show(el, null);
  });

  window.OneStopChecks = {
    check: check,
    money: money,
    // every checkable input inside a container; the first bad one, or null
    checkAll: function (root) {
      var first = null;
      (root || form).querySelectorAll("input").forEach(function (el) {
        if (!el.closest("[hidden]") && !check(el) && !first) first = el;
      });
      return first;
    }
  };
})();
