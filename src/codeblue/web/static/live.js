// Live regions: listens to the page's event stream and swaps in the server-rendered fragments it sends.
// A region holding a form someone is using (focus inside, or text typed) waits until they are done.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource) return;
  var status = root.querySelector("[data-live-status]");
  var pending = {};

  function say(text) { if (status) status.textContent = text; }

  function busy(region) {
    if (region.contains(document.activeElement) && document.activeElement !== region) return true;
    return Array.prototype.some.call(region.querySelectorAll("textarea, input[type=text]"), function (f) {
      return f.value !== "";
    });
  }

  function swap(name) {
    var region = root.querySelector('[data-region="' + name + '"]');
    if (!region || pending[name] === undefined) return;
    if (busy(region)) return;
    region.innerHTML = pending[name];
    delete pending[name];
    if (window.codeblueClocks) window.codeblueClocks.refresh(region);
  }

  function flush() { Object.keys(pending).forEach(swap); }

  var url = root.getAttribute("data-live");
  var since = root.getAttribute("data-version") || "";
  var source = new EventSource(url + "?since=" + encodeURIComponent(since));
  root.querySelectorAll("[data-region]").forEach(function (region) {
    var name = region.getAttribute("data-region");
    source.addEventListener(name, function (event) {
      pending[name] = event.data;
      swap(name);
      say("Updated " + new Date().toLocaleTimeString());
    });
  });
  source.addEventListener("open", function () { root.classList.remove("live-lost"); });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      root.classList.add("live-lost");
      say("Live updates stopped (signed out or server unreachable). Reload the page.");
    }
  });
  document.addEventListener("focusout", function () { setTimeout(flush, 0); });
  document.addEventListener("submit", function () { pending = {}; });
})();
