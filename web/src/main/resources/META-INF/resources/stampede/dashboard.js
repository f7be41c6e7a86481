/*
 * The gate's dashboard (docs/dashboard.md): the jobs this gate knows, and one job live: its status,
 * thresholds, datacenters and steps from the job's event stream (GET /api/v1/jobs/{id}/events),
 * its charts from its series (GET /api/v1/jobs/{id}/series, every 2 s while it runs), and a
 * cancel button. Every URL is relative, so the page works behind a route's path.
 */
(function () {
  'use strict';

  var charts = window.StampedeCharts;
  var el = charts.el;
  var TERMINAL = ['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
  var state = {id: null, source: null, seriesTimer: null, updates: 0, seriesDrawn: 0, status: null, ended: false,
    events: [], start: null};

  function api(path, options) {
    return fetch(path, options).then(function (response) {
      if (response.status === 401) {
        askForKey();
      }
      return response.json().then(function (body) {
        return response.ok ? body : Promise.reject(body);
      });
    });
  }

  /*
   * The gate wants an API key: the form asks for it and keeps it in a session cookie the page's own
   * requests (the live event stream included, which cannot carry a header) send. SameSite=Strict:
   * no other site's page makes the browser send it.
   */
  function askForKey() {
    var form = document.getElementById('key-form');
    if (form.hidden) {
      form.hidden = false;
      document.getElementById('key-note').textContent = document.cookie.indexOf('stampede-key=') >= 0
        ? 'this key was refused' : '';
    }
  }

  document.getElementById('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var key = document.getElementById('key').value.trim();
    // Sent with the API's requests only (not to other pages of this host), wherever the page is served.
    var api = location.pathname.replace(/[^/]*$/, '') + 'api/';
    document.cookie = 'stampede-key=' + encodeURIComponent(key) + '; path=' + api + '; SameSite=Strict'
      + (location.protocol === 'https:' ? '; Secure' : '');
    location.reload();
  });

  /** Fills a table: a header row, then a row per line ({cells: [{text, attrs}], attrs}). */
  function fill(table, header, lines) {
    table.textContent = '';
    var head = el('tr');
    header.forEach(function (name) { head.appendChild(el('th', {}, name)); });
    table.appendChild(head);
    lines.forEach(function (line) {
      var row = el('tr', line.attrs || {});
      line.cells.forEach(function (cell) { row.appendChild(el('td', cell.attrs || {}, cell.text)); });
      table.appendChild(row);
    });
  }

  function loadJobs() {
    api('api/v1/jobs?size=50').then(function (page) {
      var body = document.querySelector('#jobs tbody');
      body.textContent = '';
      document.getElementById('no-jobs').hidden = page.jobs.length > 0;
      page.jobs.forEach(function (job) {
        var row = el('tr', {'data-id': job.id, 'class': job.id === state.id ? 'selected' : ''});
        row.appendChild(el('td', {'class': 'text'}, job.id));
        row.appendChild(el('td', {'class': 'text'}, job.name));
        row.appendChild(el('td', {'class': 'text ' + job.status}, job.status));
        row.addEventListener('click', function () { select(job.id); });
        body.appendChild(row);
      });
    }).catch(function () { /* the gate is busy or restarting: the next round tries again */ });
  }

  function select(id) {
    if (state.source) {
      state.source.close();
    }
    clearInterval(state.seriesTimer);
    state.id = id;
    state.status = null;
    state.ended = false;
    if (location.hash !== '#' + id) {
      history.replaceState(null, '', '#' + id);
    }
    var holder = document.getElementById('charts');
    holder.textContent = '';
    holder.charts = {};
    state.events = [];
    state.start = null;
    document.getElementById('job').hidden = false;
    document.querySelectorAll('#jobs tr[data-id]').forEach(function (row) {
      row.className = row.getAttribute('data-id') === id ? 'selected' : '';
    });
    state.source = new EventSource('api/v1/jobs/' + encodeURIComponent(id) + '/events');
    state.source.onmessage = function (event) {
      if (state.id === id) {
        render(JSON.parse(event.data));
      }
    };
    state.source.onerror = function () {
      // The stream ends with the job; otherwise the browser reconnects by itself.
      if (state.status && TERMINAL.indexOf(state.status) >= 0) {
        state.source.close();
      }
    };
    drawSeries(id);
    state.seriesTimer = setInterval(function () { drawSeries(id); }, 2000);
  }

  function drawSeries(id) {
    api('api/v1/jobs/' + encodeURIComponent(id) + '/series').then(function (series) {
      if (state.id !== id) {
        return;
      }
      state.start = charts.seriesStart(series);
      charts.drawSeries(document.getElementById('charts'), series, null,
        Math.max(480, document.getElementById('job').clientWidth - 40), state.events);
      state.seriesDrawn++;
      document.body.setAttribute('data-series-drawn', String(state.seriesDrawn));
      if (TERMINAL.indexOf(series.status) >= 0 && !state.ended) {
        // Once more in a while: a datacenter's last windows come after the job's end.
        state.ended = true;
        clearInterval(state.seriesTimer);
        setTimeout(function () { drawSeries(id); }, 3000);
      }
    }).catch(function () { /* drawn at the next round */ });
  }

  function render(job) {
    state.status = job.status;
    state.updates++;
    document.body.setAttribute('data-updates', String(state.updates));
    document.body.setAttribute('data-status', job.status);
    document.getElementById('job-title').textContent = job.name + ' (' + job.id + ')';
    var status = document.getElementById('job-status');
    status.textContent = job.status;
    status.className = job.status;
    document.getElementById('cancel').disabled = TERMINAL.indexOf(job.status) >= 0;
    fill(document.getElementById('thresholds'), ['threshold', 'value', 'verdict'],
      (job.thresholds || []).map(function (verdict) {
        return {attrs: {'data-threshold': verdict.description}, cells: [
          {text: verdict.description + (verdict.origin === 'DEFAULT' ? " (the gate's default)" : ''), attrs: {'class': 'text'}},
          {text: verdict.valueText}, {text: verdict.status, attrs: {'class': verdict.status}}]};
      }));
    // The timeline: numbered as the charts' dashed lines are.
    state.events = job.events || [];
    fill(document.getElementById('events'), ['#', 's', 'datacenter', 'event'], state.events.map(function (event, i) {
      return {attrs: {'data-event': event.kind}, cells: [{text: String(i + 1)},
        {text: state.start === null || state.start === undefined ? '' : charts.number((event.atMillis - state.start) / 1000)},
        {text: event.datacenter || 'job', attrs: {'class': 'text'}},
        {text: (event.workflow ? event.workflow + ': ' : '') + event.detail, attrs: {'class': 'text'}}]};
    }));
    fill(document.getElementById('datacenters'), ['datacenter', 'status', 'backpressure'],
      Object.keys(job.datacenters).map(function (name) {
        var dc = job.datacenters[name];
        return {cells: [{text: name}, {text: dc.status, attrs: {'class': 'text'}},
          {text: dc.backpressure, attrs: {'class': 'text'}}]};
      }));
    var lines = [];
    job.workflows.forEach(function (workflow) {
      workflow.steps.forEach(function (step) {
        lines.push({attrs: {'data-step': workflow.workflow + '/' + step.step, 'data-requests': String(step.requests)},
          cells: [{text: workflow.workflow}, {text: step.step, attrs: {'class': 'text'}},
            {text: workflow.state || '', attrs: {'class': 'text'}}, {text: step.requests},
            {text: charts.number(step.currentRequestsPerSecond)}, {text: charts.number(step.requestsPerSecond)},
            {text: charts.number(step.latencyMs.p50)}, {text: charts.number(step.latencyMs.p99)}, {text: step.failed}]});
      });
    });
    fill(document.getElementById('steps'), ['workflow', 'step', 'state', 'requests', 'req/s now', 'req/s',
      'p50 ms', 'p99 ms', 'errors'], lines);
    var errors = document.getElementById('errors');
    errors.textContent = '';
    Object.keys(job.errors || {}).forEach(function (key) {
      errors.appendChild(el('div', {'class': 'failed'}, key + ': ' + job.errors[key]));
    });
    if (TERMINAL.indexOf(job.status) >= 0) {
      if (state.source) {
        state.source.close();
      }
      loadJobs();
    }
  }

  document.getElementById('cancel').addEventListener('click', function () {
    var id = state.id;
    document.getElementById('job-note').textContent = 'cancelling…';
    api('api/v1/jobs/' + encodeURIComponent(id), {method: 'DELETE'}).then(function () {
      document.getElementById('job-note').textContent = 'asked every datacenter to stop';
    }).catch(function (problem) {
      document.getElementById('job-note').textContent = (problem && problem.detail) || 'the cancel failed';
    });
  });

  api('api/v1/node').then(function (node) {
    document.getElementById('node').textContent = node.id + ' · ' + node.role + ' · ' + node.version;
  }).catch(function () { /* the header stays empty */ });
  loadJobs();
  setInterval(loadJobs, 5000);
  if (location.hash.length > 1) {
    select(decodeURIComponent(location.hash.substring(1)));
  }
})();
