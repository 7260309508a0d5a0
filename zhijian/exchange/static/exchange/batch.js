// Progress of an import batch: poll the status endpoint until the batch has finished.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.dataset.finished === "1") { return; }
  var url = box.dataset.statusUrl;
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("batch-bar").value = data.percent;
        set("batch-status", data.status_label);
        set("batch-read", data.rows_read);
        set("batch-accepted", data.accepted);
        set("batch-rejected", data.rejected);
        set("batch-message", data.message || "—");
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
