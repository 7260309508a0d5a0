// The inspector's outbox: a submission is stored in IndexedDB (fields and photos as blobs)
// before it is sent, removed only when the server has answered, and sent again when the
// connection returns (the "online" event, a timer, the 重试 button, or the next page load).
// The server is idempotent on client_uuid, so a submission sent twice is saved once.
// No inline scripts (CSP): this file is loaded by the phone pages.
(function () {
  "use strict";
  var DB_NAME = "zhijian-inspections", STORE = "outbox", RETRY_MS = 15000;
  var panel = document.getElementById("outbox");
  if (!panel || !window.indexedDB) return;
  var api = panel.getAttribute("data-api");
  var me = panel.getAttribute("data-user") || "";  // a shared phone sends each user's own only
  var form = document.querySelector("form[data-outbox]");
  var status = document.getElementById("submit-status");
  var sending = {};
  // Messages come translated from the page (data-msg-* on the outbox panel).
  function msg(key, fallback) { return panel.getAttribute("data-msg-" + key) || fallback; }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "uuid"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        var store = t.objectStore(STORE);
        result = work(store);
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function put(entry) { return tx("readwrite", function (s) { return s.put(entry); }); }
  function remove(uuid) { return tx("readwrite", function (s) { return s["delete"](uuid); }); }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (entries) {
      return (entries || []).filter(function (e) { return (e.user || "") === me; });
    });
  }

  function show(text, kind) {
    if (!status) return;
    status.hidden = false;
    status.className = "msg msg-" + kind;
    status.textContent = "";
    if (typeof text === "string") status.textContent = text; else status.appendChild(text);
  }

  function entryFromForm(f) {
    var fields = [], files = [];
    new FormData(f).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size > 0) files.push({field: name, name: value.name, type: value.type, blob: value});
      } else {
        fields.push([name, value]);
      }
    });
    var uuid = f.querySelector("input[name=client_uuid]").value;
    return {uuid: uuid, user: me, label: f.getAttribute("data-label") || "", savedAt: new Date().toISOString(),
            fields: fields, files: files, state: "pending", message: ""};
  }

  function body(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") data.append(pair[0], pair[1]);
    });
    entry.files.forEach(function (file) { data.append(file.field, file.blob, file.name); });
    return data;
  }

  function clearErrors() {
    if (!form) return;
    form.querySelectorAll(".js-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }
  function showErrors(errors) {
    if (!form) return;
    clearErrors();
    var general = [];
    Object.keys(errors).forEach(function (name) {
      var box = name ? form.querySelector('[data-field="' + name + '"]') : null;
      if (!box) { general = general.concat(errors[name]); return; }
      box.classList.add("has-error");
      errors[name].forEach(function (msg) {
        var div = document.createElement("div");
        div.className = "error js-error"; div.setAttribute("role", "alert"); div.textContent = msg;
        box.appendChild(div);
      });
    });
    show(general.length ? general.join(" ") : msg("invalid", "提交未通过校验，请按红色提示修改后重新提交。"), "error");
  }

  // Send one entry; resolves to "saved", "rejected" or "kept" (still in the outbox).
  function send(entry) {
    if (sending[entry.uuid]) return Promise.resolve("kept");
    sending[entry.uuid] = true;
    return fetch(api, {method: "POST", body: body(entry), credentials: "same-origin",
                       headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            return remove(entry.uuid).then(function () { saved(entry, data); return "saved"; });
          }
          if (response.status === 400) {
            var onThisForm = form && form.querySelector("input[name=client_uuid]").value === entry.uuid;
            if (onThisForm) {
              return remove(entry.uuid).then(function () {
                showErrors(data.errors || {"": [data.detail || msg("rejected", "提交被拒绝")]});
                return "rejected";
              });
            }
            entry.state = "rejected"; entry.message = data.detail || msg("rejected", "提交被拒绝");
            return put(entry).then(function () { return "rejected"; });
          }
          entry.state = "pending";
          entry.message = (response.status === 401 || response.status === 403)
            ? msg("login", "登录已过期或无权限，请重新登录后点击“重试”。") : msg("server", "服务器暂时无法处理，稍后自动重试。") + " (" + response.status + ")";
          return put(entry).then(function () { return "kept"; });
        });
      }, function () {
        entry.state = "pending"; entry.message = msg("offline", "网络不可用，已保存在本机，网络恢复后自动重试。");
        return put(entry).then(function () { return "kept"; });
      })
      .then(function (outcome) {
        delete sending[entry.uuid];
        if (outcome === "kept" && form && form.querySelector("input[name=client_uuid]").value === entry.uuid) {
          show(entry.message, "warning");
        }
        return render().then(function () { return outcome; });
      }, function (err) { delete sending[entry.uuid]; throw err; });
  }

  function saved(entry, data) {
    var onThisForm = form && form.querySelector("input[name=client_uuid]").value === entry.uuid;
    if (!onThisForm) return;
    clearErrors();
    var p = document.createElement("span");
    p.appendChild(document.createTextNode((data.duplicate ? msg("duplicate", "该检查此前已提交：") : msg("saved", "检查已提交：")) + (data.number || "") + " "));
    if (data.url) {
      var a = document.createElement("a"); a.href = data.url; a.textContent = msg("view", "查看检查记录"); p.appendChild(a);
    }
    show(p, "success");
    form.setAttribute("data-sent", data.number || "1");
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  }

  function localTime(iso) {
    var d = new Date(iso), pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function render() {
    return all().then(function (entries) {
      var list = document.getElementById("outbox-list");
      list.textContent = "";
      entries.forEach(function (entry) {
        var li = document.createElement("li");
        li.setAttribute("data-uuid", entry.uuid);
        li.appendChild(document.createTextNode((entry.label || msg("inspection", "检查")) + " · " + localTime(entry.savedAt)));
        if (entry.message) {
          var m = document.createElement("span"); m.className = entry.state === "rejected" ? "error" : "hint";
          m.textContent = entry.message; li.appendChild(m);
        }
        if (entry.state === "rejected") {
          var drop = document.createElement("button"); drop.type = "button"; drop.className = "link";
          drop.textContent = msg("drop", "删除"); drop.setAttribute("data-drop", entry.uuid); li.appendChild(drop);
        }
        list.appendChild(li);
      });
      document.getElementById("outbox-count").textContent = String(entries.length);
      panel.hidden = entries.length === 0;
      return entries;
    });
  }

  function flush() {
    return all().then(function (entries) {
      return entries.filter(function (e) { return e.state !== "rejected"; })
        .reduce(function (chain, entry) { return chain.then(function () { return send(entry); }); }, Promise.resolve());
    });
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (form.getAttribute("data-sent")) return;
      var entry = entryFromForm(form);
      show(msg("sending", "正在提交…"), "info");
      put(entry).then(function () { return send(entry); });
    });
    var outcome = form.querySelector("select[name=outcome]");
    var rectify = form.querySelector("[data-show-for]");
    if (outcome && rectify) {
      var toggle = function () { rectify.hidden = outcome.value !== rectify.getAttribute("data-show-for"); };
      outcome.addEventListener("change", toggle); toggle();
    }
  }
  document.getElementById("outbox-retry").addEventListener("click", function () { flush(); });
  panel.addEventListener("click", function (ev) {
    var uuid = ev.target.getAttribute && ev.target.getAttribute("data-drop");
    if (uuid) remove(uuid).then(render);
  });
  window.addEventListener("online", function () { flush(); });
  window.setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);
  render().then(function () { if (navigator.onLine) flush(); });
})();
