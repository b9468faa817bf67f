// The dashboard page: one chart per metric of the dashboard, first drawn from the chart
// API's history (ECharts options built by pyecharts on the server), then extended in
// place by each snapshot the WebSocket delivers. A dropped connection is retried with
// backoff (0.5 s doubling up to 10 s).
(function () {
  "use strict";
  const HISTORY_SECONDS = 300;
  const SERIES = ["mean", "min", "max"];
  const root = document.getElementById("dashboard");
  const statusLine = document.getElementById("status");
  const dashboard = root.dataset.dashboard;
  const tick = Number(root.dataset.tick) || 1;
  const bucket = Math.max(tick, 1);
  const streamBase =
    root.dataset.stream || (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  const charts = new Map();
  let lastTick = -1;
  let delay = 500;

  function showStatus(text, state) {
    statusLine.textContent = text;
    statusLine.className = state;
  }

  function trim(points, now) {
    const since = (now - HISTORY_SECONDS) * 1000;
    while (points.length && points[0][0] < since) points.shift();
  }

  function chartFor(metric) {
    let entry = charts.get(metric);
    if (entry) return entry;
    document.getElementById("empty")?.remove();
    const box = document.createElement("section");
    box.className = "chart";
    box.dataset.metric = metric;
    box.dataset.updates = "0";
    const title = document.createElement("h2");
    title.textContent = metric;
    const canvas = document.createElement("div");
    canvas.className = "canvas";
    const stats = document.createElement("p");
    stats.className = "stats";
    box.append(title, canvas, stats);
    root.append(box);
    entry = { box, stats, chart: echarts.init(canvas), data: { mean: [], min: [], max: [] }, ready: false };
    charts.set(metric, entry);
    const url = "api/charts/" + encodeURIComponent(metric) +
      "?window=" + HISTORY_SECONDS + "&bucket=" + bucket;
    fetch(url)
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((options) => {
        for (const series of options.series) {
          if (entry.data[series.name]) entry.data[series.name] = series.data.concat(entry.data[series.name]);
          series.data = entry.data[series.name] || series.data;
        }
        options.title = [{ show: false }];
        entry.chart.setOption(options);
        entry.ready = true;
      })
      .catch((error) => console.warn("chart history of", metric, "unavailable:", error));
    return entry;
  }

  function draw(snapshot) {
    if (snapshot.tick !== 0 && snapshot.tick <= lastTick) return;
    lastTick = snapshot.tick;
    const at = Math.round(snapshot.ts * 1000);
    for (const [metric, stats] of Object.entries(snapshot.metrics)) {
      const entry = chartFor(metric);
      for (const name of SERIES) {
        entry.data[name].push([at, stats[name]]);
        trim(entry.data[name], snapshot.ts);
      }
      entry.stats.textContent =
        `n=${stats.count} mean=${stats.mean.toFixed(2)} min=${stats.min} max=${stats.max} ` +
        `p50=${stats.p50} p95=${stats.p95} last=${stats.last}`;
      if (entry.ready) {
        entry.chart.setOption({ series: SERIES.map((name) => ({ name, data: entry.data[name] })) });
      }
      entry.box.dataset.updates = String(Number(entry.box.dataset.updates) + 1);
    }
    root.dataset.tickSeen = String(lastTick);
  }

  function connect() {
    const socket = new WebSocket(streamBase + "/ws/dashboards/" + encodeURIComponent(dashboard));
    socket.onopen = () => {
      delay = 500;
      lastTick = -1; // a restarted server counts its ticks from 1 again
      showStatus("live", "live");
    };
    socket.onmessage = (event) => draw(JSON.parse(event.data));
    socket.onclose = () => {
      showStatus(`disconnected; retrying in ${(delay / 1000).toFixed(1)} s`, "down");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  window.addEventListener("resize", () => charts.forEach((entry) => entry.chart.resize()));
  connect();
})();
