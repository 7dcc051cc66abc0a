/* spectrum_protect.operations task report: filters, sort, grouping and the activity-log pane over
   a virtualised table (only the rows in view are in the document), so 100,000 tasks stay fluid.
   Data: the JSON document in #report-data (see page_data() in plugins/plugin_utils/_report.py).
   Values from servers are only ever set as text (textContent), never parsed as HTML. */
(function () {
  'use strict';

  var DATA = JSON.parse(document.getElementById('report-data').textContent);
  var ROWS = DATA.rows;
  var SERVERS = DATA.servers;
  var TYPES = DATA.types;
  var C = {};
  DATA.columns.forEach(function (name, i) { C[name] = i; });

  var ROW_H = 30;
  var OVERSCAN = 10;
  var $ = function (id) { return document.getElementById(id); };
  var viewport = $('viewport');
  var spacer = $('spacer');
  var head = $('head');
  var pane = $('pane');
  var paneBody = $('pane-body');
  var layout = $('table-and-pane');

  var filt = { text: '', server: '', type: '', state: '', count: '' };
  var sortKey = null;
  var sortDir = 1;
  var group = '';
  var collapsed = new Set();
  var view = [];          // display items: {r: row index} or {g: group}; d = depth, k = children
  var activePos = 0;      // the row that holds the keyboard focus (roving tabindex)
  var selected = -1;      // the row index shown in the pane
  var hay = null;         // lower-case search text per row, built on the first search

  // --- values -------------------------------------------------------------------------------
  function typeOf(r) { return TYPES[r[C.type]]; }
  function outcomeClass(r) {
    if (r[C.active]) {
      var s = (r[C.state] || '').toLowerCase();
      return (s === 'running' || s === 'starting' || s === 'ending') ? 'running' : 'waiting';
    }
    var o = r[C.outcome];
    if (o === 'terminated') { return 'failed'; }
    if (o === 'successful' || o === 'warning' || o === 'failed') { return o; }
    return 'unknown';
  }
  function stateText(r) {
    var s = r[C.state] || '';
    if (r[C.outcome] === 'unknown' && /^(successful|completed)$/i.test(s)) { s = 'Unknown'; }
    return s || (r[C.outcome] ? r[C.outcome].charAt(0).toUpperCase() + r[C.outcome].slice(1) : 'Unknown');
  }
  function descText(r) {
    if (typeOf(r) === 'session') {
      return [r[C.client_name], r[C.description]].filter(Boolean).join(' \u00b7 ');
    }
    return r[C.description] || r[C.job_name] || '';
  }
  function timeText(v) { return v ? String(v).replace('T', ' ') : ''; }
  function durText(s) {
    if (s === null || s === undefined) { return ''; }
    if (s < 60) { return s + 's'; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + 'm ' + pad(s % 60) + 's'; }
    var h = Math.floor(m / 60);
    if (h < 24) { return h + 'h ' + pad(m % 60) + 'm'; }
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function logCount(r) { return r[C.messages] ? r[C.messages].length : null; }
  function inCount(r, key) {
    var o = r[C.outcome];
    switch (key) {
      case 'successful': return !r[C.active] && o === 'successful' && typeOf(r) !== 'session';
      case 'warning': return !r[C.active] && o === 'warning';
      case 'failed': return !r[C.active] && (o === 'failed' || o === 'terminated');
      case 'unknown': return !r[C.active] && o === 'unknown';
      case 'active': return !!r[C.active];
      default: return true;
    }
  }

  var COLS = [
    { key: 'server', label: 'Server', get: function (r) { return SERVERS[r[C.server]]; } },
    { key: 'type', label: 'Type', get: typeOf },
    { key: 'id', label: 'ID', num: true, get: function (r) { return r[C.id]; } },
    { key: 'desc', label: 'Description or client', get: descText },
    { key: 'state', label: 'State', get: stateText },
    { key: 'job', label: 'Job ID', num: true, get: function (r) { return r[C.job_id]; } },
    { key: 'parent', label: 'Parent', num: true, get: function (r) { return r[C.parent_process]; }, title: 'Parent process' },
    { key: 'start', label: 'Start', get: function (r) { return r[C.start_time]; } },
    { key: 'end', label: 'End', get: function (r) { return r[C.end_time]; } },
    { key: 'dur', label: 'Duration', num: true, get: function (r) { return r[C.duration_seconds]; } },
    { key: 'log', label: 'Log', num: true, get: logCount, title: 'Activity-log messages' }
  ];

  // --- header, filters ----------------------------------------------------------------------
  function buildHead() {
    COLS.forEach(function (col, i) {
      var cell = document.createElement('div');
      cell.setAttribute('role', 'columnheader');
      cell.setAttribute('aria-sort', 'none');
      if (col.num) { cell.className = 'num'; }
      var b = document.createElement('button');
      b.type = 'button';
      b.dataset.sort = col.key;
      b.title = 'Sort by ' + (col.title || col.label).toLowerCase();
      b.appendChild(document.createTextNode(col.label));
      var dir = document.createElement('span');
      dir.className = 'dir';
      dir.setAttribute('aria-hidden', 'true');
      b.appendChild(dir);
      b.addEventListener('click', function () { setSort(col.key); });
      cell.appendChild(b);
      head.appendChild(cell);
      col.index = i;
    });
  }

  function option(select, value, text) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }

  function buildFilters() {
    var perServer = SERVERS.map(function () { return 0; });
    var types = TYPES.map(function () { return 0; });
    var states = new Map();
    for (var i = 0; i < ROWS.length; i++) {
      var r = ROWS[i];
      perServer[r[C.server]]++;
      types[r[C.type]]++;
      var s = stateText(r);
      states.set(s, (states.get(s) || 0) + 1);
    }
    SERVERS.forEach(function (name, i) { option($('f-server'), String(i), name + ' (' + perServer[i] + ')'); });
    TYPES.forEach(function (name, i) {
      option($('f-type'), String(i), name.charAt(0).toUpperCase() + name.slice(1) + 's (' + types[i] + ')');
    });
    Array.from(states.keys()).sort().forEach(function (s) { option($('f-state'), s, s + ' (' + states.get(s) + ')'); });

    var debounce = null;
    $('f-text').addEventListener('input', function () {
      clearTimeout(debounce);
      debounce = setTimeout(function () { filt.text = $('f-text').value.trim().toLowerCase(); rebuild(true); }, 120);
    });
    $('f-server').addEventListener('change', function () { filt.server = this.value; rebuild(true); });
    $('f-type').addEventListener('change', function () { filt.type = this.value; rebuild(true); });
    $('f-state').addEventListener('change', function () { filt.state = this.value; rebuild(true); });
    $('f-group').addEventListener('change', function () { group = this.value; collapsed.clear(); rebuild(true); });
    $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
    $('f-reset').addEventListener('click', function () {
      filt = { text: '', server: '', type: '', state: '', count: '' };
      ['f-text', 'f-server', 'f-type', 'f-state', 'f-group'].forEach(function (id) { $(id).value = ''; });
      group = '';
      sortKey = null;
      sortDir = 1;
      collapsed.clear();
      markCounts();
      rebuild(true);
    });
    document.querySelectorAll('.count[data-count]').forEach(function (b) {
      b.addEventListener('click', function () {
        filt.count = filt.count === b.dataset.count ? '' : b.dataset.count;
        markCounts();
        rebuild(true);
        $('tasks-h').scrollIntoView({ block: 'start' });
      });
    });
    document.querySelectorAll('[data-server-filter]').forEach(function (b) {
      b.addEventListener('click', function () {
        var i = SERVERS.indexOf(b.dataset.serverFilter);
        filt.server = i < 0 ? '' : String(i);
        $('f-server').value = filt.server;
        rebuild(true);
        $('tasks-h').scrollIntoView({ block: 'start' });
      });
    });
  }

  function markCounts() {
    document.querySelectorAll('.count[data-count]').forEach(function (b) {
      b.setAttribute('aria-pressed', b.dataset.count === filt.count ? 'true' : 'false');
    });
    var chip = $('count-filter');
    if (filt.count) {
      chip.hidden = false;
      chip.textContent = 'Only ' + (filt.count === 'active' ? 'active' : filt.count) + ' tasks (select the count again to show all)';
    } else {
      chip.hidden = true;
    }
  }

  function haystack() {
    if (hay) { return hay; }
    hay = new Array(ROWS.length);
    for (var i = 0; i < ROWS.length; i++) {
      var r = ROWS[i];
      var parts = [SERVERS[r[C.server]], typeOf(r), r[C.id], descText(r), stateText(r), r[C.job_id], r[C.job_name],
        r[C.job_type], r[C.parent_process], r[C.status_text], r[C.platform], r[C.session_type]];
      var m = r[C.messages];
      if (m) {
        for (var j = 0; j < m.length; j++) { parts.push(m[j][1], m[j][3]); }
      }
      hay[i] = parts.filter(function (p) { return p !== null && p !== undefined; }).join('\n').toLowerCase();
    }
    return hay;
  }

  function matches(i) {
    var r = ROWS[i];
    if (filt.server !== '' && r[C.server] !== +filt.server) { return false; }
    if (filt.type !== '' && r[C.type] !== +filt.type) { return false; }
    if (filt.state !== '' && stateText(r) !== filt.state) { return false; }
    if (filt.count !== '' && !inCount(r, filt.count)) { return false; }
    if (filt.text !== '' && hay[i].indexOf(filt.text) < 0) { return false; }
    return true;
  }

  // --- sort ---------------------------------------------------------------------------------
  function setSort(key) {
    if (sortKey === key) { sortDir = -sortDir; } else { sortKey = key; sortDir = 1; }
    head.querySelectorAll('[role=columnheader]').forEach(function (cell, i) {
      var on = COLS[i].key === sortKey;
      cell.setAttribute('aria-sort', on ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      cell.querySelector('.dir').textContent = on ? (sortDir > 0 ? '\u25B2' : '\u25BC') : '';
    });
    rebuild(false);
  }

  function sortRows(idx) {
    if (!sortKey) { return idx; }
    var col = COLS.filter(function (c) { return c.key === sortKey; })[0];
    var keys = new Array(ROWS.length);
    for (var n = 0; n < idx.length; n++) {
      var v = col.get(ROWS[idx[n]]);
      keys[idx[n]] = (v === null || v === undefined || v === '') ? null : (col.num ? +v : String(v).toLowerCase());
    }
    var dir = sortDir;
    idx.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === y) { return a - b; }
      if (x === null) { return 1; }      // empty values last, in either direction
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * dir;
    });
    return idx;
  }

  // --- grouping -----------------------------------------------------------------------------
  function groupByServer(idx) {
    var buckets = SERVERS.map(function () { return []; });
    idx.forEach(function (i) { buckets[ROWS[i][C.server]].push(i); });
    var out = [];
    buckets.forEach(function (rows, s) {
      if (!rows.length) { return; }
      var key = 's:' + s;
      var failed = 0, warning = 0;
      rows.forEach(function (i) {
        var c = outcomeClass(ROWS[i]);
        if (c === 'failed') { failed++; } else if (c === 'warning') { warning++; }
      });
      out.push({ g: { key: key, label: SERVERS[s], n: rows.length, failed: failed, warning: warning }, d: 0, k: rows.length });
      if (!collapsed.has(key)) { rows.forEach(function (i) { out.push({ r: i, d: 1, k: 0 }); }); }
    });
    return out;
  }

  function groupByJob(idx) {
    // a process goes under its parent process when that is listed, else under its job
    var byKey = new Map();
    idx.forEach(function (i) {
      var r = ROWS[i], t = typeOf(r);
      if (t === 'process' || t === 'job') { byKey.set(r[C.server] + '|' + t + '|' + r[C.id], i); }
    });
    var kids = new Map();
    var parentOf = new Map();
    idx.forEach(function (i) {
      var r = ROWS[i];
      if (typeOf(r) !== 'process') { return; }
      var p;
      if (r[C.parent_process] !== null && r[C.parent_process] !== undefined) {
        p = byKey.get(r[C.server] + '|process|' + r[C.parent_process]);
      }
      if (p === undefined && r[C.job_id] !== null && r[C.job_id] !== undefined) {
        p = byKey.get(r[C.server] + '|job|' + r[C.job_id]);
      }
      if (p !== undefined && p !== i) {
        parentOf.set(i, p);
        if (!kids.has(p)) { kids.set(p, []); }
        kids.get(p).push(i);
      }
    });
    var out = [];
    var seen = new Set();
    function walk(i, depth) {
      var stack = [[i, depth]];
      while (stack.length) {
        var top = stack.pop();
        var n = top[0];
        if (seen.has(n)) { continue; }
        seen.add(n);
        var children = kids.get(n) || [];
        out.push({ r: n, d: top[1], k: children.length });
        if (children.length && !collapsed.has('r:' + n)) {
          for (var c = children.length - 1; c >= 0; c--) { stack.push([children[c], top[1] + 1]); }
        }
      }
    }
    idx.forEach(function (i) { if (!parentOf.has(i)) { walk(i, 0); } });
    idx.forEach(function (i) {   // a cycle of parent links has no root: show it from its first row
      if (!seen.has(i) && !hiddenByCollapse(i, parentOf)) { walk(i, 0); }
    });
    return out;
  }

  function hiddenByCollapse(i, parentOf) {
    var guard = 0;
    for (var p = parentOf.get(i); p !== undefined && guard < 10000; p = parentOf.get(p), guard++) {
      if (collapsed.has('r:' + p)) { return true; }
    }
    return false;
  }

  // --- building the view --------------------------------------------------------------------
  function rebuild(resetScroll) {
    if (filt.text !== '') { haystack(); }
    var idx = [];
    for (var i = 0; i < ROWS.length; i++) { if (matches(i)) { idx.push(i); } }
    sortRows(idx);
    if (group === 'server') {
      view = groupByServer(idx);
    } else if (group === 'job') {
      view = groupByJob(idx);
    } else {
      view = new Array(idx.length);
      for (var n = 0; n < idx.length; n++) { view[n] = { r: idx[n], d: 0, k: 0 }; }
    }
    var total = ROWS.length;
    $('shown').textContent = 'Showing ' + idx.length.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US') +
      ' task' + (total === 1 ? '' : 's');
    $('shown').dataset.shown = String(idx.length);
    viewport.setAttribute('aria-rowcount', String(view.length + 1));
    spacer.style.height = (view.length * ROW_H) + 'px';
    fitHeight();
    if (resetScroll) { viewport.scrollTop = 0; activePos = 0; }
    activePos = Math.max(0, Math.min(activePos, view.length - 1));
    draw();
  }

  function cell(row, text, cls, title) {
    var d = document.createElement('div');
    d.setAttribute('role', 'gridcell');
    if (cls) { d.className = cls; }
    if (text !== null && text !== undefined) { d.textContent = String(text); }
    if (title) { d.title = title; }
    row.appendChild(d);
    return d;
  }

  function toggle(key, open, label) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'tog';
    b.tabIndex = -1;
    b.setAttribute('aria-expanded', open ? 'true' : 'false');
    b.setAttribute('aria-label', (open ? 'Fold ' : 'Unfold ') + label);
    b.textContent = open ? '\u25BE' : '\u25B8';
    b.dataset.key = key;
    return b;
  }

  function drawRow(pos) {
    var item = view[pos];
    var row = document.createElement('div');
    row.setAttribute('role', 'row');
    row.setAttribute('aria-rowindex', String(pos + 2));
    row.dataset.pos = String(pos);
    row.style.top = (pos * ROW_H) + 'px';
    row.tabIndex = pos === activePos ? 0 : -1;
    if (item.g) {
      var g = item.g;
      var open = !collapsed.has(g.key);
      row.className = 'row group';
      row.setAttribute('aria-expanded', open ? 'true' : 'false');
      var c = cell(row, null, null);
      c.appendChild(toggle(g.key, open, g.label));
      c.appendChild(document.createTextNode(g.label + ' \u2014 ' + g.n + ' task' + (g.n === 1 ? '' : 's') +
        (g.failed ? ', ' + g.failed + ' failed' : '') + (g.warning ? ', ' + g.warning + ' warning' : '')));
      return row;
    }
    var r = ROWS[item.r];
    var oc = outcomeClass(r);
    row.className = 'row' + (oc === 'failed' ? ' r-failed' : oc === 'warning' ? ' r-warning' : oc === 'unknown' ? ' r-unknown' : '') +
      (item.r === selected ? ' sel' : '');
    row.dataset.r = String(item.r);
    if (item.k) { row.setAttribute('aria-expanded', collapsed.has('r:' + item.r) ? 'false' : 'true'); }
    cell(row, SERVERS[r[C.server]]);
    cell(row, typeOf(r), typeOf(r) === 'job' ? 'type-job' : null);
    cell(row, r[C.id], 'num');
    var desc = descText(r);
    var descCell = cell(row, null, null, [desc, r[C.status_text]].filter(Boolean).join('\n'));
    if (group === 'job') {   // the tree: indented under the job or parent process
      descCell.style.paddingLeft = (0.4 + item.d * 1.3) + 'rem';
      if (item.k) {
        descCell.appendChild(toggle('r:' + item.r, !collapsed.has('r:' + item.r), typeOf(r) + ' ' + r[C.id]));
      } else {
        var sp = document.createElement('span');
        sp.className = 'tog-pad';
        descCell.appendChild(sp);
      }
    }
    descCell.appendChild(document.createTextNode(desc));
    var st = cell(row, null, null);
    var badge = document.createElement('span');
    badge.className = 'st s-' + oc;
    var icon = { successful: '\u2714 ', warning: '\u25B2 ', failed: '\u2716 ', unknown: '? ', running: '\u25CF ', waiting: '\u25CB ' }[oc];
    var ic = document.createElement('span');
    ic.setAttribute('aria-hidden', 'true');
    ic.textContent = icon;
    badge.appendChild(ic);
    badge.appendChild(document.createTextNode(stateText(r)));
    if (r[C.outcome_verified] === false && !r[C.active]) {
      var u = document.createElement('span');
      u.className = 'unv';
      u.textContent = '(unverified)';
      badge.appendChild(u);
      st.title = 'The outcome could not be verified: a read it depends on failed';
    }
    st.appendChild(badge);
    cell(row, r[C.job_id], 'num');
    cell(row, r[C.parent_process], 'num');
    cell(row, timeText(r[C.start_time]));
    cell(row, r[C.active] ? (r[C.end_time] ? timeText(r[C.end_time]) : '\u2014') : timeText(r[C.end_time]));
    cell(row, durText(r[C.duration_seconds]), 'num');
    var n = logCount(r);
    cell(row, n === null ? '' : n, 'num log-n', n === null ? 'Activity log not collected' : n + ' activity-log messages');
    return row;
  }

  function fitHeight() {   // as tall as the rows, at most most of the window
    var most = Math.min(window.innerHeight * 0.7, 760);
    var want = view.length * ROW_H + head.offsetHeight + 18;
    viewport.style.height = Math.max(120, Math.min(most, want)) + 'px';
  }

  var drawn = { first: -1, last: -1 };
  function draw(force) {
    var headH = head.offsetHeight;
    var top = Math.max(0, viewport.scrollTop);
    var height = viewport.clientHeight - headH;
    var first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    var last = Math.min(view.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    var hadFocus = spacer.contains(document.activeElement);
    var frag = document.createDocumentFragment();
    for (var pos = first; pos < last; pos++) { frag.appendChild(drawRow(pos)); }
    spacer.textContent = '';
    spacer.appendChild(frag);
    drawn.first = first;
    drawn.last = last;
    if (hadFocus) { focusActive(); }
  }

  var pending = false;
  viewport.addEventListener('scroll', function () {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }, { passive: true });
  window.addEventListener('resize', function () { fitHeight(); draw(); });

  // --- keyboard and mouse -------------------------------------------------------------------
  function rowEl(pos) { return spacer.querySelector('[data-pos="' + pos + '"]'); }

  function focusActive() {
    var el = rowEl(activePos);
    if (el) { el.tabIndex = 0; el.focus({ preventScroll: true }); }
  }

  function moveTo(pos) {
    if (!view.length) { return; }
    activePos = Math.max(0, Math.min(view.length - 1, pos));
    var headH = head.offsetHeight;
    var y = activePos * ROW_H;
    if (y < viewport.scrollTop) {
      viewport.scrollTop = y;
    } else if (y + ROW_H > viewport.scrollTop + viewport.clientHeight - headH) {
      viewport.scrollTop = y + ROW_H - (viewport.clientHeight - headH);
    }
    draw();
    focusActive();
  }

  function toggleKey(key) {
    if (collapsed.has(key)) { collapsed.delete(key); } else { collapsed.add(key); }
    rebuild(false);
    focusActive();
  }

  function keyOf(pos) {
    var item = view[pos];
    if (!item) { return null; }
    if (item.g) { return item.g.key; }
    return item.k ? 'r:' + item.r : null;
  }

  viewport.addEventListener('keydown', function (e) {
    var page = Math.max(1, Math.floor((viewport.clientHeight - head.offsetHeight) / ROW_H) - 1);
    var key = keyOf(activePos);
    switch (e.key) {
      case 'ArrowDown': moveTo(activePos + 1); break;
      case 'ArrowUp': moveTo(activePos - 1); break;
      case 'PageDown': moveTo(activePos + page); break;
      case 'PageUp': moveTo(activePos - page); break;
      case 'Home': moveTo(0); break;
      case 'End': moveTo(view.length - 1); break;
      case 'ArrowRight': if (key && collapsed.has(key)) { toggleKey(key); } break;
      case 'ArrowLeft': if (key && !collapsed.has(key)) { toggleKey(key); } break;
      case 'Enter':
      case ' ':
        if (!view[activePos]) { return; }
        if (view[activePos].g) { toggleKey(key); } else { openTask(view[activePos].r, true); }
        break;
      default: return;
    }
    e.preventDefault();
  });

  viewport.addEventListener('focus', function (e) {
    if (e.target === viewport && view.length) { moveTo(activePos); }
  });

  spacer.addEventListener('click', function (e) {
    var t = e.target.closest('.tog');
    var rowNode = e.target.closest('[role=row]');
    if (!rowNode) { return; }
    activePos = +rowNode.dataset.pos;
    if (t) { toggleKey(t.dataset.key); return; }
    var item = view[activePos];
    if (item.g) { toggleKey(item.g.key); return; }
    openTask(item.r, false);
  });

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !pane.hidden) { closePane(); }
  });
  $('pane-close').addEventListener('click', closePane);

  // --- the timeline: one listener for every bar; the tooltip is built from the data ---------
  var svg = document.querySelector('svg.timeline');
  var tip = null;
  function barText(el) {
    var i = el.getAttribute('data-i');
    if (i !== null) {
      var r = ROWS[+i];
      return SERVERS[r[C.server]] + ' ' + typeOf(r) + ' ' + r[C.id] + ': ' + (descText(r) || '-') + '\n' + stateText(r) +
        ', ' + timeText(r[C.start_time]) + ' to ' + (r[C.end_time] ? timeText(r[C.end_time]) : 'now') +
        ' (' + durText(r[C.duration_seconds]) + ')';
    }
    var n = el.getAttribute('data-n');
    var cls = (el.getAttribute('class') || '').replace(/.*\bb-(\w+).*/, '$1');
    return el.classList.contains('dens') ? n + ' more overlapping task' + (n === '1' ? '' : 's') + ' here; the worst: ' + cls
      : n + ' short tasks, ' + cls + ' (zoom in with the table: filter by server)';
  }
  if (svg) {
    tip = document.createElement('div');
    tip.className = 'tl-tip';
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    document.body.appendChild(tip);
    svg.addEventListener('mouseover', function (e) {
      var el = e.target.closest('.bar, .dens');
      if (!el) { tip.hidden = true; return; }
      tip.textContent = barText(el);
      tip.hidden = false;
    });
    svg.addEventListener('mousemove', function (e) {
      if (tip.hidden) { return; }
      tip.style.left = Math.min(window.innerWidth - tip.offsetWidth - 8, e.clientX + 14) + 'px';
      tip.style.top = (e.clientY + 16) + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
    svg.addEventListener('click', function (e) {
      var el = e.target.closest('.bar[data-i]');
      if (el) { openTask(+el.getAttribute('data-i'), false, true); }
    });
  }

  // --- the activity-log pane ----------------------------------------------------------------
  function field(dl, label, value) {
    if (value === null || value === undefined || value === '') { return; }
    var dt = document.createElement('dt');
    dt.textContent = label;
    var dd = document.createElement('dd');
    dd.textContent = String(value);
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function openTask(i, fromKeyboard, reveal) {
    var r = ROWS[i];
    if (!r) { return; }
    selected = i;
    $('pane-h').textContent = SERVERS[r[C.server]] + ' \u00b7 ' + typeOf(r) + ' ' + r[C.id];
    paneBody.textContent = '';
    var dl = document.createElement('dl');
    field(dl, 'State', stateText(r) + (r[C.outcome_verified] === false && !r[C.active] ? ' (outcome not verified)' : ''));
    field(dl, 'Outcome', r[C.active] ? 'active' : r[C.outcome]);
    field(dl, 'Description', r[C.description]);
    field(dl, 'Client', r[C.client_name]);
    field(dl, 'Session type', r[C.session_type]);
    field(dl, 'Platform', r[C.platform]);
    field(dl, 'Job', [r[C.job_type], r[C.job_name]].filter(Boolean).join(' ') || null);
    field(dl, 'Job ID', r[C.job_id]);
    field(dl, 'Parent process', r[C.parent_process]);
    field(dl, 'Start', timeText(r[C.start_time]));
    field(dl, 'End', timeText(r[C.end_time]));
    field(dl, 'Duration', durText(r[C.duration_seconds]));
    field(dl, 'Wait', r[C.wait_seconds] === null || r[C.wait_seconds] === undefined ? null : durText(r[C.wait_seconds]));
    field(dl, 'Bytes sent', r[C.bytes_sent] === null || r[C.bytes_sent] === undefined ? null : r[C.bytes_sent].toLocaleString('en-US'));
    field(dl, 'Bytes received', r[C.bytes_received] === null || r[C.bytes_received] === undefined ? null : r[C.bytes_received].toLocaleString('en-US'));
    field(dl, 'Status', r[C.status_text]);
    paneBody.appendChild(dl);
    var h = document.createElement('h4');
    h.textContent = 'Activity log';
    paneBody.appendChild(h);
    var msgs = r[C.messages];
    if (msgs === null || msgs === undefined) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = DATA.activity_log ? 'No activity log was read for this task.'
        : 'The activity log was not collected (task_report_activity_log: false).';
      paneBody.appendChild(p);
    } else if (!msgs.length) {
      var q = document.createElement('p');
      q.className = 'muted';
      q.textContent = 'No messages between the task\u2019s start and end.';
      paneBody.appendChild(q);
    } else {
      var ul = document.createElement('ul');
      ul.className = 'log';
      msgs.forEach(function (m) {
        var li = document.createElement('li');
        li.className = 'sev-' + (m[2] || 'I');
        var meta = document.createElement('span');
        meta.className = 'meta';
        var sev = document.createElement('span');
        sev.className = 'sev';
        sev.textContent = m[2] || '';
        meta.appendChild(document.createTextNode(timeText(m[0]) + ' \u00b7 '));
        meta.appendChild(sev);
        var msg = document.createElement('span');
        msg.className = 'msg';
        msg.textContent = m[3] || '';
        li.appendChild(meta);
        li.appendChild(msg);
        ul.appendChild(li);
      });
      paneBody.appendChild(ul);
    }
    pane.hidden = false;
    layout.classList.add('open');
    if (reveal) {
      var pos = -1;
      for (var n = 0; n < view.length; n++) { if (view[n].r === i) { pos = n; break; } }
      if (pos >= 0) { activePos = pos; viewport.scrollTop = Math.max(0, pos * ROW_H - 3 * ROW_H); }
      $('tasks-h').scrollIntoView({ block: 'start' });
    }
    draw();
    if (fromKeyboard) { pane.focus(); }
  }

  function closePane() {
    pane.hidden = true;
    layout.classList.remove('open');
    selected = -1;
    draw();
    focusActive();
  }

  buildHead();
  buildFilters();
  rebuild(true);
  document.documentElement.dataset.ready = '1';
}());
