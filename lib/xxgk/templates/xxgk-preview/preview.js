// The preview page: marks the findings on the report and swaps in the new page each time the
// server says it changed (server-sent events; the browser reconnects by itself).
"use strict";
(function () {
  function mark(element, finding) {
    element.classList.add("xxgk-flag", "xxgk-flag-" + finding.level);
    element.title = (element.title ? element.title + "\n" : "") + finding.rule + "：" + finding.message +
      "（应为 " + finding.expected + "，实为 " + finding.found + "）";
    element.dataset.findings = ((element.dataset.findings || "") + " " + finding.rule).trim();
  }
  // narrative as printed: the kit puts narrow spaces between Chinese and digits
  function bare(text) { return text.replace(/[\s\u2009\u202f\u00a0]/g, ""); }
  function apply() {
    var node = document.getElementById("xxgk-preview-data");
    if (!node) return 0;
    var data = JSON.parse(node.textContent);
    var paragraphs = Array.prototype.slice.call(document.querySelectorAll("main p, main li"));
    var places = data.findings.map(function (finding) {
      var found = finding.cells.map(function (key) {
        return document.querySelector('[data-params="' + CSS.escape(key) + '"]');
      }).filter(Boolean);
      if (finding.excerpt) {
        var words = bare(finding.excerpt);
        found = found.concat(paragraphs.filter(function (p) { return bare(p.textContent).indexOf(words) >= 0; }));
      }
      found.forEach(function (element) { mark(element, finding); });
      return found;
    });
    document.querySelectorAll("#xxgk-preview li[data-finding]").forEach(function (item) {
      item.addEventListener("click", function () {
        var first = places[Number(item.dataset.finding)][0];
        if (first) first.scrollIntoView({block: "center"});
      });
    });
    return data.version;
  }
  var version = null;
  function swap() {
    fetch(location.pathname, {cache: "no-store"}).then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var x = window.scrollX, y = window.scrollY;
        document.replaceChild(document.adoptNode(fresh.documentElement), document.documentElement);
        version = apply();
        window.scrollTo(x, y);
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    version = apply();
    var events = new EventSource("events");
    events.onmessage = function (event) {
      if (Number(event.data) !== version) swap();
    };
  });
})();
