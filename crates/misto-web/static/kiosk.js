// Kiosk mode (/kiosk): after the slide's time, fetch the next slide (the
// server renders it with fresh figures and charts) and swap it in without
// reloading, so a display never flashes. A failed fetch (the network or
// the server is away for a moment) keeps the current slide and tries again
// later instead of showing an error page. Without JavaScript, the page's
// <noscript> meta refresh moves on. The full-screen button uses the
// Fullscreen API, which needs a person's click.
(function () {
  'use strict';
  var RETRY_SECONDS = 15;

  function main() { return document.querySelector('[data-kiosk-next]'); }

  function fullScreenButton() {
    var b = document.querySelector('[data-kiosk-full]');
    if (!b || !document.fullscreenEnabled) return;
    b.hidden = !!document.fullscreenElement;
    b.addEventListener('click', function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
  }

  function schedule(seconds) {
    window.setTimeout(next, seconds * 1000);
  }

  function next() {
    var current = main();
    if (!current) return;
    var url = current.getAttribute('data-kiosk-next');
    var seconds = parseInt(current.getAttribute('data-kiosk-seconds'), 10) || 20;
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (resp) {
        if (!resp.ok) throw new Error('HTTP ' + resp.status);
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('[data-kiosk-next]');
        if (!fresh) throw new Error('not a kiosk page');
        current.replaceWith(document.adoptNode(fresh));
        document.title = doc.title;
        window.history.replaceState(null, '', url);
        fullScreenButton();
        schedule(parseInt(fresh.getAttribute('data-kiosk-seconds'), 10) || seconds);
      })
      .catch(function () {
        schedule(RETRY_SECONDS);
      });
  }

  if (!main()) return;
  document.addEventListener('fullscreenchange', function () {
    var b = document.querySelector('[data-kiosk-full]');
    if (b) b.hidden = !!document.fullscreenElement;
  });
  fullScreenButton();
  schedule(parseInt(main().getAttribute('data-kiosk-seconds'), 10) || 20);
})();
