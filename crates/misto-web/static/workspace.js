// misto publisher workspace: small enhancements; every form works without it.
// * keywords: suggestions from /api/3/action/tag_list?q= for the last
//   comma-separated word, offered through the field's <datalist>;
// * uploads: drag and drop onto the file field, and a progress bar while
//   the form is sent (XMLHttpRequest), then the page the server answers.
(function () {
  'use strict';

  // "Print" buttons (the passport page) need script; without it they stay hidden.
  document.querySelectorAll('button[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  document.querySelectorAll('input[data-tags]').forEach(function (input) {
    var list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    var suggest = debounce(function () {
      var parts = input.value.split(',');
      var last = parts.pop().trim();
      if (last.length < 2) return;
      var prefix = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(', ');
      if (prefix) prefix += ', ';
      fetch('/api/3/action/tag_list?q=' + encodeURIComponent(last), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body || !Array.isArray(body.result)) return;
          list.textContent = '';
          body.result.slice(0, 10).forEach(function (tag) {
            var o = document.createElement('option');
            o.value = prefix + tag;
            list.appendChild(o);
          });
        })
        .catch(function () {});
    }, 200);
    input.addEventListener('input', suggest);
  });

  document.querySelectorAll('form[data-upload]').forEach(function (form) {
    var file = form.querySelector('input[type=file]');
    var zone = form.querySelector('.drop-zone');
    var bar = form.querySelector('.upload-progress');
    var status = form.querySelector('.upload-status');
    if (zone && file) {
      ['dragenter', 'dragover'].forEach(function (ev) {
        zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add('dragging'); });
      });
      ['dragleave', 'drop'].forEach(function (ev) {
        zone.addEventListener(ev, function () { zone.classList.remove('dragging'); });
      });
      zone.addEventListener('drop', function (e) {
        e.preventDefault();
        if (e.dataTransfer && e.dataTransfer.files.length) {
          file.files = e.dataTransfer.files;
          if (status) status.textContent = e.dataTransfer.files[0].name;
        }
      });
    }
    if (!bar || !window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener('submit', function (e) {
      if (!file || !file.files.length) return; // links: a normal submit
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      bar.hidden = false;
      xhr.upload.addEventListener('progress', function (p) {
        if (p.lengthComputable) bar.value = Math.round((p.loaded / p.total) * 100);
      });
      xhr.addEventListener('load', function () {
        if (xhr.responseURL && xhr.status < 400) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener('error', function () {
        bar.hidden = true;
        form.submit();
      });
      xhr.send(new FormData(form));
    });
  });
})();
