// The source page's optional script, served same-origin as /upload.js: when the browser runs
// JavaScript it sends files through the resumable path (/u/…) in 1 MiB chunks, resumes from the
// drop's stored offset after a network error, and shows only confirmed bytes. Without it, the form posts.

/** Plain ES2017 for Tor Browser; no eval, no inline handlers, no other origin. */
export const UPLOAD_SCRIPT = `'use strict';
(function () {
  var form = document.querySelector('form[action="/upload"]');
  if (!form || typeof window.fetch !== 'function') return;
  var CHUNK = 1024 * 1024;
  var input = form.querySelector('input[type="file"]');
  var message = form.querySelector('textarea[name="message"]');
  var button = form.querySelector('button[type="submit"]');
  var status = document.createElement('p');
  status.setAttribute('role', 'status');
  status.className = 'hint';
  var bar = document.createElement('progress');
  bar.setAttribute('aria-label', 'Bytes the drop has confirmed');
  bar.hidden = true;
  form.appendChild(bar);
  form.appendChild(status);

  function Fatal(text) { this.message = text; }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function say(text) { status.textContent = text; }
  function mb(n) { return (n / 1048576).toFixed(1) + ' MB'; }
  async function readJson(res) {
    try { return await res.json(); } catch (e) { return {}; }
  }
  /** fetch that retries network errors with backoff; HTTP answers are returned to the caller. */
  async function call(url, init) {
    var delay = 1000;
    for (;;) {
      try {
        return await fetch(url, init);
      } catch (e) {
        say('Connection lost. Trying again in ' + Math.round(delay / 1000) + ' s…');
        await sleep(delay);
        delay = Math.min(delay * 2, 60000);
      }
    }
  }

  async function sendFile(file, base, total) {
    var res = await call('/u/new', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: file.name, size: file.size }) });
    var body = await readJson(res);
    if (res.status !== 201 || typeof body.id !== 'string') throw new Fatal(body.error || 'The drop refused the upload.');
    var id = encodeURIComponent(body.id);
    var stored = 0;
    var delay = 1000;
    var show = function () { bar.value = base + stored; say('Sent ' + mb(base + stored) + ' of ' + mb(total) + ' (confirmed by the drop).'); };
    show();
    while (stored < file.size) {
      var next = Math.min(stored + CHUNK, file.size);
      try {
        res = await fetch('/u/' + id + '?offset=' + stored, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: file.slice(stored, next) });
      } catch (e) {
        // The circuit died: ask what the drop has and continue from there.
        say('Connection lost. Resuming in ' + Math.round(delay / 1000) + ' s…');
        await sleep(delay);
        delay = Math.min(delay * 2, 60000);
        res = await call('/u/' + id, { method: 'GET' });
        body = await readJson(res);
        if (!res.ok) throw new Fatal(body.error || 'The upload could not be resumed.');
        stored = body.stored;
        show();
        continue;
      }
      body = await readJson(res);
      if (res.ok) {
        stored = body.stored;
        delay = 1000;
      } else if (res.status === 409 && typeof body.stored === 'number') {
        stored = body.stored;
        if (body.busy) await sleep(delay);
      } else {
        throw new Fatal(body.error || 'The drop refused a part of the upload.');
      }
      show();
    }
    res = await call('/u/' + id + '/done', { method: 'POST' });
    body = await readJson(res);
    if (!res.ok) throw new Fatal(body.error || 'The upload could not be finished.');
  }

  async function sendMessage(text) {
    var data = new FormData();
    data.append('message', text);
    var res = await call('/upload', { method: 'POST', body: data });
    if (!res.ok) throw new Fatal('The message could not be sent.');
  }

  form.addEventListener('submit', function (ev) {
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    if (!files.length) return; // a message alone goes through the plain form
    ev.preventDefault();
    var total = files.reduce(function (n, f) { return n + f.size; }, 0);
    var text = message ? message.value : '';
    bar.max = Math.max(total, 1);
    bar.value = 0;
    bar.hidden = false;
    if (button) button.disabled = true;
    (async function () {
      var base = 0;
      for (var i = 0; i < files.length; i++) {
        await sendFile(files[i], base, total);
        base += files[i].size;
      }
      if (text.trim()) await sendMessage(text);
      say('Received: ' + files.length + ' file' + (files.length === 1 ? '' : 's') + (text.trim() ? ' and 1 message' : '') + '. Thank you.');
      form.reset();
    })().catch(function (e) {
      say(e instanceof Fatal ? e.message : 'The upload failed. Please try again.');
    }).then(function () {
      if (button) button.disabled = false;
    });
  });
})();
`;
