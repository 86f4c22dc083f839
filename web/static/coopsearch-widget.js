/*
 * coopsearch search widget: a search box with results, for any intranet page.
 *
 *   <script src="http://HOST:8000/static/coopsearch-widget.js" defer></script>
 *   <coopsearch-search api="http://HOST:8000" k="5" doc-type="resolution"></coopsearch-search>
 *
 * Attributes: api (the coopsearch server; default: where this script came from), k (results per
 * page, 1-100), mode (hybrid, semantic, keyword), placeholder, q (search at once), api-key (a READ
 * key, only when the server does not allow open reads: anyone reading the page can see it), and the
 * filters doc-type, body, symbol, year-from, year-to, country, kind.
 * The server must list the page's origin in COOPSEARCH_CORS_ORIGINS.
 * Results are built with DOM nodes and textContent only: no document text is parsed as HTML.
 * The element fires `coopsearch-results` (detail: the API's JSON) after each page of results.
 */
(function () {
  "use strict";

  var FILTERS = ["doc-type", "body", "symbol", "year-from", "year-to", "country", "kind"];
  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  var SCRIPT_ORIGIN = (function () {
    try {
      return typeof document !== "undefined" && document.currentScript ? new URL(document.currentScript.src).origin : "";
    } catch (e) {
      return "";
    }
  })();

  /* The API's highlight fragments are HTML-escaped text with <mark> tags: split them into
     [{text, mark}] segments and unescape the five entities, so that they can become text nodes. */
  function highlightSegments(fragment) {
    var segments = [];
    var marked = false;
    String(fragment).split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (part) segments.push({ text: part.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (m) { return ENTITIES[m]; }), mark: marked });
    });
    return segments;
  }

  /* The API's base URL, if it is http(s); never a javascript: or data: URL. */
  function apiBase(value) {
    try {
      var url = new URL(value || SCRIPT_ORIGIN);
      if (url.protocol !== "http:" && url.protocol !== "https:") return null;
      return url.href.replace(/\/+$/, "");
    } catch (e) {
      return null;
    }
  }

  function searchUrl(base, attrs, query, offset) {
    var params = new URLSearchParams({ q: query, k: attrs.k || "5", mode: attrs.mode || "hybrid", offset: String(offset) });
    FILTERS.forEach(function (name) {
      if (attrs[name]) params.set(name.replace("-", "_"), attrs[name]);
    });
    return base + "/api/v1/search?" + params.toString();
  }

  var STYLE = [
    ":host { display: block; font: inherit; color: inherit; }",
    "form { display: flex; gap: .5em; }",
    "input[type=search] { flex: 1; padding: .4em .6em; font: inherit; min-width: 0; }",
    "button { padding: .4em .9em; font: inherit; cursor: pointer; }",
    "ol { list-style: none; padding: 0; margin: .75em 0 0; }",
    "li { margin: 0 0 1em; }",
    ".title { font-weight: 600; }",
    ".meta { font-size: .85em; opacity: .75; margin: .15em 0; }",
    ".snippet { margin: .2em 0 0; }",
    "mark { background: #fde68a; color: inherit; padding: 0 .1em; }",
    ".status { margin: .5em 0 0; font-size: .9em; }",
    ".status.error { color: #b91c1c; }",
    ".more[hidden] { display: none; }"
  ].join("\n");

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { highlightSegments: highlightSegments, apiBase: apiBase, searchUrl: searchUrl };
  }
  if (typeof HTMLElement === "undefined" || typeof customElements === "undefined" ||
      customElements.get("coopsearch-search")) {
    return;
  }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  class CoopsearchSearch extends HTMLElement {
    constructor() {
      super();
      var root = this.attachShadow({ mode: "open" });
      this.input = el("input", { type: "search", name: "q", part: "input", "aria-label": "Search" });
      this.button = el("button", { type: "submit", part: "button", text: "Search" });
      this.form = el("form", { role: "search", part: "form" }, [this.input, this.button]);
      this.status = el("p", { class: "status", role: "status", "aria-live": "polite", part: "status" });
      this.list = el("ol", { part: "results" });
      this.more = el("button", { type: "button", class: "more", part: "more", text: "More results" });
      this.more.hidden = true;
      root.appendChild(el("style", { text: STYLE }));
      [this.form, this.status, this.list, this.more].forEach(function (n) { root.appendChild(n); });
      this.query = "";
      this.nextOffset = null;
      this.controller = null;
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.search(this.input.value, 0);
      });
      this.more.addEventListener("click", () => {
        if (this.nextOffset !== null) this.search(this.query, this.nextOffset);
      });
    }

    connectedCallback() {
      this.input.placeholder = this.getAttribute("placeholder") || "Search documents";
      var initial = this.getAttribute("q");
      if (initial && !this.query) {
        this.input.value = initial;
        this.search(initial, 0);
      }
    }

    attributes() {
      var out = {};
      ["k", "mode"].concat(FILTERS).forEach((name) => { out[name] = this.getAttribute(name) || ""; });
      return out;
    }

    async search(query, offset) {
      query = String(query || "").trim();
      if (!query) return;
      var base = apiBase(this.getAttribute("api"));
      if (!base) {
        this.showStatus("The widget's api attribute is not an http(s) URL.", true);
        return;
      }
      if (this.controller) this.controller.abort();
      this.controller = new AbortController();
      this.query = query;
      var headers = { Accept: "application/json" };
      if (this.getAttribute("api-key")) headers["X-API-Key"] = this.getAttribute("api-key");
      this.showStatus("Searching…", false);
      try {
        var response = await fetch(searchUrl(base, this.attributes(), query, offset),
          { headers: headers, signal: this.controller.signal, credentials: "omit" });
        var body = await response.json().catch(function () { return null; });
        if (!response.ok) {
          var message = body && body.error ? body.error.message : "the search service answered " + response.status;
          if (response.status === 429) message = "Too many searches; try again in " + (response.headers.get("Retry-After") || "a few") + " s.";
          // The API's own words are for developers ("API key", headers); people reading the page get this.
          if (response.status === 401 || response.status === 403) message = "This search is not open to this page. Ask whoever runs the site.";
          this.showStatus(message, true);
          return;
        }
        this.render(base, body, offset > 0);
        this.dispatchEvent(new CustomEvent("coopsearch-results", { detail: body, bubbles: true, composed: true }));
      } catch (error) {
        if (error && error.name === "AbortError") return;
        this.showStatus("The search service cannot be reached.", true);
      }
    }

    showStatus(text, isError) {
      this.status.textContent = text;
      this.status.className = isError ? "status error" : "status";
    }

    render(base, body, append) {
      if (!append) this.list.replaceChildren();
      body.results.forEach((hit) => this.list.appendChild(this.item(base, hit)));
      this.nextOffset = body.next_offset === undefined ? null : body.next_offset;
      this.more.hidden = this.nextOffset === null;
      var shown = this.list.children.length;
      this.showStatus(shown ? shown + " of " + body.total + " passages" : "No results.", false);
    }

    item(base, hit) {
      var doc = hit.document || {};
      var link = el("a", { class: "title", part: "title", href: base + "/documents/" + encodeURIComponent(doc.id || ""),
        target: "_blank", rel: "noopener noreferrer", text: doc.title || doc.source || "Untitled" });
      var meta = [doc.symbol, doc.body, doc.date, hit.label, hit.page ? "p. " + hit.page : null].filter(Boolean).join(" · ");
      var snippet = el("p", { class: "snippet", part: "snippet" });
      if (hit.highlights && hit.highlights.length) {
        highlightSegments(hit.highlights[0]).forEach(function (segment) {
          snippet.appendChild(segment.mark ? el("mark", { text: segment.text }) : document.createTextNode(segment.text));
        });
      } else {
        var text = String(hit.text || "");
        snippet.textContent = text.length > 300 ? text.slice(0, 300) + "…" : text;
      }
      return el("li", { part: "result" }, [link, el("div", { class: "meta", part: "meta", text: meta }), snippet]);
    }
  }

  customElements.define("coopsearch-search", CoopsearchSearch);
})();
