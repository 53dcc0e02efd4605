// misto datastore table on the resource page. The page works without this
// script (sort links, the filter form and the pager are plain links and
// GET forms the server renders); with it, sorting, filtering, full-text
// search and paging ask /api/3/action/datastore_search and redraw the
// table in place, keeping the URL in step so every view can be linked.
// While the file is being loaded into the datastore, the state is polled
// through datastore_info and the page reloads when the load has ended.
(function () {
  'use strict';

  var root = document.querySelector('[data-datastore]');
  if (!root || !window.fetch || !window.URLSearchParams) return;
  var rid = root.getAttribute('data-resource');
  var msg = {
    error: root.getAttribute('data-msg-error'),
    shown: root.getAttribute('data-msg-shown'),
    pageOf: root.getAttribute('data-page-of'),
    yes: root.getAttribute('data-true'),
    no: root.getAttribute('data-false'),
  };
  var API = '/api/3/action/';

  var status = root.getAttribute('data-status');
  if (status === 'pending' || status === 'running') {
    var tries = 0;
    var timer = setInterval(function () {
      if (++tries > 400) { clearInterval(timer); return; }
      fetch(API + 'datastore_info?id=' + encodeURIComponent(rid), { credentials: 'omit' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          var st = j && j.result && j.result.datastore_status;
          if (!st) return;
          if (st.status === 'done' || st.status === 'error') {
            clearInterval(timer);
            window.location.reload();
            return;
          }
          var bar = root.querySelector('.ds-status progress');
          if (bar && st.progress && st.progress.total > 0) {
            bar.value = Math.round((st.progress.done * 100) / st.progress.total);
          }
        })
        .catch(function () {});
    }, 3000);
  }

  var table = root.querySelector('.ds-table');
  var form = document.getElementById('ds-form');
  if (!table || !form) return;
  var PAGE = 20;
  var heads = Array.prototype.slice.call(table.querySelectorAll('thead th[data-col]'));
  var cols = heads.map(function (th) {
    return { id: th.getAttribute('data-col'), numeric: th.classList.contains('num') };
  });
  var known = function (c) { return cols.some(function (x) { return x.id === c; }); };
  var lang = document.documentElement.lang === 'en' ? 'en-GB' : 'uk-UA';

  function readState(search) {
    var p = new URLSearchParams(search);
    var s = { q: (p.get('q') || '').trim(), filters: {}, sort: null, page: 1, rest: [] };
    p.forEach(function (v, k) {
      if (k.indexOf('f.') === 0) {
        var c = k.slice(2);
        if (known(c) && v.trim() && !(c in s.filters)) s.filters[c] = v.trim();
      } else if (k === 'sort') {
        var m = v.trim().match(/^(.*?)(?:\s+(asc|desc))?$/i);
        if (m && known(m[1])) s.sort = { col: m[1], desc: /desc/i.test(m[2] || '') };
      } else if (k === 'page') {
        s.page = Math.max(1, parseInt(v, 10) || 1);
      } else if (k !== 'q') {
        s.rest.push([k, v]);
      }
    });
    return s;
  }

  function tablePairs(s) {
    var out = [];
    if (s.q) out.push(['q', s.q]);
    Object.keys(s.filters).forEach(function (c) { out.push(['f.' + c, s.filters[c]]); });
    if (s.sort) out.push(['sort', s.sort.desc ? s.sort.col + ' desc' : s.sort.col]);
    return out;
  }

  function urlOf(s, page) {
    var p = new URLSearchParams();
    tablePairs(s).forEach(function (kv) { p.append(kv[0], kv[1]); });
    if (page > 1) p.append('page', String(page));
    s.rest.forEach(function (kv) { p.append(kv[0], kv[1]); });
    var q = p.toString();
    return window.location.pathname + (q ? '?' + q : '');
  }

  function text(v) {
    if (v === null || v === undefined) return '';
    if (v === true) return msg.yes;
    if (v === false) return msg.no;
    return String(v);
  }

  function num(n) { return Number(n).toLocaleString(lang); }

  var state = readState(window.location.search);
  var counter = 0;
  var errorBox = document.getElementById('ds-table-error');
  var shown = document.getElementById('ds-shown');

  function showError(m) {
    errorBox.textContent = m;
    errorBox.hidden = !m;
  }

  function render(s, result) {
    var tbody = table.querySelector('tbody');
    var fresh = document.createElement('tbody');
    (result.records || []).forEach(function (rec) {
      var tr = document.createElement('tr');
      cols.forEach(function (c) {
        var td = document.createElement('td');
        if (c.numeric) td.className = 'num';
        td.textContent = text(rec[c.id]);
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    table.replaceChild(fresh, tbody);
    var total = result.total || 0;
    var offset = (s.page - 1) * PAGE;
    var from = total === 0 ? 0 : offset + 1;
    var to = Math.min(offset + PAGE, total);
    shown.textContent = msg.shown.replace('{from}', num(from)).replace('{to}', num(to)).replace('{total}', num(total));
    var pages = Math.max(1, Math.ceil(total / PAGE));
    var prev = root.querySelector('.ds-prev');
    var next = root.querySelector('.ds-next');
    prev.hidden = s.page <= 1;
    prev.href = urlOf(s, s.page - 1) + '#ds';
    next.hidden = s.page >= pages;
    next.href = urlOf(s, s.page + 1) + '#ds';
    root.querySelector('.ds-page').textContent = msg.pageOf.replace('{page}', s.page).replace('{pages}', pages);
    root.querySelector('.ds-empty').hidden = (result.records || []).length > 0;
    var reset = root.querySelector('.ds-reset');
    reset.hidden = !(s.q || Object.keys(s.filters).length);
    reset.querySelector('a').href = urlOf({ q: '', filters: {}, sort: null, rest: s.rest }, 1) + '#ds';
    heads.forEach(function (th) {
      var c = th.getAttribute('data-col');
      var a = th.querySelector('a.ds-sort');
      var cur = s.sort && s.sort.col === c ? (s.sort.desc ? 'descending' : 'ascending') : 'none';
      th.setAttribute('aria-sort', cur);
      var label = a.querySelector('.ds-sort-label');
      if (label) label.textContent = cur === 'ascending' ? a.getAttribute('data-desc') : a.getAttribute('data-asc');
      var n = copy(s);
      n.sort = { col: c, desc: cur === 'ascending' };
      a.href = urlOf(n, 1) + '#ds';
    });
    // Downloads of this selection, and the chart form, follow the table.
    root.querySelectorAll('a.ds-dump').forEach(function (a) {
      var p = new URLSearchParams();
      p.append('format', a.getAttribute('data-format'));
      if (s.q) p.append('q', s.q);
      if (Object.keys(s.filters).length) p.append('filters', JSON.stringify(s.filters));
      if (s.sort) p.append('sort', s.sort.col + (s.sort.desc ? ' desc' : ' asc'));
      a.href = '/datastore/dump/' + encodeURIComponent(rid) + '?' + p.toString();
    });
    var chartForm = document.querySelector('.ds-chart-form');
    if (chartForm) {
      chartForm.querySelectorAll('input[data-keep]').forEach(function (i) {
        if (i.name !== 'tiles') i.remove();
      });
      tablePairs(s).forEach(function (kv) {
        var i = document.createElement('input');
        i.type = 'hidden';
        i.name = kv[0];
        i.value = kv[1];
        i.setAttribute('data-keep', '');
        chartForm.insertBefore(i, chartForm.firstChild);
      });
    }
    form.querySelectorAll('input[type=hidden][name=sort]').forEach(function (i) {
      i.value = s.sort ? (s.sort.desc ? s.sort.col + ' desc' : s.sort.col) : '';
    });
  }

  function copy(s) {
    var f = {};
    Object.keys(s.filters).forEach(function (k) { f[k] = s.filters[k]; });
    return { q: s.q, filters: f, sort: s.sort, page: s.page, rest: s.rest.slice() };
  }

  // The state last asked for: a request still on its way counts, so that
  // typing, sorting and paging started before its answer build on it.
  var wanted = null;

  function load(s) {
    wanted = s;
    var body = { resource_id: rid, limit: PAGE, offset: (s.page - 1) * PAGE, include_total: true };
    if (s.q) body.q = s.q;
    if (Object.keys(s.filters).length) body.filters = s.filters;
    if (s.sort) body.sort = s.sort.col + (s.sort.desc ? ' desc' : ' asc');
    var seq = ++counter;
    table.classList.add('ds-busy');
    table.setAttribute('aria-busy', 'true');
    fetch(API + 'datastore_search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    })
      .then(function (r) {
        return r.json().then(function (j) { return { status: r.status, body: j }; });
      })
      .then(function (res) {
        if (seq !== counter) return;
        wanted = null;
        if (res.body && res.body.success) {
          state = s;
          showError('');
          render(s, res.body.result);
          window.history.replaceState(null, '', urlOf(s, s.page) + '#ds');
        } else if (res.status === 409) {
          // A filter value that does not fit its column: say so, keep the rows.
          var e = (res.body && res.body.error) || {};
          var parts = [];
          Object.keys(e).forEach(function (k) {
            if (k !== '__type' && k !== 'message') parts.push([].concat(e[k]).join(' '));
          });
          showError(parts.join(' ') || msg.error);
        } else {
          // Not readable anonymously (a private dataset): the server page
          // uses the visitor's session.
          window.location.assign(urlOf(s, s.page) + '#ds');
        }
      })
      .catch(function () {
        if (seq !== counter) return;
        wanted = null;
        showError(msg.error);
      })
      .then(function () {
        if (seq !== counter) return;
        table.classList.remove('ds-busy');
        table.removeAttribute('aria-busy');
      });
  }

  function fromForm() {
    var s = copy(wanted || state);
    s.q = (form.querySelector('input[name=q]').value || '').trim();
    s.filters = {};
    table.querySelectorAll('input.ds-filter').forEach(function (i) {
      var v = i.value.trim();
      if (v) s.filters[i.getAttribute('data-col')] = v;
    });
    s.page = 1;
    return s;
  }

  function plainClick(e) {
    return !(e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey);
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    clearTimeout(typing);
    load(fromForm());
  });
  var typing;
  root.addEventListener('input', function (e) {
    var t = e.target;
    if (!t.matches || !(t.matches('input.ds-filter') || t.id === 'ds-q')) return;
    clearTimeout(typing);
    typing = setTimeout(function () { load(fromForm()); }, 400);
  });
  heads.forEach(function (th) {
    th.querySelector('a.ds-sort').addEventListener('click', function (e) {
      if (!plainClick(e)) return;
      e.preventDefault();
      var c = th.getAttribute('data-col');
      clearTimeout(typing);
      var s = fromForm();
      var asc = s.sort && s.sort.col === c && !s.sort.desc;
      s.sort = { col: c, desc: !!asc };
      s.page = 1;
      load(s);
    });
  });
  ['.ds-prev', '.ds-next'].forEach(function (sel, i) {
    var a = root.querySelector(sel);
    if (!a) return;
    a.addEventListener('click', function (e) {
      if (!plainClick(e)) return;
      e.preventDefault();
      clearTimeout(typing);
      var s = copy(wanted || state);
      s.page = Math.max(1, s.page + (i === 0 ? -1 : 1));
      load(s);
    });
  });
}());
