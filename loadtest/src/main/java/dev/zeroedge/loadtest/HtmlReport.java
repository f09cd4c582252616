package dev.zeroedge.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page (no network: the data and the drawing code are inline): one percentile
 * chart per workload with every mode's curve on a log-scaled percentile axis, as HdrHistogram's plotter
 * draws them, then bars of requests/s, Gbit/s and CPU seconds per GB, then the summary table. The
 * {@code plot} command uses the same page with curves only.
 */
final class HtmlReport {

    private HtmlReport() {
    }

    /** @param charts workload → the curves of every mode on it */
    static void write(Path file, String title, Map<String, String> setup, List<SummaryRow> rows,
                      Map<String, List<PercentileCurve>> charts) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("title", title);
        data.put("setup", new LinkedHashMap<String, Object>(setup));
        data.put("rows", rows.stream().map(SummaryRow::toJson).map(m -> (Object) m).toList());
        List<Object> chartData = new ArrayList<>();
        charts.forEach((name, curves) -> {
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("title", name);
            chart.put("curves", curves.stream().map(PercentileCurve::toJson).map(m -> (Object) m).toList());
            chartData.add(chart);
        });
        data.put("charts", chartData);
        Files.writeString(file, PAGE.replace("/*DATA*/null", Json.text(data, false))
                .replace("<title></title>", "<title>" + title.replace("<", "&lt;") + "</title>"));
    }

    private static final String PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title></title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
            .setup { color: #555; font-size: 12px; } .setup code { background: #f3f3f3; padding: 0 3px; }
            table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
            th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
            th { background: #f5f5f5; } td.name { text-align: left; white-space: nowrap; }
            .panels { display: flex; flex-wrap: wrap; gap: 12px; }
            svg text { font: 12px system-ui, sans-serif; fill: #333; }
            svg .axis { stroke: #888; } svg .grid { stroke: #e5e5e5; }
            </style></head>
            <body>
            <h1 id="title"></h1>
            <div class="setup" id="setup"></div>
            <div id="curves"></div>
            <div id="bars"></div>
            <div id="table"></div>
            <script>
            const DATA = /*DATA*/null;
            const NS = 'http://www.w3.org/2000/svg';
            const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
            const colours = new Map();
            function colour(label) {
              if (!colours.has(label)) colours.set(label, PALETTE[colours.size % PALETTE.length]);
              return colours.get(label);
            }
            function svgEl(name, attrs, text) {
              const e = document.createElementNS(NS, name);
              for (const k in attrs) e.setAttribute(k, attrs[k]);
              if (text !== undefined) e.textContent = text;
              return e;
            }
            function niceMax(v) {
              if (!(v > 0)) return 1;
              const p = Math.pow(10, Math.floor(Math.log10(v)));
              for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
              return 10 * p;
            }
            function fmt(v) {
              if (v === null || !isFinite(v)) return '–';
              const a = Math.abs(v);
              if (a >= 100 || v === 0) return v.toFixed(0);
              if (a >= 10) return v.toFixed(1);
              if (a >= 1) return v.toFixed(2);
              return v.toPrecision(3);
            }
            function percentLabel(x) {
              if (x === 0) return '0%';
              return (100 - Math.pow(10, 2 - x)).toFixed(Math.max(0, x - 2)) + '%';
            }
            // Latency (y, ms; linear as in HdrHistogram's plotter, or log) against percentile
            // (x = log10(1/(1-p)): 90% at 1, 99% at 2, ...).
            function percentileChart(chart, logY) {
              const W = 1240, H = 440, L = 70, R = 330, T = 34, B = 48;
              const svg = svgEl('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`});
              let xMax = 1, yMax = 0;
              for (const c of chart.curves) for (const [x, us] of c.points) {
                if (x !== null) xMax = Math.max(xMax, x);
                yMax = Math.max(yMax, us / 1000);
              }
              xMax = Math.ceil(xMax);
              yMax = niceMax(yMax);
              let yMin = yMax;
              for (const c of chart.curves) for (const [, us] of c.points) if (us > 0) yMin = Math.min(yMin, us / 1000);
              const decades = [Math.floor(Math.log10(yMin)), Math.ceil(Math.log10(yMax))];
              const px = x => L + (x === null ? xMax : x) / xMax * (W - L - R);
              const py = logY
                ? ms => T + (1 - (Math.log10(Math.max(ms, Math.pow(10, decades[0]))) - decades[0]) / (decades[1] - decades[0] || 1)) * (H - T - B)
                : ms => T + (1 - ms / yMax) * (H - T - B);
              const yTicks = logY
                ? Array.from({length: decades[1] - decades[0] + 1}, (_, i) => Math.pow(10, decades[0] + i))
                : [0, 1, 2, 3, 4, 5].map(i => yMax * i / 5);
              svg.appendChild(svgEl('text', {x: L, y: 20, 'font-weight': 'bold'}, chart.title + ': latency by percentile'));
              for (const v of yTicks) {
                const y = py(v);
                svg.appendChild(svgEl('line', {x1: L, x2: W - R, y1: y, y2: y, class: 'grid'}));
                svg.appendChild(svgEl('text', {x: L - 6, y: y + 4, 'text-anchor': 'end'}, fmt(v)));
              }
              for (let x = 0; x <= xMax; x++) {
                svg.appendChild(svgEl('line', {x1: px(x), x2: px(x), y1: T, y2: H - B, class: 'grid'}));
                svg.appendChild(svgEl('text', {x: px(x), y: H - B + 16, 'text-anchor': 'middle'}, percentLabel(x)));
              }
              svg.appendChild(svgEl('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis'}));
              svg.appendChild(svgEl('line', {x1: L, x2: L, y1: T, y2: H - B, class: 'axis'}));
              svg.appendChild(svgEl('text', {x: (L + W - R) / 2, y: H - 8, 'text-anchor': 'middle'}, 'percentile'));
              svg.appendChild(svgEl('text', {x: 16, y: (T + H - B) / 2, transform: `rotate(-90 16 ${(T + H - B) / 2})`,
                'text-anchor': 'middle'}, 'latency (ms)'));
              chart.curves.forEach((c, i) => {
                const d = c.points.map(([x, us], j) => (j ? 'L' : 'M') + px(x).toFixed(1) + ' ' + py(us / 1000).toFixed(1)).join(' ');
                svg.appendChild(svgEl('path', {d, fill: 'none', stroke: colour(c.label), 'stroke-width': 2}));
                const ly = T + 10 + i * 20;
                svg.appendChild(svgEl('rect', {x: W - R + 16, y: ly - 9, width: 14, height: 10, fill: colour(c.label)}));
                const max = c.points.length ? c.points[c.points.length - 1][1] / 1000 : null;
                svg.appendChild(svgEl('text', {x: W - R + 36, y: ly}, `${c.label} (max ${fmt(max)} ms)`));
              });
              return svg;
            }
            // One small panel per workload (each with its own scale: 1 KiB and 64 MiB differ by 10^4).
            function barPanel(title, bars) {
              const W = 280, H = 250, L = 10, T = 28, B = 80, barW = Math.min(40, (W - 2 * L) / Math.max(1, bars.length) - 8);
              const svg = svgEl('svg', {width: W, height: H});
              svg.appendChild(svgEl('text', {x: L, y: 16, 'font-weight': 'bold'}, title));
              const max = niceMax(Math.max(0, ...bars.map(b => b.value === null ? 0 : b.value)));
              svg.appendChild(svgEl('line', {x1: L, x2: W - L, y1: H - B, y2: H - B, class: 'axis'}));
              bars.forEach((b, i) => {
                const x = L + 4 + i * (barW + 8), h = b.value === null ? 0 : b.value / max * (H - T - B - 14);
                svg.appendChild(svgEl('rect', {x, y: H - B - h, width: barW, height: h, fill: colour(b.label)}));
                svg.appendChild(svgEl('text', {x: x + barW / 2, y: H - B - h - 4, 'text-anchor': 'middle', 'font-size': 11}, fmt(b.value)));
                svg.appendChild(svgEl('text', {x: x + barW / 2 - 4, y: H - B + 12, 'text-anchor': 'start', 'font-size': 11,
                  transform: `rotate(35 ${x + barW / 2 - 4} ${H - B + 12})`}, b.label));
              });
              return svg;
            }
            function barRow(metric, unit) {
              const section = document.createElement('div');
              const h = document.createElement('h2');
              h.textContent = unit;
              section.appendChild(h);
              const panels = document.createElement('div');
              panels.className = 'panels';
              const workloads = [...new Set(DATA.rows.map(r => r.workload))];
              for (const w of workloads) {
                panels.appendChild(barPanel(w, DATA.rows.filter(r => r.workload === w).map(r => ({label: r.target, value: metric(r)}))));
              }
              section.appendChild(panels);
              return section;
            }
            function table() {
              const cols = [['workload', r => r.workload], ['server', r => r.target], ['req/s', r => fmt(r.requests_per_s)],
                ['Gbit/s', r => fmt(r.gbit_per_s)], ['p50 ms', r => fmt(r.latency_ms.p50)], ['p90 ms', r => fmt(r.latency_ms.p90)],
                ['p99 ms', r => fmt(r.latency_ms.p99)], ['p99.9 ms', r => fmt(r.latency_ms.p99_9)], ['max ms', r => fmt(r.latency_ms.max)],
                ['errors', r => r.errors === 0 ? '0' : Object.entries(r.error_kinds).map(([k, v]) => v + ' ' + k).join(', ')],
                ['CPU-s/GB', r => fmt(r.cpu_s_per_gb)], ['CPU-s/10k req', r => fmt(r.cpu_s_per_10k_requests)],
                ['ctx sw/req', r => fmt(r.context_switches_per_request)], ['peak RSS MiB', r => fmt(r.peak_rss_mib)], ['client CPU %', r => fmt(r.client_cpu_percent)],
                ['req/s vs epoll-sendfile', r => fmt(r.vs_epoll_sendfile.requests_per_s)],
                ['CPU/GB vs epoll-sendfile', r => fmt(r.vs_epoll_sendfile.cpu_s_per_gb)]];
              const t = document.createElement('table');
              const head = t.insertRow();
              for (const [name] of cols) { const th = document.createElement('th'); th.textContent = name; head.appendChild(th); }
              for (const r of DATA.rows) {
                const tr = t.insertRow();
                cols.forEach(([, f], i) => { const td = tr.insertCell(); td.textContent = f(r); if (i < 2) td.className = 'name'; });
              }
              return t;
            }
            document.getElementById('title').textContent = DATA.title;
            document.getElementById('setup').innerHTML = Object.entries(DATA.setup)
              .map(([k, v]) => `${k}: <code>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`).join(' · ');
            for (const chart of DATA.charts) {
              const box = document.createElement('div');
              const toggle = document.createElement('label');
              toggle.innerHTML = '<input type="checkbox"> log latency axis';
              const logFirst = location.hash === '#log';  // report.html#log opens with the log axis
              toggle.firstChild.checked = logFirst;
              let svg = percentileChart(chart, logFirst);
              toggle.firstChild.addEventListener('change', e => {
                const next = percentileChart(chart, e.target.checked);
                box.replaceChild(next, svg);
                svg = next;
              });
              box.append(toggle, svg);
              document.getElementById('curves').appendChild(box);
            }
            if (DATA.rows.length) {
              const bars = document.getElementById('bars');
              bars.appendChild(barRow(r => r.requests_per_s, 'Requests per second'));
              bars.appendChild(barRow(r => r.gbit_per_s, 'Throughput (Gbit/s of body bytes)'));
              bars.appendChild(barRow(r => r.cpu_s_per_gb, 'Server CPU seconds per GB (lower is better)'));
              const h = document.createElement('h2');
              h.textContent = 'Summary';
              document.getElementById('table').append(h, table());
            }
            </script>
            </body></html>
            """;
}
