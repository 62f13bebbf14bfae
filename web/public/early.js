// First load (docs/performance.md "First load of the web UI"): the page's
// first API requests start while the application's modules are still on
// their way, not after they have arrived and run. api/client.js takes each
// answer once (takeEarly), for the same GET; later requests go as usual.
(function () {
  var early = {};
  function get(path) {
    early[path] = fetch('/api/v1' + path, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    // An unused or failed early request must not surface as an error.
    early[path].catch(function () {});
  }
  get('/auth/me');
  var m = /^\/screening\/mine\/(\d+)\/?$/.exec(location.pathname);
  if (m) get('/assignments/' + m[1]);
  window.__xqEarly = early;
})();
