// Bulk bar of the measure list: "select all" for the row checkboxes (the page works without it).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-bulk-all]");
  if (!all) return;
  document.querySelectorAll('input[type=checkbox][name=measure][form=bulk-form]').forEach((box) => {
    box.checked = all.checked;
  });
});
