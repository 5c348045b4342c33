// Narrative editor: inserts placeholders at the cursor and previews the text as it will read.
// Everything here is optional: without script the Preview button does the same on the server.
(function () {
  var form = document.querySelector('form[data-preview]');
  if (!form) return;
  var textarea = form.querySelector('textarea[name="narrative"]');
  var preview = document.getElementById('narrative-preview');
  var csrf = form.querySelector('input[name="_csrf"]');
  if (!textarea || !preview || !csrf) return;

  var timer = null;
  function refresh() {
    var body = new URLSearchParams({ _csrf: csrf.value, narrative: textarea.value });
    fetch(form.getAttribute('data-preview'), { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) { if (html !== null) preview.innerHTML = html; })
      .catch(function () {});
  }
  textarea.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });

  form.addEventListener('click', function (event) {
    var button = event.target.closest('[data-insert]');
    if (!button) return;
    var code = button.getAttribute('data-insert');
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    textarea.value = textarea.value.slice(0, start) + code + textarea.value.slice(end);
    textarea.focus();
    textarea.selectionStart = textarea.selectionEnd = start + code.length;
    refresh();
  });
})();
