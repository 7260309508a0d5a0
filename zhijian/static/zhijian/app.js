// Zhijian page behaviour: no inline scripts (Content-Security-Policy), progressive enhancement only.
(function () {
  "use strict";
  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[data-autosubmit]")) ev.target.form.submit();
  });
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-unmask]");
    if (!btn) return;
    ev.preventDefault();
    fetch(btn.getAttribute("data-unmask"), {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (data) {
      document.getElementById(btn.getAttribute("data-target")).textContent = data.value;
      btn.remove();
    }).catch(function () { btn.textContent = "×"; });
  });
  if (window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.nav, details.filter-panel").forEach(function (d) {
      d.removeAttribute("open");
    });
  }
})();
