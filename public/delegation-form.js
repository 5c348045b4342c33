// The delegation form works without this file: each "Add"/"Remove" button posts the form and
// the server sends it back with the row added or removed. With it, rows change in place.
// Rows are numbered fields (member_3_name); the server reads whatever numbers are present.
(function () {
  'use strict';
  var form = document.querySelector('form.delegation-form');
  if (!form) return;

  var kinds = { add_member: 'member', add_visit: 'visit', remove_member: 'member', remove_visit: 'visit' };
  // The words come from the page, in its language: the list's data-legend ("Member {n}") and
  // data-remove ("Remove member {n}"); English only if a page does not carry them.
  var fallback = { member: ['Member {n}', 'Remove member {n}'], visit: ['Visit {n}', 'Remove visit {n}'] };
  var FOCUSABLE = 'input:not([type=hidden]), select, textarea, button';

  function rowsOf(kind) {
    return Array.prototype.slice.call(form.querySelectorAll('fieldset.row[id^="' + kind + '-"]'));
  }

  function words(kind) {
    var list = form.querySelector('#f-' + kind + 's');
    return [
      (list && list.getAttribute('data-legend')) || fallback[kind][0],
      (list && list.getAttribute('data-remove')) || fallback[kind][1],
    ];
  }

  function renumberLegends(kind) {
    var text = words(kind);
    rowsOf(kind).forEach(function (row, i) {
      var n = String(i + 1);
      var legend = row.querySelector('legend');
      if (legend) legend.textContent = text[0].split('{n}').join(n);
      var remove = row.querySelector('button[name^="remove_"]');
      if (remove) remove.textContent = text[1].split('{n}').join(n);
    });
  }

  function addRow(kind, button) {
    var rows = rowsOf(kind);
    var last = rows[rows.length - 1];
    if (!last) return false;
    var next = 0;
    rows.forEach(function (row) { next = Math.max(next, Number(row.id.split('-')[1]) + 1); });
    var from = new RegExp('^(f-)?' + kind + '_\\d+_');
    var copy = last.cloneNode(true);
    copy.id = kind + '-' + next;
    copy.querySelectorAll('.field__error').forEach(function (e) { e.remove(); });
    copy.querySelectorAll('.field--error').forEach(function (e) { e.classList.remove('field--error'); });
    copy.querySelectorAll('[name], [id], label[for]').forEach(function (el) {
      ['name', 'id', 'for'].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && from.test(value)) el.setAttribute(attr, value.replace(/_\d+_/, '_' + next + '_'));
      });
      el.removeAttribute('aria-invalid');
      el.removeAttribute('aria-describedby');
      if (el.matches('input[type=checkbox]')) el.checked = false;
      else if (el.matches('input[type=hidden], input[type=text], input[type=email], input[type=date], input[type=time], textarea')) el.value = '';
      else if (el.matches('select[name$="_role"]')) el.value = 'member';
    });
    var remove = copy.querySelector('button[name^="remove_"]');
    if (remove) remove.value = String(next);
    button.parentNode.insertBefore(copy, button);
    renumberLegends(kind);
    var first = copy.querySelector(FOCUSABLE);
    if (first) first.focus();
    return true;
  }

  form.addEventListener('click', function (event) {
    var button = event.target.closest('button[name]');
    if (!button || !kinds[button.name]) return;
    var kind = kinds[button.name];
    if (button.name.indexOf('add_') === 0) {
      if (addRow(kind, button)) event.preventDefault();
      return;
    }
    var row = button.closest('fieldset.row');
    if (!row) return;
    event.preventDefault();
    // Focus moves to the next row's first field (or the "Add" button after the last row), never to
    // the row's hidden id field, which cannot take focus and would drop it to the top of the page.
    var sibling = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumberLegends(kind);
    if (sibling) {
      var target = sibling.matches(FOCUSABLE) ? sibling : sibling.querySelector(FOCUSABLE);
      if (target) target.focus();
    }
  });
})();
