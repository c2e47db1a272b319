// ggmwatch dashboard: keeps the page served at / up to date.
// - polls GET /v1/streams every 2 s: counts, phase, and a new chart when a stream moved;
// - follows each stream's GET /v1/streams/{name}/events/live (Server-Sent Events): an alarm is
//   added to the stream's table as it is raised;
// - reloads the page when streams were created or deleted.
// With ?live=0 the page polls only (no Server-Sent Events: for proxies that buffer them, and for
// headless browsers whose virtual clock waits for open requests).
(function () {
  "use strict";
  var sources = {};
  var sse = !/[?&]live=0(&|$)/.test(window.location.search);
  var live = document.getElementById("live");

  function sectionOf(name) {
    var all = document.querySelectorAll("section.stream");
    for (var i = 0; i < all.length; i++) { if (all[i].dataset.stream === name) return all[i]; }
    return null;
  }

  function text(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }

  function addAlarm(section, e) {
    var table = section.querySelector("table.alarms");
    if (!table) return;
    var body = table.querySelector("tbody");
    if (!table.querySelector("thead")) {
      table.innerHTML = "<thead><tr><th>alarm at</th><th>change estimated at</th><th>fired by</th>" +
        "<th>nodes most involved</th><th>edges most changed</th></tr></thead><tbody></tbody>";
      body = table.querySelector("tbody");
    }
    if (body.querySelector('tr.alarm[data-index="' + e.index + '"]')) return;
    var row = document.createElement("tr");
    row.className = "alarm";
    row.dataset.index = e.index;
    var nodes = (e.topNodes || []).slice(0, 4).map(function (n) { return n.name; }).join(", ");
    var edges = (e.topEdges || []).slice(0, 3).map(function (n) { return (n.names || []).join("-"); }).join(", ");
    row.innerHTML = "<td>" + e.index + (e.label ? " (" + text(e.label) + ")" : "") + "</td><td>" +
      (e.estimatedChange === undefined || e.estimatedChange === null ? "-" : e.estimatedChange) + "</td><td>" +
      text((e.firedBy || []).join("+")) + "</td><td>" + text(nodes) + "</td><td>" + text(edges) + "</td>";
    body.insertBefore(row, body.firstChild);
    section.classList.add("alarmed");
  }

  function follow(name) {
    if (!sse || sources[name] || typeof EventSource === "undefined") return;
    var section = sectionOf(name);
    var after = section ? section.dataset.sequence || "0" : "0";
    var es = new EventSource("/v1/streams/" + encodeURIComponent(name) + "/events/live?after=" + after);
    es.addEventListener("alarm", function (m) {
      var s = sectionOf(name);
      if (s) addAlarm(s, JSON.parse(m.data));
    });
    es.onerror = function () { if (live) live.textContent = "reconnecting"; };
    es.onopen = function () { if (live) live.textContent = "live"; };
    sources[name] = es;
  }

  function refresh() {
    fetch("/v1/streams", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (body) {
      var streams = body.streams || [];
      var names = streams.map(function (s) { return s.name; });
      var shown = Array.prototype.map.call(document.querySelectorAll("section.stream"), function (s) { return s.dataset.stream; });
      if (names.length !== shown.length || names.some(function (n) { return shown.indexOf(n) < 0; })) {
        window.location.reload();
        return;
      }
      var rows = 0, alarms = 0;
      streams.forEach(function (s) {
        rows += s.next; alarms += s.alarms;
        var section = sectionOf(s.name);
        if (!section) return;
        section.querySelector(".observations").textContent = s.next;
        section.querySelector(".alarm-count").textContent = s.alarms;
        var phase = section.querySelector(".phase");
        var p = s.pendingCalibration ? "pending" : s.phase;
        phase.className = "phase " + p;
        phase.textContent = s.pendingCalibration ? (s.calibrating ? "calibrating thresholds" : "awaiting thresholds") : s.phase;
        if (String(s.next) !== section.dataset.next) {
          section.dataset.next = String(s.next);
          var chart = section.querySelector("div.chart");
          var width = Math.max(300, Math.min(2400, Math.round(chart.clientWidth || 1100)));
          fetch("/v1/streams/" + encodeURIComponent(s.name) + "/chart.svg?width=" + width, { cache: "no-store" })
            .then(function (r) { return r.text(); })
            .then(function (svg) { chart.innerHTML = svg; });
        }
      });
      var summary = document.getElementById("summary");
      if (summary) {
        summary.textContent = streams.length + " stream" + (streams.length === 1 ? "" : "s") + ", " + rows + " rows, " +
          alarms + " alarm" + (alarms === 1 ? "" : "s");
      }
      names.forEach(follow);
      if (live) live.textContent = "live, updated " + new Date().toLocaleTimeString();
    }).catch(function () { if (live) live.textContent = "server unreachable"; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("section.stream"), function (s) { follow(s.dataset.stream); });
  refresh();
  setInterval(refresh, 2000);
})();
