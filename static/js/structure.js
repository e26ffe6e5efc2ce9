// Bulk bar of the measure list: "select all" for the row checkboxes (the page works without it).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-bulk-all]");
  if (!all) return;
  document.querySelectorAll('input[type=checkbox][name=measure][form=bulk-form]').forEach((box) => {
    box.checked = all.checked;
  });
});

// htmx filtering changes the URL without re-rendering the bar: come back to the list as it is now.
document.addEventListener("submit", (event) => {
  if (event.target.id !== "bulk-form") return;
  const next = event.target.querySelector("input[name=next]");
  if (next) next.value = window.location.pathname + window.location.search;
});
