// Runs right after the filter panel, before the first paint: on a phone-sized screen a
// bare visit to the list shows the measures first, not a screenful of filters. The
// breakpoint is the one at which app.css turns the table into cards.
(function () {
  var panel = document.querySelector("details.filters[data-closed-on-phone]");
  if (panel && window.matchMedia("(max-width: 700px)").matches) {
    panel.open = false;
  }
})();
