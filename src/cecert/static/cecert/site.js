// Page behaviour that used to sit in inline event handlers, moved here so that the
// Content-Security-Policy can refuse every inline script (script-src 'self', ADR 0015).
//   data-autosubmit                 a control that submits its form when changed
//   data-autosubmit="without-htmx"  the same, only when htmx is not loaded (htmx then does the work)
//   data-check-all="NAME"           a checkbox that ticks or clears every input[name=NAME] of the page
// The listeners are delegated from the document, so content swapped in by htmx works too.
// Every table of the page sits in a box that scrolls sideways on its own (the page itself never does
// on a phone: WCAG 1.4.10), reachable and scrollable from the keyboard (WCAG 2.1.1); report tables
// come from the server already boxed.
(function () {
  "use strict";

  // A box is named by its table's caption, else by the last heading before it.
  function tableName(table) {
    if (table.caption) {
      return table.caption.textContent.trim();
    }
    var before = Array.prototype.filter.call(document.querySelectorAll("main h1, main h2, main h3"), function (h) {
      return h.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    return before.length ? before[before.length - 1].textContent.trim() : "表格";
  }

  function boxTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (table.parentElement.classList.contains("table-scroll")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "table-scroll";
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", tableName(table));
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    boxTables(document);
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element) {
      boxTables(event.target.parentElement || event.target);
    }
  });

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
