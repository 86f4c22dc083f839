// Starts ReDoc on /redoc (kept out of the page so that its CSP allows no inline script).
window.addEventListener("load", function () {
  Redoc.init("/openapi.json", {}, document.getElementById("redoc"));
});
