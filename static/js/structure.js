// Bulk bar of the measure list: "select all" for the row checkboxes. The page works
// without it, so the control stays hidden until this script runs.
document.querySelectorAll("[data-bulk-js]").forEach((el) => { el.hidden = false; });
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-bulk-all]");
  if (!all) return;
  document.querySelectorAll("input[type=checkbox][name=measure][form=bulk-form], [data-bulk-all]").forEach((box) => {
    box.checked = all.checked;
  });
});

// htmx filtering changes the URL without re-rendering the bar: come back to the list as it is now.
document.addEventListener("submit", (event) => {
  if (event.target.id !== "bulk-form") return;
  const next = event.target.querySelector("input[name=next]");
  if (next) next.value = window.location.pathname + window.location.search;
});
