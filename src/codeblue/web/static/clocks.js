// Keeps incident clocks current between server renders. The server's time is the reference: each
// rendered region carries data-now, and the difference to this device's clock is applied.
(function () {
  "use strict";
  var skew = 0;

  function readSkew(root) {
    var el = root.matches && root.matches("[data-now]") ? root : root.querySelector("[data-now]");
    if (el) {
      var server = Date.parse(el.getAttribute("data-now"));
      if (!isNaN(server)) skew = server - Date.now();
    }
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // The same wording as the server's duration filter: '2d 3h', '4h 05m', '12m 03s', '9s'.
  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + two(m) + "m";
    if (m) return m + "m " + two(sec) + "s";
    return sec + "s";
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".clock[data-due]").forEach(function (clock) {
      var due = Date.parse(clock.getAttribute("data-due"));
      var value = clock.querySelector("[data-countdown]");
      if (isNaN(due) || !value) return;
      var left = due - now, overdue = left <= 0;
      if (overdue) {
        value.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = "OVERDUE";
        value.appendChild(strong);
        value.appendChild(document.createTextNode(" by " + duration(left)));
      } else {
        value.textContent = duration(left) + " left";
      }
      clock.classList.toggle("clock-overdue", overdue);
      clock.classList.toggle("clock-running", !overdue);
      var holder = clock.closest(".incident, .incident-header");
      if (holder && overdue) holder.classList.add("overdue");
    });
  }

  window.codeblueClocks = { refresh: function (root) { readSkew(root || document); tick(); } };
  readSkew(document);
  tick();
  setInterval(tick, 1000);
})();
