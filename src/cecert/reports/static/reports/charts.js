// Draws every chart on the page from its JSON spec ({categories, series, percent}) with ECharts
// (served from the platform's own static files). The numbers are also in the table below each chart.
(function () {
  "use strict";

  // Below this many pixels per category the labels of a vertical chart overlap: the chart is
  // drawn with horizontal bars instead (one row per region, names read left to right).
  var MIN_COLUMN_WIDTH = 48;
  var ROW_HEIGHT = 26;

  function horizontal(spec, width) {
    return spec.categories.length > 8 && width / spec.categories.length < MIN_COLUMN_WIDTH;
  }

  function option(spec, flipped) {
    var values = [{ type: "value", name: spec.percent ? "人数" : "" }];
    if (spec.percent || spec.series.some(function (s) { return s.yAxisIndex === 1; })) {
      values.push({ type: "value", name: spec.percent ? "%" : "", max: spec.percent ? 100 : null, min: 0 });
    }
    var many = spec.categories.length > 6;
    var categories = {
      type: "category",
      data: spec.categories,
      inverse: flipped,
      axisLabel: flipped ? { interval: 0 } : { interval: 0, rotate: many ? 45 : 0, hideOverlap: true }
    };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 12, right: 24, top: flipped && values.length > 1 ? 64 : 40, bottom: 12, containLabel: true },
      xAxis: flipped ? values : categories,
      yAxis: flipped ? categories : values,
      series: spec.series.map(function (s) {
        var index = s.yAxisIndex || 0;
        var item = { name: s.name, type: s.type, stack: s.stack, data: s.data };
        if (flipped) { item.xAxisIndex = index; } else { item.yAxisIndex = index; }
        return item;
      })
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var flipped = horizontal(spec, el.clientWidth);
      if (flipped) { el.style.height = Math.max(320, spec.categories.length * ROW_HEIGHT + 100) + "px"; }
      var chart = echarts.init(el, null, { locale: "ZH", renderer: "svg" });
      chart.setOption(option(spec, flipped));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () {
        var now = horizontal(spec, el.clientWidth);
        if (now !== flipped) {
          flipped = now;
          el.style.height = flipped ? Math.max(320, spec.categories.length * ROW_HEIGHT + 100) + "px" : "";
          chart.setOption(option(spec, flipped), true);
        }
        chart.resize();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
}());
