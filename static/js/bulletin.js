/* Bulletin editor: live preview. After a pause in typing, the form is submitted to the
   preview frame through the "preview" button (formaction/formtarget): nothing is saved.
   Without JavaScript the same button does it by hand. */
(function () {
  "use strict";
  var form = document.getElementById("bulletin-form");
  var button = document.getElementById("bulletin-preview-button");
  if (!form || !button || !form.requestSubmit) return;
  var timer;
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { form.requestSubmit(button); }, 800);
  });
})();
