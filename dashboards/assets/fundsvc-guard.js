/* fundsvc: turn refusals of the served app into in-page messages (zh / en).
 * 413 (request too large), 403 (not allowed / CSRF) and 401 (signed out: go to the login page)
 * come back from the server's security middleware; without this script Dash would fail silently. */
(function () {
  if (!window.fetch || window.__fundsvcGuard) { return; }
  window.__fundsvcGuard = true;
  var original = window.fetch;
  function banner(text) {
    var el = document.getElementById("fundsvc-guard-message");
    if (!el) {
      el = document.createElement("div");
      el.id = "fundsvc-guard-message";
      el.className = "alert alert-danger";
      el.setAttribute("role", "alert");
      el.style.position = "fixed"; el.style.top = "8px"; el.style.left = "50%";
      el.style.transform = "translateX(-50%)"; el.style.zIndex = "2000"; el.style.maxWidth = "90%";
      el.addEventListener("click", function () { el.remove(); });
      document.body.appendChild(el);
    }
    el.textContent = text;
  }
  window.fetch = function () {
    return original.apply(this, arguments).then(function (resp) {
      if (resp.status === 413) {
        banner("文件或请求过大（上限 8 MiB；情景文件 2 MiB）· The file or request is too large (limit 8 MiB; scenario files 2 MiB).");
      } else if (resp.status === 403) {
        banner("无权执行此操作，或页面已过期，请刷新 · Not allowed for your role, or the page is stale: reload it.");
      } else if (resp.status === 401) {
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
      }
      return resp;
    });
  };
})();
