// The verify button of a draw: asks the server to repeat the draw from its published inputs.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-verify-url]");
    if (!btn) return;
    ev.preventDefault();
    var out = document.querySelector("[data-verify-result]");
    out.className = "";
    out.textContent = out.getAttribute("data-busy");
    btn.disabled = true;
    fetch(btn.getAttribute("data-verify-url"), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (data) {
      out.className = data.ok ? "verify-ok" : "verify-bad";
      out.setAttribute("data-state", data.ok ? "ok" : "refuted");
      out.textContent = data.ok ? out.getAttribute("data-ok")
        : out.getAttribute("data-bad") + data.first_difference;
    }).catch(function () {
      out.setAttribute("data-state", "error");
      out.textContent = out.getAttribute("data-error");
    }).finally(function () { btn.disabled = false; });
  });
})();
