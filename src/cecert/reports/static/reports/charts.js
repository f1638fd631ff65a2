// Draws every chart on the page from its JSON spec ({categories, series, percent}) with ECharts
// (served from the platform's own static files). The numbers are also in the table beside each chart.
(function () {
  "use strict";

  function option(spec) {
    var yAxis = [{ type: "value", name: spec.percent ? "人数" : "" }];
    if (spec.percent || spec.series.some(function (s) { return s.yAxisIndex === 1; })) {
      yAxis.push({ type: "value", name: spec.percent ? "%" : "", max: spec.percent ? 100 : null, min: 0 });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 40, bottom: 60 },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 40 : 0 } },
      yAxis: yAxis,
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type, stack: s.stack, yAxisIndex: s.yAxisIndex || 0, data: s.data };
      })
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var chart = echarts.init(el, null, { locale: "ZH", renderer: "svg" });
      chart.setOption(option(JSON.parse(source.textContent)));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
}());
