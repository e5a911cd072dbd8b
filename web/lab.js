// WGF Lab's page glue: checks for WebGL 2 and WebAssembly, loads wgflab.js/.wasm/.data with a
// progress bar, shows errors on the page, keeps the URL hash in step with the lab's state
// (web/url_state.hpp), and wires the toolbar: lesson menu, copy link, downloads (run JSON,
// figure PNG) and uploads (run JSONs into Compare, or a saved lab state). All lab logic is in C++ (web/main.cpp's wgf_web_*).
//
// window.wgflab exposes what the browser tests read: status() (readouts, steps, state, widget
// rectangles), hash(), trackItems(on), firstFrameMs.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const lab = (window.wgflab = { firstFrameMs: null, ready: false });

  function fatal(message) {
    $('overlay').hidden = true;
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
    console.error('wgflab: ' + message);
  }
  function notice(message) {
    const box = $('notice');
    box.textContent = message + '  (click to dismiss)';
    box.hidden = false;
  }
  $('notice').addEventListener('click', () => ($('notice').hidden = true));

  // ---- what the lab needs from the browser ----
  if (typeof WebAssembly !== 'object') {
    fatal('This browser cannot run WebAssembly, which WGF Lab needs. Please use a current Chrome, Edge, Firefox or Safari.');
    return;
  }
  if (!document.createElement('canvas').getContext('webgl2')) {
    fatal('WebGL 2 is not available, and WGF Lab draws with it.\n' +
          'Use a current Chrome, Edge, Firefox or Safari, and check that hardware acceleration (or WebGL) is ' +
          'not switched off in the browser settings.');
    return;
  }

  // ---- the canvas follows the page ----
  // SDL resizes its drawing buffer (CSS size x devicePixelRatio) on the window's resize event;
  // the stage can also change without one (the toolbar wrapping), so report every change.
  let canvasBox = '';
  new ResizeObserver(() => {
    const b = $('canvas').getBoundingClientRect(), box = b.width + 'x' + b.height + '@' + devicePixelRatio;
    if (box !== canvasBox) {
      canvasBox = box;
      window.dispatchEvent(new Event('resize'));
    }
  }).observe($('canvas'));

  // ---- loading progress: the wasm and the preloaded lessons ----
  const parts = { wasm: [0, 0], data: [0, 0] };
  function progress() {
    const loaded = parts.wasm[0] + parts.data[0], total = parts.wasm[1] + parts.data[1];
    if (total > 0) $('progress').value = Math.min(1, loaded / total);
    $('status').textContent = 'Loading WGF Lab… ' + (loaded / 1048576).toFixed(1) + ' MB';
  }

  const ccall = (name, ret, types, args) => Module.ccall(name, ret, types || [], args || []);

  window.Module = {
    canvas: $('canvas'),
    print: (text) => console.log(text),
    printErr: (text) => console.warn(text),
    setStatus(text) {
      // Emscripten reports the data file as "Downloading data... (LOADED/TOTAL)".
      const m = /\((\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\)/.exec(text || '');
      if (m) {
        parts.data = [Number(m[1]), Number(m[2])];
        progress();
      }
    },
    instantiateWasm(imports, receive) {
      // XHR for its progress events (a fetch body read chunk by chunk would do too, but
      // Chromium then reports the request as aborted); 1.6 MB compiles in a few ms anyway.
      const xhr = new XMLHttpRequest();
      xhr.open('GET', 'wgflab.wasm');
      xhr.responseType = 'arraybuffer';
      xhr.onprogress = (e) => {
        parts.wasm = [e.loaded, e.lengthComputable ? e.total : 0];
        progress();
      };
      xhr.onerror = () => fatal('The lab\'s WebAssembly module could not be loaded: network error');
      xhr.onload = () => {
        if (xhr.status !== 200) {
          fatal('The lab\'s WebAssembly module could not be loaded: wgflab.wasm: HTTP ' + xhr.status + ' ' + xhr.statusText);
          return;
        }
        WebAssembly.instantiate(xhr.response, imports)
          .then((result) => receive(result.instance, result.module))
          .catch((e) => fatal('The lab\'s WebAssembly module could not be started: ' + e.message));
      };
      xhr.send();
      return {};
    },
    onAbort(what) {
      fatal('The lab stopped with an internal error: ' + what + '\nReloading the page starts it again.');
    },

    // ---- called from C++ (web/main.cpp) ----
    wgfFirstFrame() {
      lab.firstFrameMs = performance.now();
      $('overlay').hidden = true;
      console.log('wgflab: first frame at ' + lab.firstFrameMs.toFixed(0) + ' ms after navigation start');
      startToolbar();
    },
    wgfFatal: (message) => fatal(message),
    wgfHashError: (message) => notice(message + ' — the link could not be read, so the default lesson is shown.'),
    wgfDownload(name, mime, bytes) {
      download(name, new Blob([bytes], { type: mime }));
    },
  };

  function download(name, blob) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // ---- the toolbar and the URL hash, once the lab runs ----
  let lastHash = null;
  function status() {
    return JSON.parse(ccall('wgf_web_status', 'string'));
  }
  function syncHash() {
    const h = ccall('wgf_web_hash', 'string');
    if (h !== lastHash) {
      lastHash = h;
      history.replaceState(null, '', '#' + h);
    }
    const lessons = JSON.parse(ccall('wgf_web_lessons', 'string'));
    if ($('lesson').value !== lessons.current) $('lesson').value = lessons.current;
  }

  function startToolbar() {
    const lessons = JSON.parse(ccall('wgf_web_lessons', 'string'));
    const menu = $('lesson');
    for (const l of lessons.lessons) {
      const o = document.createElement('option');
      o.value = l.id;
      o.textContent = l.title ? l.id + ' — ' + l.title : l.id;
      menu.appendChild(o);
    }
    menu.value = lessons.current;
    menu.addEventListener('change', () => {
      const err = ccall('wgf_web_load_lesson', 'string', ['string'], [menu.value]);
      if (err) notice(err);
      syncHash();
    });
    $('copy-link').addEventListener('click', () => {
      syncHash();
      const url = location.href;
      (navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject(new Error('no clipboard')))
        .then(() => ($('info').textContent = 'link copied'))
        .catch(() => window.prompt('Copy this link:', url));
    });
    $('dl-run').addEventListener('click', () => {
      const text = ccall('wgf_web_run_json', 'string');
      download('wgflab-run-' + (status().lesson || 'lab') + '.json', new Blob([text], { type: 'application/json' }));
    });
    $('dl-png').addEventListener('click', () => {
      const s = status();
      ccall('wgf_web_request_png', null, ['string'], ['wgflab-figure-' + (s.lesson || 'lab') + '-' + s.state.panel + '.png']);
    });
    $('upload').addEventListener('change', async (event) => {
      for (const file of Array.from(event.target.files)) {
        const err = ccall('wgf_web_upload', 'string', ['string', 'string'], [file.name, await file.text()]);
        if (err) notice(err);
      }
      event.target.value = '';
    });
    window.addEventListener('hashchange', (event) => {
      // The hash the user (or a link) asked for: from the event, since syncHash may have
      // replaced the address since then.
      const hash = new URL(event.newURL).hash;
      if (hash.slice(1) === lastHash) return;
      const err = ccall('wgf_web_apply_hash', 'string', ['string'], [hash]);
      if (!err) $('notice').hidden = true;
      lastHash = null;
      syncHash();
    });
    for (const id of ['lesson', 'copy-link', 'dl-run', 'dl-png', 'upload']) $(id).disabled = false;
    document.querySelector('#bar .upload').classList.remove('disabled');
    setInterval(syncHash, 400);
    syncHash();
    $('canvas').focus();

    lab.status = status;
    lab.hash = () => ccall('wgf_web_hash', 'string');
    lab.trackItems = (on) => ccall('wgf_web_track_items', null, ['number'], [on ? 1 : 0]);
    lab.ready = true;
  }

  // ---- load the module ----
  const script = document.createElement('script');
  script.src = 'wgflab.js';
  script.onerror = () => fatal('wgflab.js could not be loaded (is the page served from its build folder?)');
  document.body.appendChild(script);
})();
