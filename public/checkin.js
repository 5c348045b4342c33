// Keeps the check-in desk's counts live while several people check guests in at once.
(function () {
  var list = document.querySelector('[data-counts]');
  if (!list || !window.fetch) return;
  var url = list.getAttribute('data-counts');
  setInterval(function () {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        Object.keys(counts).forEach(function (key) {
          var cell = list.querySelector('[data-count="' + key + '"]');
          if (cell) cell.textContent = String(counts[key]);
        });
      })
      .catch(function () {});
  }, 5000);
})();
