// Small enhancements for every page; each page works without them.
//
// Wide tables scroll sideways on a phone (see .table in app.css). A region that scrolls must be
// reachable from the keyboard (WCAG 2.1.1), and a table of plain text holds nothing that takes
// focus, so a table that overflows is wrapped in a labelled region that does (a .table-scroll
// wrapper the page already has is given focus and a name if it lacks them). Without this script
// the tables still scroll by touch.
(function () {
  'use strict';
  var HEADING = /^H[1-6]$/;

  function text(el) { return (el.textContent || '').replace(/\s+/g, ' ').trim(); }

  /** The table's caption or label, the summary of the details it sits in, else the nearest heading before it. */
  function nameOf(table) {
    var caption = table.querySelector('caption');
    if (caption && text(caption)) return text(caption);
    if (table.getAttribute('aria-label')) return table.getAttribute('aria-label');
    var details = table.closest('details');
    var summary = details && details.querySelector('summary');
    if (summary && text(summary)) return text(summary);
    for (var el = table; el && el !== document.body; el = el.parentElement) {
      for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (HEADING.test(prev.tagName)) return text(prev);
        var inner = prev.querySelectorAll('h1, h2, h3, h4, h5, h6');
        if (inner.length) return text(inner[inner.length - 1]);
      }
      if (el.tagName === 'MAIN') break;
    }
    return 'Table';
  }

  function wrapOverflowing() {
    var tables = document.querySelectorAll('table.table');
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      var parent = table.parentElement;
      if (!parent) continue;
      var region = parent.classList.contains('table-scroll') ? parent : null;
      if (region && region.hasAttribute('tabindex')) continue;
      var scroller = region || table;
      if (scroller.scrollWidth <= scroller.clientWidth + 1) continue;
      if (!region) {
        region = document.createElement('div');
        region.className = 'table-scroll';
        parent.insertBefore(region, table);
        region.appendChild(table);
      }
      region.setAttribute('role', 'region');
      region.setAttribute('tabindex', '0');
      if (!region.hasAttribute('aria-label') && !region.hasAttribute('aria-labelledby')) {
        region.setAttribute('aria-label', nameOf(table) + ' (table, scrolls sideways)');
      }
    }
  }

  wrapOverflowing();

  // A form sent back with errors: focus goes to the list of problems at the top (it is
  // announced, and its links lead to the fields), so keyboard users start from there.
  var problems = document.querySelector('.error-summary');
  if (problems && !window.location.hash) problems.focus();

  var timer;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(wrapOverflowing, 150);
  });
})();
