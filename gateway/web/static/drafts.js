// Drafts: every change is kept in this browser at once (localStorage, per founder) and sent to the
// server a moment later (PUT /apply/draft), so a reload, Back, an expired session or another device
// never loses what was typed (gateway/drafts.py says how the two copies meet).
(function () {
  "use strict";
  var PREFIX = "onestop-draft:";
  function remove(key) { try { localStorage.removeItem(key); } catch (e) { /* private mode */ } }

  // the application page right after a submit: that draft is done
  var done = document.querySelector("[data-clear-draft]");
  if (done) remove(PREFIX + done.getAttribute("data-clear-draft"));

  var form = document.getElementById("one-form");
  var url = form && form.getAttribute("data-draft-url");
  if (!url) return;
  var key = PREFIX + form.getAttribute("data-founder");
  var draftId = form.getAttribute("data-draft-id");
  var serverSavedAt = parseInt(form.getAttribute("data-draft-saved-at") || "0", 10) || 0;
  var status = document.getElementById("draft-status");
  var csrf = form.elements["csrf_token"].value;

  function read() { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function write(d) { try { localStorage.setItem(key, JSON.stringify(d)); } catch (e) { /* full or private */ } }
  function say(text, warn) {
    status.textContent = "";
    status.className = "help draft-status" + (warn ? " warn" : "");
    if (typeof text === "string") status.textContent = text; else status.appendChild(text);
  }
  // Beijing time (UTC+8, no daylight saving) whatever time zone the browser is set to
  function hhmm(ms) { var d = new Date(ms + 8 * 3600 * 1000); return ("0" + d.getUTCHours()).slice(-2) + ":" + ("0" + d.getUTCMinutes()).slice(-2); }

  function snapshot() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token" && name !== "form_marker") fields.push([name, value.slice(0, 400)]);
    });
    var step = window.OneStopWizard ? window.OneStopWizard.current() : 0;
    return { draft_id: draftId, saved_at: Date.now(), step: step, fields: fields, confirmed: false };
  }
  function put(d) {
    return fetch(url, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ draft_id: d.draft_id, saved_at: d.saved_at, step: d.step, fields: d.fields })
    });
  }
  function expired() {
    var box = document.createElement("span");
    box.appendChild(document.createTextNode("登录已过期。已填写的内容保存在本机，"));
    var a = document.createElement("a");
    a.href = "/login?next=" + encodeURIComponent("/apply");
    a.textContent = "重新登录";
    a.setAttribute("data-relogin", "");
    box.appendChild(a);
    box.appendChild(document.createTextNode("后会自动接着填写。"));
    say(box, true);
  }

  var timer = null;
  function send() {
    var d = read();
    if (!d || d.confirmed) return;
    put(d).then(function (r) {
      if (r.status === 401 || r.status === 403) { expired(); return; }
      if (!r.ok) throw new Error(String(r.status));
      var now = read();
      serverSavedAt = d.saved_at;
      if (!now || now.saved_at !== d.saved_at) return;  // typed on meanwhile: that save reports
      now.confirmed = true;
      write(now);
      say("已自动保存（" + hhmm(d.saved_at) + "），换一台设备登录也能接着填");
    }).catch(function () { say("网络暂时中断：内容已保存在本机，恢复后会自动保存到服务器", true); });
  }
  function changed() {
    write(snapshot());
    if (!/登录已过期/.test(status.textContent)) say("正在保存……");
    clearTimeout(timer);
    timer = setTimeout(send, 700);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("stepchange", function () { if (read()) changed(); });
  var discard = document.querySelector("[data-discard-draft]");
  if (discard) discard.addEventListener("submit", function () { remove(key); });
  if (/[?&]fresh=1/.test(location.search)) remove(key);

  // on load: this browser's copy wins when it is newer than the server's and belongs to the same
  // draft (or never reached the server); it is sent, and the page rendered again from it
  var mine = read();
  if (document.getElementById("error-summary")) { changed(); return; }  // a failed submit shows what was posted
  var same = mine && (mine.draft_id === draftId || (!mine.confirmed && serverSavedAt === 0));
  if (mine && same && mine.saved_at > serverSavedAt && mine.fields) {
    say("正在恢复本机保存的内容……");
    put(mine).then(function (r) {
      if (r.ok) { mine.confirmed = true; write(mine); location.reload(); } else if (r.status === 401 || r.status === 403) expired();
    }).catch(function () { say("网络暂时中断：本机保存的内容稍后恢复", true); });
  } else if (mine && !same) {
    remove(key);  // an old draft: submitted, discarded or replaced on another device
  }
})();
