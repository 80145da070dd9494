/* Draws the charts of the complaints' statistics page with Chart.js (vendored): one chart per
   table, from the figures the page carries in #complaint-charts. Each chart is an image whose
   figures are in the table beside it; without JavaScript the tables remain. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("complaint-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    var root = document.documentElement;
    var locale = root.lang || "fr";
    var rtl = root.dir === "rtl";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = charts[canvas.dataset.chart];
      if (!spec) { return; }
      var round = spec.kind === "doughnut";
      var options = {
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: {
          legend: { display: round || spec.series.length > 1, rtl: rtl, position: "bottom" },
          tooltip: { rtl: rtl }
        }
      };
      if (!round) {
        options.scales = {
          x: { stacked: spec.stacked, reverse: rtl && !spec.horizontal },
          y: { stacked: spec.stacked, beginAtZero: true, position: rtl ? "right" : "left" }
        };
        var values = spec.horizontal ? options.scales.x : options.scales.y;
        values.beginAtZero = true;
        if (spec.unit) {
          values.title = { display: true, text: spec.unit };
        } else {
          values.ticks = { precision: 0 };  /* numbers of files: whole numbers */
        }
      }
      new Chart(canvas, {
        type: spec.kind,
        data: {
          labels: spec.labels,
          datasets: spec.series.map(function (s) { return { label: s.label, data: s.values }; })
        },
        options: options
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
