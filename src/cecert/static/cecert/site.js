// Page behaviour that used to sit in inline event handlers, moved here so that the
// Content-Security-Policy can refuse every inline script (script-src 'self', ADR 0015).
//   data-autosubmit                 a control that submits its form when changed
//   data-autosubmit="without-htmx"  the same, only when htmx is not loaded (htmx then does the work)
//   data-check-all="NAME"           a checkbox that ticks or clears every input[name=NAME] of the page
// The listeners are delegated from the document, so content swapped in by htmx works too.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var submitter = target.closest("[data-autosubmit]");
    if (submitter && submitter.form) {
      if (submitter.dataset.autosubmit === "without-htmx" && window.htmx) {
        return;
      }
      submitter.form.submit();
      return;
    }
    var all = target.closest("input[data-check-all]");
    if (all) {
      document.querySelectorAll('input[name="' + CSS.escape(all.dataset.checkAll) + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
}());
