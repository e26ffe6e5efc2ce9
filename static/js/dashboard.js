/* Dashboard and roll-up enhancements. The pages are complete without this file: every
 * chart's numbers are in the table next to it. Charts use the vendored ECharts
 * (static/vendor/echarts.dashboard.min.js: only the charts drawn here, scripts/vendor/build-echarts.sh), SVG renderer so they stay sharp in print. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.name === "organisation" && el.form.elements.inspection) {
        el.form.elements.inspection.disabled = true; // the new organisation has its own inspections
      }
      el.form.submit();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });

  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels; // translated on the server

  var COLOR = {
    done: "#2e7d32", awaiting: "#00838f", in_progress: "#1565c0", not_started: "#9e9e9e",
    open: "#64b5f6", overdue: "#c62828", due: "#ffb74d", planned: "#8d8d8d", actual: "#b71c1c"
  };
  var FONT = getComputedStyle(document.body).fontFamily;
  var BASE = { textStyle: { fontFamily: FONT }, animation: false, aria: { enabled: true } };
  var charts = [];

  function shortLabel(text) {
    var s = String(text).replace(/^关于/, "").replace(/方面$/, "");
    return s.length > 14 ? s.slice(0, 13) + "…" : s;
  }

  function status(d) {
    var total = d.status.reduce(function (n, s) { return n + s.value; }, 0);
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, icon: "circle" },
      title: {
        text: String(total), subtext: L.measures, left: "center", top: "34%",
        textStyle: { fontSize: 28, fontWeight: "bold" }, subtextStyle: { fontSize: 13 }
      },
      series: [{
        type: "pie", radius: ["48%", "72%"], center: ["50%", "44%"], avoidLabelOverlap: true,
        label: { formatter: "{c}" }, itemStyle: { borderColor: "#fff", borderWidth: 2 },
        data: d.status.map(function (s) {
          return { name: s.name, value: s.value, itemStyle: { color: COLOR[s.key] } };
        })
      }]
    };
  }

  function bars(d) {
    function series(name, key, color) {
      return {
        name: name, type: "bar", stack: "all", data: d[key], itemStyle: { color: color }, barMaxWidth: 22,
        label: { show: true, formatter: function (p) { return p.value ? p.value : ""; }, color: "#fff", fontSize: 11 }
      };
    }
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: d.labels, axisLabel: { formatter: shortLabel } },
      series: [
        series(L.done, "done", COLOR.done),
        series(L.open_on_time, "open_on_time", COLOR.open),
        series(L.overdue, "overdue", COLOR.overdue)
      ]
    };
  }

  function trend(d) {
    var weeks = d.weeks.map(function (w) { return w.slice(2); });
    function indexOf(day) { return d.weeks.filter(function (w) { return w <= day; }).length - 1; }
    var todayIndex = indexOf(d.today);
    // Open on the rectification period; a deadline extended far beyond it stays reachable by zooming.
    var focus = Math.min(d.weeks.length - 1, Math.max(todayIndex, indexOf(d.deadline || d.today)) + 4);
    var zoom = focus < d.weeks.length - 1 || d.weeks.length > 60;
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: zoom ? 26 : 0 },
      grid: { left: 8, right: 16, top: 24, bottom: zoom ? 56 : 30, containLabel: true },
      dataZoom: zoom ? [{ type: "slider", height: 14, bottom: 4, startValue: 0, endValue: focus }] : [],
      xAxis: { type: "category", data: weeks, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.due, type: "bar", data: d.due, itemStyle: { color: COLOR.due }, barMaxWidth: 10 },
        { name: L.signed_off, type: "bar", data: d.done, itemStyle: { color: COLOR.done }, barMaxWidth: 10 },
        {
          name: L.planned, type: "line", step: "end", symbol: "none", data: d.planned,
          lineStyle: { type: "dashed", color: COLOR.planned }, itemStyle: { color: COLOR.planned }
        },
        {
          name: L.actual, type: "line", step: "end", symbol: "none", data: d.actual,
          lineStyle: { width: 3, color: COLOR.actual }, itemStyle: { color: COLOR.actual },
          markLine: todayIndex < 0 ? undefined : {
            symbol: "none", label: { formatter: L.today }, lineStyle: { color: "#555" },
            data: [{ xAxis: todayIndex }]
          }
        }
      ]
    };
  }

  var BUILD = {
    status: function () { return status(data); },
    trend: function () { return trend(data.trend); },
    categories: function () { return bars(data.categories); },
    leaders: function () { return bars(data.leaders); },
    owners: function () { return bars(data.owners); }
  };

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = BUILD[el.getAttribute("data-chart")];
    if (!build) { return; }
    var rows = parseInt(el.getAttribute("data-rows") || "0", 10);
    if (rows) { el.style.height = (rows * 34 + 60) + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({}, BASE, build()));
    charts.push(chart);
  });

  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
  // Print at the paper's width, then back to the screen's.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (c) { c.resize({ width: 640 }); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
