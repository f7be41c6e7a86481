/* The HTML report's charts: the series inlined in the page, drawn by StampedeCharts (charts.js). */
(function () {
  'use strict';
  var series = JSON.parse(document.getElementById('series-data').textContent);
  var byDatacenter = JSON.parse(document.getElementById('series-by-datacenter').textContent);
  if (series.series) {
    window.StampedeCharts.drawSeries(document.getElementById('charts'), series, byDatacenter, 900);
  }
  document.body.setAttribute('data-charts-drawn', 'true');
})();
