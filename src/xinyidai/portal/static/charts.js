// Draws every chart on the page ([data-figure]: plotly.js figure JSON). plotly.js is large, so it is fetched only
// when a page holds a chart, from the platform itself.
(function () {
  const plots = document.querySelectorAll("[data-figure]");
  if (plots.length === 0) return;
  const draw = () => {
    for (const element of plots) {
      const figure = JSON.parse(element.dataset.figure);
      // On a phone's screen the tool bar would sit over the chart's title (and a touch screen shows it always).
      const narrow = window.matchMedia("(max-width: 720px)").matches;
      window.Plotly.newPlot(element, figure.data, figure.layout,
        { displaylogo: false, responsive: true, displayModeBar: narrow ? false : "hover",
          modeBarButtonsToRemove: ["select2d", "lasso2d"] })
        .then(() => element.setAttribute("data-drawn", "true"));
    }
  };
  if (window.Plotly) { draw(); return; }
  // plotly.js injects the map library's stylesheet as an inline <style> (refused by the policy, and the portal
  // draws no maps) unless an element with this id exists; the id belongs to the pinned plotly (pyproject.toml).
  const mapStyle = document.createElement("template");
  mapStyle.id = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53";
  document.head.appendChild(mapStyle);
  const script = document.createElement("script");
  script.src = "/static/vendor/plotly/plotly.min.js";
  script.onload = draw;
  document.head.appendChild(script);
})();
