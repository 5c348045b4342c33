// The phone scanner's service worker, registered with the scanner's own address as its scope
// (/manage/events/:slug/scan), so that the scanner opens with no network. It keeps the page and
// what the page loads; the event's list and the scans waiting to be sent are the page's own
// business (IndexedDB), and every other request goes to the network untouched.
'use strict';

var VERSION = 'ipcoop-scanner-1';
var CACHE = VERSION + ' ' + self.registration.scope;
var PAGE = new URL(self.registration.scope).pathname;
var ASSETS = ['/static/app.css', '/static/scanner.css', '/static/scanner.js', '/static/jsqr.js', '/static/favicon.svg'];

/** The page as the network gives it, kept when it is the scanner itself (not a sign-in page it was sent to). */
function fetchPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && new URL(response.url).pathname === PAGE) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(PAGE, copy); });
    }
    return response;
  });
}

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all([
      cache.addAll(ASSETS),
      fetchPage(new Request(PAGE, { credentials: 'same-origin' })).catch(function () {}),
    ]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key !== CACHE && key.indexOf('ipcoop-scanner-') === 0 && key.slice(key.indexOf(' ') + 1) === self.registration.scope;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === PAGE) {
    // The network first (fresh counts, a new session's token), the kept page when there is none.
    event.respondWith(fetchPage(request).catch(function () {
      return caches.match(PAGE).then(function (kept) { return kept || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0 || url.pathname === PAGE + '/manifest.webmanifest') {
    // What was kept at once, brought up to date behind it for the next time.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreSearch: true }).then(function (kept) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok && !response.redirected) cache.put(url.pathname, response.clone());
          return response;
        });
        if (kept) {
          event.waitUntil(fresh.catch(function () {}));
          return kept;
        }
        return fresh;
      });
    }));
  }
});
