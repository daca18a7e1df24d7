// Times in the operator's time zone: each <time datetime> shows local time, UTC stays in its title.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function zone(date) {
    try {
      var part = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
        .formatToParts(date).find(function (p) { return p.type === "timeZoneName"; });
      return part ? part.value : "";
    } catch (e) { return ""; }
  }
  function localise() {
    var nodes = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var date = new Date(node.getAttribute("datetime"));
      if (isNaN(date.getTime())) { continue; }
      node.textContent = date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + " " +
        pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + " " + zone(date);
      node.classList.add("local");
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", localise); } else { localise(); }
})();
