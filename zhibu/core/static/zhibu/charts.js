// Bar charts drawn with ECharts from data the page carries in a JSON script tag:
// <div data-chart="id-of-json"> with {"categories": [...], "series": [{"name": ..., "data": [...]}, ...]}
// and, for drill-down, "links": [url of each category, ...] opened when its bar is clicked;
// optionally "max" (the end of the value axis) and "unit" (shown after each value, such as "%").
(function () {
  function draw(element) {
    var data = JSON.parse(document.getElementById(element.dataset.chart).textContent);
    var chart = echarts.init(element, null, { renderer: "canvas" });
    var unit = data.unit || "";
    chart.setOption({
      animation: false,
      color: ["#198754", "#dc3545", "#0d6efd", "#fd7e14", "#6f42c1"],
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return value + unit; },
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, max: data.max, axisLabel: { formatter: "{value}" + unit } },
      yAxis: { type: "category", inverse: true, data: data.categories, axisLabel: { width: 110, overflow: "truncate" } },
      series: data.series.map(function (series) {
        return { name: series.name, type: "bar", data: series.data, barMaxWidth: 14 };
      }),
    });
    if (data.links) {
      chart.on("click", function (params) { window.location.href = data.links[params.dataIndex]; });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.drawn = "true";
  }
  document.querySelectorAll("[data-chart]").forEach(draw);
})();
