// Passkeys: the forms marked data-passkey work only with WebAuthn, so they stay hidden until this
// file finds it. On submit, the form asks the server for a challenge (data-options), lets the
// browser create or use a passkey for it, and posts the browser's answer in the field "response";
// the server checks it and answers the form as usual.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[data-passkey]'));
  if (!forms.length || !lib || !lib.browserSupportsWebAuthn()) return;
  Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-unsupported]'), function (el) { el.hidden = true; });

  forms.forEach(function (form) {
    var status = form.querySelector('[data-passkey-status]');
    var button = form.querySelector('button[type=submit]');
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      // A passkey needs a name first: without one, the server says so beside the field.
      if (form.elements.name && !form.elements.name.value.trim()) return form.submit();
      if (status) status.hidden = true;
      button.disabled = true;
      var body = new URLSearchParams();
      body.append('_csrf', form.elements._csrf.value);
      fetch(form.getAttribute('data-options'), { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (res) {
          if (!res.ok) throw new Error('options ' + res.status);
          return res.json();
        })
        .then(function (optionsJSON) {
          return form.getAttribute('data-passkey') === 'register'
            ? lib.startRegistration({ optionsJSON: optionsJSON })
            : lib.startAuthentication({ optionsJSON: optionsJSON });
        })
        .then(function (answer) {
          form.elements.response.value = JSON.stringify(answer);
          form.submit();
        })
        .catch(function () {
          button.disabled = false;
          if (status) {
            status.textContent = form.getAttribute('data-failed');
            status.hidden = false;
          }
        });
    });
  });
})();
