/* The HTML report's charts: the series inlined in the page, drawn by StampedeCharts (charts.js). */
(function () {
  'use strict';
  var series = JSON.parse(document.getElementById('series-data').textContent);
  var byDatacenter = JSON.parse(document.getElementById('series-by-datacenter').textContent);
  var events = JSON.parse(document.getElementById('job-events').textContent);
  if (series.series) {
    window.StampedeCharts.drawSeries(document.getElementById('charts'), series, byDatacenter, 900, events);
  }
  document.body.setAttribute('data-charts-drawn', 'true');
})();
