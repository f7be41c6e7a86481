/*
 * Stampede's charts, drawn with uPlot from a job's series as the gate serves it
 * (GET /api/v1/jobs/{id}/series, docs/api.md#series). The HTML report inlines this file; the
 * gate's dashboard loads it. Elements are built with the DOM, never from strings of HTML.
 */
(function (global) {
  'use strict';

  var COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

  /** An element with attributes and, optionally, text. */
  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  /** A number as people read it: whole from 100, two decimals below. */
  function number(value) {
    if (value === null || value === undefined || isNaN(value)) {
      return '-';
    }
    return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
  }

  /**
   * A uPlot plugin that draws each mark {x, n} as a dashed vertical line numbered n: the job's
   * events, numbered as the events table numbers them.
   */
  function markers(marks) {
    return {hooks: {draw: [function (u) {
      var ctx = u.ctx;
      var ratio = global.devicePixelRatio || 1;
      ctx.save();
      ctx.strokeStyle = '#999';
      ctx.fillStyle = '#555';
      ctx.lineWidth = ratio;
      ctx.setLineDash([4 * ratio, 4 * ratio]);
      ctx.font = (10 * ratio) + 'px sans-serif';
      marks.forEach(function (mark) {
        var x = u.valToPos(mark.x, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) {
          return;
        }
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(String(mark.n), x + 3 * ratio, u.bbox.top + 10 * ratio);
      });
      ctx.restore();
    }]}};
  }

  /**
   * A chart, created once per key and updated in place afterwards: x is seconds from the start,
   * each line {label, values, colour, dash}; marks (optional) are the job's events, {x, n}.
   */
  function chart(holder, key, title, unit, xs, lines, width, marks) {
    holder.charts = holder.charts || {};
    marks = marks || [];
    var data = [xs].concat(lines.map(function (line) { return line.values; }));
    var existing = holder.charts[key];
    var shape = lines.map(function (line) { return line.label; }).join('\n') + '\n' + marks.length;
    if (existing && existing.lines === shape) {
      existing.plot.setData(data);
      return existing.plot;
    }
    if (existing) {
      existing.plot.destroy();
      existing.box.remove();
    }
    var box = el('div', {'class': 'chart', 'data-chart': key});
    holder.appendChild(box);
    var options = {
      title: title,
      width: width || 720,
      height: 220,
      scales: {x: {time: false}},
      axes: [{label: 'seconds'}, {label: unit, size: 60}],
      series: [{label: 's'}].concat(lines.map(function (line, i) {
        return {label: line.label, stroke: line.colour || COLOURS[i % COLOURS.length], width: 1.5,
          dash: line.dash, value: function (u, v) { return number(v); }};
      })),
      plugins: marks.length > 0 ? [markers(marks)] : []
    };
    var plot = new global.uPlot(options, data, box);
    holder.charts[key] = {plot: plot, box: box, lines: shape};
    return plot;
  }

  /** The names of a workflow's steps, in the order its points first show them. */
  function stepNames(points) {
    var names = [];
    points.forEach(function (point) {
      point.steps.forEach(function (step) {
        if (names.indexOf(step.step) < 0) {
          names.push(step.step);
        }
      });
    });
    return names;
  }

  function stepOf(point, name) {
    for (var i = 0; i < point.steps.length; i++) {
      if (point.steps[i].step === name) {
        return point.steps[i];
      }
    }
    return null;
  }

  /** A section per workflow, created once and found again on the next update. */
  function section(container, key, heading) {
    var id = 'workflow-' + key;
    var found = container.querySelector('[data-section="' + CSS.escape(id) + '"]');
    if (found) {
      return found;
    }
    var node = el('section', {'data-section': id});
    node.appendChild(el('h3', {}, heading));
    container.appendChild(node);
    return node;
  }

  /**
   * Draws a job's series: per workflow, active virtual users and iterations a second (with the
   * target rate of an open model), then per step its throughput, the point's own p50, p90 and
   * p99, and its errors a second by reason. {@code byDatacenter} (optional) adds each workflow's
   * throughput per datacenter; {@code events} (optional) the job's timeline, drawn on every chart
   * as numbered dashed lines. Called again with newer series, it updates the charts in place.
   */
  function drawSeries(container, series, byDatacenter, width, events) {
    var start = seriesStart(series);
    var marks = (events || []).map(function (event, i) {
      return {x: (event.atMillis - start) / 1000, n: i + 1};
    });
    series.series.forEach(function (workflow) {
      var points = workflow.points;
      var holder = section(container, workflow.workflow, workflow.workflow);
      if (points.length === 0) {
        return;
      }
      var xs = points.map(function (p) { return (p.startMillis - start) / 1000; });
      var load = [{label: 'active VUs', values: points.map(function (p) { return p.activeVus; })},
        {label: 'iterations/s', values: points.map(function (p) { return p.iterationsPerSecond; })}];
      if (points.some(function (p) { return p.targetRate !== null && p.targetRate !== undefined; })) {
        load.push({label: 'target iterations/s', dash: [6, 4], colour: '#888',
          values: points.map(function (p) { return p.targetRate === undefined ? null : p.targetRate; })});
      }
      if (points.some(function (p) { return p.droppedPerSecond > 0; })) {
        load.push({label: 'dropped/s', colour: '#d62728',
          values: points.map(function (p) { return p.droppedPerSecond; })});
      }
      chart(holder, 'load', workflow.workflow + ': load', 'per second / VUs', xs, load, width, marks);
      stepNames(points).forEach(function (name) {
        var steps = points.map(function (p) { return stepOf(p, name); });
        chart(holder, 'throughput:' + name, name + ': throughput', 'requests/s', xs,
          [{label: 'requests/s', values: steps.map(function (s) { return s ? s.requestsPerSecond : null; })}], width, marks);
        var percentile = function (key) {
          return steps.map(function (s) { return s && s.latencyMs.count > 0 ? s.latencyMs[key] : null; });
        };
        chart(holder, 'latency:' + name, name + ': latency of each second', 'ms', xs,
          [{label: 'p50', values: percentile('p50')}, {label: 'p90', values: percentile('p90')},
            {label: 'p99', values: percentile('p99')}], width, marks);
        // Failures a second by reason, each window spread over the seconds it covers (as requests are).
        var reasons = [];
        steps.forEach(function (s) {
          Object.keys(s ? s.failuresPerSecond : {}).forEach(function (reason) {
            if (reasons.indexOf(reason) < 0) {
              reasons.push(reason);
            }
          });
        });
        var errors = reasons.map(function (reason) {
          return {label: reason, values: steps.map(function (s) {
            return s ? (s.failuresPerSecond[reason] || 0) : null;
          })};
        });
        if (steps.some(function (s) { return s && s.notSentPerSecond > 0; })) {
          errors.push({label: 'not sent', values: steps.map(function (s) { return s ? s.notSentPerSecond : null; })});
        }
        if (errors.length === 0) {
          errors.push({label: 'errors', values: steps.map(function () { return 0; })});
        }
        chart(holder, 'errors:' + name, name + ': errors', 'per second', xs, errors, width, marks);
      });
      if (byDatacenter && byDatacenter.length > 1) {
        var lines = byDatacenter.map(function (dc) {
          var mine = dc.series.filter(function (w) { return w.workflow === workflow.workflow; })[0];
          var at = {};
          (mine ? mine.points : []).forEach(function (p) {
            at[p.startMillis] = p.steps.reduce(function (sum, s) { return sum + s.requestsPerSecond; }, 0);
          });
          return {label: dc.datacenter, values: points.map(function (p) {
            return at[p.startMillis] === undefined ? null : at[p.startMillis];
          })};
        });
        chart(holder, 'datacenters', workflow.workflow + ': requests/s by datacenter', 'requests/s', xs, lines,
          width, marks);
      }
    });
  }

  /** When a job's series begins: its first point's start, epoch ms (null when it has none). */
  function seriesStart(series) {
    var start = null;
    series.series.forEach(function (workflow) {
      if (workflow.points.length > 0 && (start === null || workflow.points[0].startMillis < start)) {
        start = workflow.points[0].startMillis;
      }
    });
    return start;
  }

  global.StampedeCharts = {drawSeries: drawSeries, seriesStart: seriesStart, chart: chart, el: el, number: number};
})(window);
