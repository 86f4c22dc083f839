// coopsearch pages: small enhancements only; every page works without this file.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("copy-status");
    if (!region) {
      region = document.createElement("p");
      region.id = "copy-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function onCopyClick(event) {
    var button = event.currentTarget;
    var text = button.getAttribute("data-copy") || "";
    var label = button.textContent;
    copy(text).then(function () {
      button.textContent = "Copied";
      announce("Copied: " + text);
    }, function () {
      button.textContent = "Select and copy the text";
      announce("Copying is not allowed here; select the text and copy it.");
    }).then(function () {
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  }

  function init() {
    var buttons = document.querySelectorAll("button.copy[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", onCopyClick);
    }
    // On a narrow screen the filters start folded, so the results come first.
    var refine = document.querySelector("details.refine");
    if (refine && window.matchMedia && window.matchMedia("(max-width: 56rem)").matches) {
      refine.open = false;
    }
    var link = document.getElementById("stable-link");
    if (link) {
      link.addEventListener("focus", function () { link.select(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
