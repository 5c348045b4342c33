// The phone scanner at the door (/manage/events/:slug/scan). It reads tickets' QR codes with the
// camera (jsQR), asks the server when the network is there, and judges them itself from the
// event's list (kept in IndexedDB) when it is not; scans made offline are kept in IndexedDB,
// each with an id made here, and sent when the network returns. Every word it shows comes from
// the page (data-strings), in the page's language.
(function () {
  'use strict';
  var root = document.querySelector('[data-scanner]');
  if (!root || !window.indexedDB || !window.crypto || !crypto.subtle) return;

  var S = JSON.parse(root.getAttribute('data-strings'));
  var SIDES = JSON.parse(root.getAttribute('data-sides'));
  var EVENT = root.getAttribute('data-event');
  var PEOPLE_URL = root.getAttribute('data-people');
  var SYNC_URL = root.getAttribute('data-sync');
  var CSRF = root.getAttribute('data-csrf');
  var LOCALE = root.getAttribute('data-locale');
  var DEVICE_KEY = 'ipcoop.scanner.device';
  var BATCH = 200;

  var resultBox = document.getElementById('result');
  var video = document.getElementById('camera');
  var toggle = document.getElementById('camera-toggle');
  var status = document.getElementById('scanner-status');
  var network = document.getElementById('network');
  var deviceForm = document.getElementById('device-form');
  var deviceInput = document.getElementById('f-device');
  var search = document.getElementById('f-search');
  var matches = document.getElementById('matches');
  var undoButton = resultBox.querySelector('[data-undo]');

  var people = [];
  var byKey = new Map();
  var byId = new Map();
  var queue = [];
  var syncing = false;
  var lastUndoable = null;
  var timeFormat = new Intl.DateTimeFormat(LOCALE === 'zh-Hans' ? 'zh-CN' : LOCALE === 'zh-Hant' ? 'zh-HK' : 'en-GB',
    { timeZone: 'Asia/Hong_Kong', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? String(values[name]) : whole; });
  }
  function deviceName() { try { return localStorage.getItem(DEVICE_KEY) || ''; } catch (e) { return ''; } }

  // ---- IndexedDB: the event's list (one record per event) and the scans waiting to be sent.
  var dbPromise = new Promise(function (resolve, reject) {
    var open = indexedDB.open('ipcoop-scanner', 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore('lists', { keyPath: 'event' });
      open.result.createObjectStore('queue', { keyPath: 'id' }).createIndex('event', 'event');
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && 'result' in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function loadQueue() {
    return store('queue', 'readonly', function (s) { return s.index('event').getAll(EVENT); }).then(function (rows) {
      queue = (rows || []).sort(function (a, b) { return a.seq - b.seq; });
    });
  }
  function enqueue(scan) {
    var row = Object.assign({ event: EVENT, seq: Date.now() + Math.random() }, scan);
    queue.push(row);
    return store('queue', 'readwrite', function (s) { s.put(row); });
  }
  function dequeue(ids) {
    var gone = new Set(ids);
    queue = queue.filter(function (q) { return !gone.has(q.id); });
    return store('queue', 'readwrite', function (s) { ids.forEach(function (id) { s.delete(id); }); });
  }
  function saveList() {
    return store('lists', 'readwrite', function (s) { s.put({ event: EVENT, people: people }); });
  }

  // ---- The list a ticket is judged by.
  function setPeople(list) {
    people = list;
    byKey = new Map();
    byId = new Map();
    people.forEach(function (p) {
      byId.set(p.id, p);
      p.keys.forEach(function (k) { byKey.set(k, p); });
    });
    // Scans not yet sent still count here.
    queue.forEach(applyLocally);
    showCounts();
  }
  function refreshList() {
    if (!navigator.onLine) return Promise.resolve();
    return request(PEOPLE_URL, { method: 'GET' }).then(function (data) {
      setPeople(data.people);
      return saveList();
    }).catch(function () {});
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  }
  function sha256(text) { return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(hex); }
  /** The key the list knows a ticket by, from what the camera read (a ticket, or a manage link); null for anything else. */
  function keyOf(text) {
    var value = text.trim();
    var ticket = /^IPCOOP-TICKET:([0-9a-f]{64})$/i.exec(value);
    var link = /\/registrations\/([A-Za-z0-9_-]{43})(?:[/?#]|$)/.exec(value);
    var hash = ticket ? Promise.resolve(ticket[1].toLowerCase()) : link ? sha256(link[1]) : null;
    if (!hash) return Promise.resolve(null);
    return hash.then(function (h) { return sha256('IPCOOP-TICKET:' + h); }).then(function (k) { return k.slice(0, 32); });
  }

  function personOf(scan) {
    if (scan.registration !== undefined) return Promise.resolve(byId.get(scan.registration) || null);
    return keyOf(scan.code).then(function (key) { return key === null ? 'not_ticket' : byKey.get(key) || null; });
  }

  /** What the list says of a scan, and the list changed as the scan would change it. */
  function judge(scan, person) {
    if (person === 'not_ticket') return { result: 'not_ticket' };
    if (!person) return { result: 'unknown' };
    if (person.status !== 'confirmed' && person.status !== 'unconfirmed') return { result: person.status };
    if (scan.action === 'out') {
      if (!person.checkedInAt) return { result: 'not_checked_in', person: person };
      person.checkedInAt = null;
      person.by = null;
      return { result: 'undone', person: person };
    }
    if (person.checkedInAt) return { result: 'already', person: person, at: person.checkedInAt, by: person.by };
    person.checkedInAt = scan.at;
    person.by = deviceName();
    return { result: 'checked_in', person: person, at: scan.at };
  }
  function applyLocally(scan) {
    var person = scan.registration !== undefined ? byId.get(scan.registration) : scan.key ? byKey.get(scan.key) : null;
    if (person) judge(scan, person);
  }
  /** The server's answer, written into the list. */
  function learn(result) {
    var person = result.person && byId.get(result.person.id);
    if (!person) return;
    if (result.result === 'checked_in') { person.checkedInAt = result.at; person.by = deviceName(); }
    if (result.result === 'already') { person.checkedInAt = result.at; person.by = result.by; }
    if (result.result === 'undone' || result.result === 'not_checked_in') { person.checkedInAt = null; person.by = null; }
  }

  // ---- The network.
  function request(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 6000);
    var headers = { accept: 'application/json' };
    if (options.body) { headers['content-type'] = 'application/json'; headers['x-csrf-token'] = CSRF; }
    return fetch(url, { method: options.method, headers: headers, body: options.body, credentials: 'same-origin', signal: controller.signal })
      .then(function (res) {
        clearTimeout(timer);
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (!res.ok) { var error = new Error(body.message || String(res.status)); error.status = res.status; throw error; }
          return body;
        });
      }, function (error) { clearTimeout(timer); throw error; });
  }
  function wire(scan) {
    var out = { id: scan.id, action: scan.action, at: scan.at };
    if (scan.code !== undefined) out.code = scan.code;
    if (scan.registration !== undefined) out.registration = scan.registration;
    if (scan.undoes) out.undoes = scan.undoes;
    return out;
  }
  function send(scans) {
    return request(SYNC_URL, { method: 'POST', body: JSON.stringify({ device: deviceName(), scans: scans.map(wire) }) })
      .then(function (body) {
        body.results.forEach(learn);
        if (body.counts) showServerCounts(body.counts);
        return dequeue(scans.map(function (s) { return s.id; })).then(function () { return body.results; });
      });
  }
  /** Sends the kept scans, oldest first, in batches. */
  function flush() {
    if (syncing || queue.length === 0 || !navigator.onLine || !deviceName()) return Promise.resolve();
    syncing = true;
    return send(queue.slice(0, BATCH)).then(function () {
      syncing = false;
      showCounts();
      return queue.length > 0 ? flush() : saveList();
    }, function (error) {
      syncing = false;
      if (error.status === 401) say(S.signInAgain);
    });
  }

  // ---- What the steward sees, hears and feels.
  var audio = null;
  function beep(kind) {
    if (!audio) return;
    var tones = kind === 'ok' ? [[1046, 0.14]] : kind === 'warn' ? [[740, 0.12], [740, 0.12]] : [[196, 0.5]];
    var t = audio.currentTime;
    tones.forEach(function (tone) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = kind === 'bad' ? 'square' : 'sine';
      osc.frequency.value = tone[0];
      gain.gain.value = 0.25;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(t);
      osc.stop(t + tone[1]);
      t += tone[1] + 0.08;
    });
  }
  function vibrate(kind) {
    if (navigator.vibrate) navigator.vibrate(kind === 'ok' ? 120 : kind === 'warn' ? [90, 60, 90] : [400]);
  }
  function say(text) { status.textContent = text; }

  function show(verdict, scan, queued) {
    var kind = verdict.result === 'checked_in' || verdict.result === 'undone' ? 'ok'
      : verdict.result === 'already' || verdict.result === 'not_checked_in' ? 'warn' : 'bad';
    var words = {
      checked_in: S.checkedIn, undone: S.undone, not_checked_in: S.not_checked_in,
      already: fill(S.already, { time: verdict.at ? timeFormat.format(new Date(verdict.at)) : '', by: verdict.by || S.byDesk }),
    };
    resultBox.className = 'scan-result scan-result--' + kind;
    resultBox.setAttribute('data-result', verdict.result);
    resultBox.querySelector('[data-verdict]').textContent = words[verdict.result] || S[verdict.result] || S.rejected;
    var person = verdict.person;
    resultBox.querySelector('[data-name]').textContent = person ? person.name : '';
    resultBox.querySelector('[data-detail]').textContent = person
      ? [person.organisation, SIDES[person.side] || person.side].filter(Boolean).join(' · ') : '';
    resultBox.querySelector('[data-note]').textContent = queued ? S.queued : '';
    lastUndoable = verdict.result === 'checked_in' ? { scan: scan, person: person } : null;
    undoButton.hidden = !lastUndoable;
    resultBox.hidden = false;
    beep(kind);
    vibrate(kind);
    showCounts();
    renderMatches();
  }

  function showCounts() {
    var confirmed = 0;
    var present = 0;
    people.forEach(function (p) {
      if (p.status === 'confirmed' || p.status === 'unconfirmed') confirmed++;
      if (p.checkedInAt) present++;
    });
    if (people.length > 0) {
      root.querySelector('[data-count="confirmed"]').textContent = String(confirmed);
      root.querySelector('[data-count="checked_in"]').textContent = String(present);
    }
    root.querySelector('[data-count="pending"]').textContent = String(queue.length);
  }
  function showServerCounts(counts) {
    if (people.length > 0) return showCounts();
    root.querySelector('[data-count="confirmed"]').textContent = String(counts.confirmed);
    root.querySelector('[data-count="checked_in"]').textContent = String(counts.checked_in);
  }
  function showNetwork() {
    network.textContent = navigator.onLine ? S.online : S.offline;
    network.classList.toggle('is-offline', !navigator.onLine);
  }

  // ---- A scan, from the camera, the list or the undo button.
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = hex(b);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function handle(fields) {
    if (!deviceName()) { say(S.deviceNeeded); deviceInput.focus(); return Promise.resolve(); }
    var scan = Object.assign({ id: uuid(), at: new Date().toISOString() }, fields);
    var online = navigator.onLine
      ? flush().then(function () { return send([scan]); }).then(function (results) {
        var verdict = results[0];
        show(verdict, scan, false);
        return true;
      }, function (error) { if (error.status === 401) say(S.signInAgain); return false; })
      : Promise.resolve(false);
    return online.then(function (done) {
      if (done) return undefined;
      // No answer from the server: the list judges, and what counts is kept to be sent.
      return personOf(scan).then(function (person) {
        var verdict = judge(scan, person);
        var keep = verdict.result === 'checked_in' || verdict.result === 'already' || verdict.result === 'undone';
        var kept = keep ? (scan.code !== undefined ? keyOf(scan.code) : Promise.resolve(null)).then(function (key) {
          if (key) scan.key = key;
          return enqueue(scan).then(saveList);
        }) : Promise.resolve();
        return kept.then(function () { show(verdict, scan, keep); });
      });
    });
  }

  undoButton.addEventListener('click', function () {
    if (!lastUndoable || !lastUndoable.person) return;
    var target = lastUndoable;
    lastUndoable = null;
    handle({ action: 'out', registration: target.person.id, undoes: target.scan.id });
  });

  // ---- The camera.
  var stream = null;
  var canvas = document.createElement('canvas');
  var context = canvas.getContext('2d', { willReadFrequently: true });
  var lastCode = null;
  var lastSeen = 0;
  var busy = false;
  function frame() {
    if (!stream) return;
    if (video.readyState >= 2 && !busy && window.jsQR) {
      var scale = Math.min(1, 640 / (video.videoWidth || 640));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
      var now = Date.now();
      if (found && found.data) {
        // A ticket held in front of the camera is one scan, however long it stays there.
        if (found.data !== lastCode || now - lastSeen > 4000) {
          busy = true;
          lastCode = found.data;
          handle({ action: 'in', code: found.data }).then(function () { busy = false; }, function () { busy = false; });
        }
        lastSeen = now;
      }
    }
    setTimeout(function () { requestAnimationFrame(frame); }, 120);
  }
  function startCamera() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (!deviceName()) { say(S.deviceNeeded); deviceInput.focus(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say(S.noCamera); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      return video.play();
    }).then(function () {
      toggle.textContent = S.stop;
      say(S.ready);
      frame();
    }).catch(function () { stream = null; say(S.noCamera); });
  }
  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    toggle.textContent = S.start;
    say('');
  }
  toggle.addEventListener('click', function () { if (stream) stopCamera(); else startCamera(); });

  // ---- The device's name, set once and kept.
  deviceInput.value = deviceName();
  deviceForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var name = deviceInput.value.replace(/\s+/g, ' ').trim().slice(0, 60);
    if (!name) return;
    try { localStorage.setItem(DEVICE_KEY, name); } catch (e) { /* private mode: kept for this page only */ }
    deviceInput.value = name;
    say(S.ready);
    flush();
  });

  // ---- Finding someone by name when there is no ticket to scan.
  function renderMatches() {
    var q = search.value.trim().toLocaleLowerCase();
    matches.textContent = '';
    if (!q) return;
    var found = people.filter(function (p) {
      return (p.status === 'confirmed' || p.status === 'unconfirmed')
        && ((p.name || '').toLocaleLowerCase().indexOf(q) >= 0 || (p.organisation || '').toLocaleLowerCase().indexOf(q) >= 0);
    }).slice(0, 20);
    if (found.length === 0) {
      var none = document.createElement('li');
      none.textContent = S.noMatch;
      matches.appendChild(none);
      return;
    }
    found.forEach(function (p) {
      var li = document.createElement('li');
      var who = document.createElement('span');
      who.textContent = p.name;
      var detail = document.createElement('small');
      detail.textContent = [p.organisation, SIDES[p.side] || p.side].filter(Boolean).join(' · ');
      who.appendChild(detail);
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button--small' + (p.checkedInAt ? ' button--secondary' : '');
      button.textContent = p.checkedInAt ? S.undo : S.checkIn;
      button.addEventListener('click', function () {
        handle(p.checkedInAt ? { action: 'out', registration: p.id } : { action: 'in', registration: p.id });
      });
      li.appendChild(who);
      li.appendChild(button);
      matches.appendChild(li);
    });
  }
  search.addEventListener('input', renderMatches);

  // ---- Start: the kept list and scans first (offline), then the network's.
  window.addEventListener('online', function () { showNetwork(); flush().then(refreshList); });
  window.addEventListener('offline', showNetwork);
  showNetwork();
  if (!deviceName()) say(S.deviceNeeded);
  loadQueue()
    .then(function () { return store('lists', 'readonly', function (s) { return s.get(EVENT); }); })
    .then(function (saved) { if (saved) setPeople(saved.people); })
    .then(function () { return flush(); })
    .then(refreshList)
    .then(function () { root.setAttribute('data-ready', 'true'); });
  setInterval(function () { flush().then(function () { if (!syncing && queue.length === 0) return refreshList(); }); }, 20000);

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(root.getAttribute('data-sw'), { scope: root.getAttribute('data-scope') }).catch(function () {});
  }
})();
