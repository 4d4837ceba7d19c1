/**
 * The page's script: plain browser JavaScript, inlined into the page (no framework, nothing fetched but the API).
 * Rows and drill-downs are built with textContent, never from the data as HTML; the charts and the report's
 * sections arrive as HTML the server rendered with the report's own (escaping) code.
 * The filters, the page of rows and the open drill-down are the URL's query, so a view can be shared.
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(function () {
  var TOKEN = document.querySelector('meta[name="cloudtap-token"]').content;
  var REFRESH_MS = Number(document.querySelector('meta[name="cloudtap-refresh-seconds"]').content) * 1000;
  var FILTERS = ['state', 'severity', 'account', 'region', 'group', 'rule'];
  var SEVERITY_NAMES = { 1: 'CRITICAL', 2: 'WARNING', 3: 'MINOR', 4: 'INFO', 5: 'OK' };
  var PAGE = 50;
  var $ = function (id) { return document.getElementById(id); };
  var loads = 0;
  // Each load has a generation: the answers of one overtaken by a newer (a filter changed meanwhile) are dropped.
  // The view (events, drill-down) follows the URL; the overview (figures, charts, runs) only the refreshes.
  var viewGen = 0;
  var overviewGen = 0;
  function current(gen) { return gen === viewGen; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'class') node.className = attrs[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child != null) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }
  function shortTime(iso) { return iso ? iso.slice(0, 10) + ' ' + iso.slice(11, 19) : ''; }
  function sevPill(s) { return el('span', { class: 'sev sev' + s, title: SEVERITY_NAMES[s], text: s + ' ' + SEVERITY_NAMES[s] }); }
  function partitionParts(partition) { var p = String(partition || '').split('#'); return { account: p[0] || '', region: p[1] || '', type: p[2] || '' }; }

  function state() { return new URLSearchParams(location.search); }
  function go(params, replace) {
    var query = params.toString();
    var url = location.pathname + (query ? '?' + query : '');
    if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
    render();
  }
  function setParam(name, value, replace) {
    var params = state();
    if (value === '' || value == null) params.delete(name); else params.set(name, value);
    go(params, replace);
  }

  function api(path, options) {
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return { error: 'HTTP ' + response.status }; }).then(function (body) {
        if (!response.ok) { var error = new Error(body.error || ('HTTP ' + response.status)); error.status = response.status; throw error; }
        return body;
      });
    });
  }
  function showError(error) { $('error').textContent = error ? String(error.message || error) : ''; }

  function renderFacets(facets) {
    var params = state();
    FILTERS.forEach(function (name) {
      var select = document.querySelector('#filters select[name="' + name + '"]');
      var current = params.get(name) || '';
      select.textContent = '';
      if (name !== 'state') select.appendChild(el('option', { value: '', text: 'any' }));
      facets[name].forEach(function (value) {
        var label = name === 'severity' ? value + ' ' + SEVERITY_NAMES[value] : value;
        select.appendChild(el('option', { value: value, text: label }));
      });
      select.value = name === 'state' ? (current || 'open') : current;
    });
  }

  function renderEvents(page) {
    var body = $('events-table').querySelector('tbody');
    body.textContent = '';
    page.events.forEach(function (e) {
      var where = partitionParts(e.partition);
      var pair = e.typeNames[e.typeNames.length - 1] || { type: '', name: '' };
      var badges = [];
      if (e.acknowledged) badges.push(el('span', { class: 'badge acked', title: e.acknowledged.note, text: 'acked' }));
      if (e.silenced) badges.push(el('span', { class: 'badge silenced', title: e.silenced.reason + ' until ' + e.silenced.until, text: 'silenced' }));
      if (e.flapping) badges.push(el('span', { class: 'badge flapping', text: 'flapping' }));
      var row = el('tr', { class: 'sev-row sev' + e.severity, 'data-event-id': e.id, onclick: function () { setParam('event', e.id); } }, [
        el('td', {}, [sevPill(e.severity)]),
        el('td', {}, [el('span', { class: 'badge state-' + e.state, text: e.state })]),
        el('td', { class: 'nowrap', text: shortTime(e.lastTime) }),
        el('td', { class: 'num', text: String(e.count) }),
        el('td', { text: e.group || '' }),
        el('td', { text: e.rule }),
        el('td', { class: 'pair' }, [el('span', { class: 'type', text: pair.type }), el('span', { class: 'name', text: e.resourceId })]),
        el('td', { class: 'mono', text: where.account + ' · ' + where.region }),
        el('td', { class: 'text' }, [el('button', { type: 'button', class: 'link event-link', text: e.text, onclick: function (ev) { ev.stopPropagation(); setParam('event', e.id); } })].concat(badges)),
      ]);
      body.appendChild(row);
    });
    if (page.events.length === 0) body.appendChild(el('tr', {}, [el('td', { colspan: '9', class: 'empty', text: 'No events match these filters.' })]));
    var split = [1, 2, 3, 4, 5].filter(function (s) { return page.bySeverity[s] > 0; }).map(function (s) { return page.bySeverity[s] + ' ' + SEVERITY_NAMES[s].toLowerCase(); }).join(' · ');
    $('events-total').textContent = page.total + ' event' + (page.total === 1 ? '' : 's') + (split ? ' (' + split + ')' : '');
    $('events-total').setAttribute('data-total', String(page.total));
    var last = Math.min(page.total, page.offset + page.events.length);
    $('page-info').textContent = page.total === 0 ? '' : (page.offset + 1) + '–' + last + ' of ' + page.total;
    $('prev').disabled = page.offset === 0;
    $('next').disabled = last >= page.total;
  }

  function historyItem(entry) {
    var parts = [el('span', { class: 'when', text: shortTime(entry.time) }), el('span', { class: 'what', text: entry.transition })];
    if (entry.severity) parts.push(sevPill(entry.severity));
    parts.push(' ' + (entry.text || ''));
    if (entry.runId) parts.push(el('span', { class: 'muted', text: ' · run ' + entry.runId }));
    if (entry.note) parts.push(el('span', { class: 'note', text: 'note: ' + entry.note }));
    return el('li', { class: 't-' + entry.transition }, parts);
  }

  function fields(pairs) {
    var list = el('dl', { class: 'fields' });
    pairs.forEach(function (pair) { if (pair[1] !== undefined && pair[1] !== null && pair[1] !== '') { list.appendChild(el('dt', { text: pair[0] })); list.appendChild(el('dd', {}, [pair[1]])); } });
    return list;
  }

  function card(title, note, children, kind) {
    return el('div', { class: 'card wide', 'data-kind': kind }, [
      el('div', { class: 'card-head' }, [el('h3', { text: title }), el('span', { class: 'note' }, [note, ' ', el('button', { type: 'button', class: 'link', id: 'close-detail', text: 'close', onclick: function () { var p = state(); p.delete('event'); p.delete('resource'); go(p); } })])]),
    ].concat(children));
  }

  function renderEvent(detail) {
    var e = detail.event;
    var where = partitionParts(e.partition);
    var status = el('span', {}, [el('span', { class: 'badge state-' + e.state, text: e.state })]);
    if (e.acknowledged) status.appendChild(el('span', { class: 'badge acked', text: 'acknowledged' }));
    if (e.silenced) status.appendChild(el('span', { class: 'badge silenced', text: 'silenced until ' + shortTime(e.silenced.until) }));
    if (e.flapping) status.appendChild(el('span', { class: 'badge flapping', text: 'flapping' }));
    var info = fields([
      ['Severity', sevPill(e.severity)], ['State', status], ['Text', e.text], ['Rule', e.rule], ['Group', e.group || ''], ['Class', e.class],
      ['Resource', el('button', { type: 'button', class: 'link', id: 'resource-link', text: e.resourceId, onclick: function () { var p = state(); p.delete('event'); p.set('resource', e.resourceId); go(p); } })],
      ['Element', e.typeNames.map(function (t) { return t.type + ' ' + t.name; }).join(' / ')],
      ['Account · region', where.account + ' · ' + where.region + ' · ' + where.type],
      ['Count', String(e.count)], ['First', shortTime(e.firstTime)], ['Last', shortTime(e.lastTime)],
      ['Acknowledged', e.acknowledged ? e.acknowledged.note + ' — ' + e.acknowledged.by + ', ' + shortTime(e.acknowledged.at) : ''],
      ['Silenced', e.silenced ? e.silenced.reason + ' (silence ' + e.silenced.id + ', until ' + shortTime(e.silenced.until) + ')' : ''],
      ['Id', el('code', { text: e.id })],
    ]);
    var timeline = el('ol', { class: 'timeline', id: 'event-history' }, detail.history.map(historyItem));
    var note = el('textarea', { id: 'ack-note', name: 'note', placeholder: 'What you did or why (kept in the event\'s history)', 'aria-label': 'acknowledgement note' });
    var status2 = el('div', { class: 'ack-status', id: 'ack-status' });
    var button = el('button', { type: 'button', id: 'ack-submit', text: e.acknowledged ? 'Acknowledge again' : 'Acknowledge' });
    button.addEventListener('click', function () {
      button.disabled = true;
      status2.textContent = 'saving…';
      api('/api/events/' + encodeURIComponent(e.id) + '/ack', { method: 'POST', headers: { 'content-type': 'application/json', 'x-cloudtap-token': TOKEN }, body: JSON.stringify({ note: note.value }) })
        .then(function (result) {
          renderDetail('event', result);
          $('ack-status').textContent = 'acknowledged by ' + result.event.acknowledged.by;
          Promise.all([loadEvents(++viewGen), loadOverview()]).catch(showError);
        })
        .catch(function (error) { status2.textContent = error.message; button.disabled = false; });
    });
    return card('Event', e.rule + ' · ' + (e.group || 'no group'), [info, el('h4', { text: 'History' }), timeline, el('h4', { text: 'Acknowledge' }), el('div', { class: 'ack-form' }, [note, button]), status2], 'event');
  }

  function renderResource(detail) {
    var children = [];
    detail.resources.forEach(function (item) {
      var r = item.resource;
      children.push(fields([
        ['Type', r.type], ['Id', el('code', { text: r.resourceId })], ['Name', r.name || ''], ['Account · region', r.accountId + ' · ' + r.region],
        ['First seen', shortTime(r.firstSeen)], ['Last changed', shortTime(r.lastChanged)], ['Deleted', r.deletedAt ? shortTime(r.deletedAt) : ''], ['Run', r.runId],
      ]));
      var entries = [el('li', { class: 't-opened' }, [el('span', { class: 'when', text: shortTime(r.firstSeen) }), el('span', { class: 'what', text: 'first seen' })])];
      item.history.forEach(function (h) {
        var diffs = Object.keys(h.diff).map(function (field) { return el('span', { class: 'diff', text: field + ': ' + JSON.stringify(h.diff[field].from) + ' → ' + JSON.stringify(h.diff[field].to) }); });
        entries.push(el('li', { class: 't-' + (h.change === 'deleted' ? 'cleared' : 'acknowledged') }, [el('span', { class: 'when', text: shortTime(h.time) }), el('span', { class: 'what', text: h.change }), el('span', { class: 'muted', text: 'run ' + h.runId })].concat(diffs)));
      });
      children.push(el('h4', { text: 'Configuration timeline' }), el('ol', { class: 'timeline resource-timeline' }, entries));
    });
    var rows = detail.events.map(function (e) {
      return el('tr', { class: 'sev-row sev' + e.severity, 'data-event-id': e.id, onclick: function () { var p = state(); p.delete('resource'); p.set('event', e.id); go(p); } }, [
        el('td', {}, [sevPill(e.severity)]), el('td', {}, [el('span', { class: 'badge state-' + e.state, text: e.state })]), el('td', { text: e.rule }),
        el('td', { class: 'nowrap', text: shortTime(e.lastTime) }), el('td', { class: 'num', text: String(e.count) }), el('td', { class: 'text', text: e.text }),
      ]);
    });
    children.push(el('h4', { text: 'Its events' }), rows.length === 0 ? el('p', { class: 'empty', text: 'No events for this resource.' })
      : el('div', { class: 'table-wrap' }, [el('table', { class: 'tap compact', id: 'resource-events' }, [el('thead', {}, [el('tr', {}, ['Sev', 'State', 'Rule', 'Last', 'Count', 'Text'].map(function (h) { return el('th', { text: h }); }))]), el('tbody', {}, rows)])]));
    var first = detail.resources[0].resource;
    return card('Resource ' + first.resourceId, first.type + (first.name ? ' · ' + first.name : ''), children, 'resource');
  }

  function renderDetail(kind, detail) {
    var section = $('detail');
    section.textContent = '';
    section.setAttribute('data-kind', kind);
    section.appendChild(el('h2', { text: kind === 'event' ? 'Event drill-down' : 'Resource drill-down' }));
    section.appendChild(kind === 'event' ? renderEvent(detail) : renderResource(detail));
  }

  function loadDetail(gen, keepTyping) {
    var params = state();
    var eventId = params.get('event');
    var resourceId = params.get('resource');
    var note = $('ack-note');
    if (keepTyping && note && (note.value || document.activeElement === note)) return Promise.resolve();
    if (!eventId && !resourceId) { $('detail').textContent = ''; $('detail').removeAttribute('data-kind'); return Promise.resolve(); }
    var path = eventId ? '/api/events/' + encodeURIComponent(eventId) : '/api/resources/' + encodeURIComponent(resourceId);
    return api(path).then(function (detail) { if (current(gen)) renderDetail(eventId ? 'event' : 'resource', detail); });
  }

  function eventsQuery() {
    var params = state();
    var query = new URLSearchParams();
    FILTERS.forEach(function (name) { var v = params.get(name); if (v) query.set(name, v); });
    if (params.get('offset')) query.set('offset', params.get('offset'));
    query.set('limit', String(PAGE));
    return query.toString();
  }

  function loadOverview() {
    var gen = ++overviewGen;
    function current(g) { return g === overviewGen; }
    return Promise.all([
      api('/api/summary').then(function (s) {
        if (!current(gen)) return;
        $('kpis').innerHTML = s.html.kpis;
        $('summary-inventory').innerHTML = s.html.inventory;
        $('summary-instances').innerHTML = s.html.instances;
        $('summary-runs').innerHTML = s.html.runs;
      }),
      api('/api/timeline').then(function (t) { if (current(gen)) $('timeline').innerHTML = t.html; }),
      api('/api/failures').then(function (f) { if (current(gen)) $('failures').innerHTML = f.html; }),
    ]);
  }

  function loadEvents(gen) {
    return Promise.all([api('/api/facets'), api('/api/events?' + eventsQuery())]).then(function (answers) {
      if (!current(gen)) return;
      renderFacets(answers[0]);
      renderEvents(answers[1]);
    });
  }

  function settle(promise) {
    return promise.then(function () { showError(null); }, showError).then(function () {
      loads += 1;
      document.body.setAttribute('data-loads', String(loads));
      $('updated').textContent = 'updated ' + new Date().toISOString().slice(11, 19);
    });
  }

  /** A new view (filters, page, drill-down): the events and the drill-down are read again. */
  function render() { var gen = ++viewGen; return settle(Promise.all([loadDetail(gen, false), loadEvents(gen)])); }
  /** A refresh reads everything again, except a drill-down whose note is being typed. */
  function refresh(first) { var gen = ++viewGen; return settle(Promise.all([loadDetail(gen, !first), loadEvents(gen), loadOverview()])); }

  $('filters').addEventListener('change', function (event) {
    var params = state();
    var select = event.target;
    if (select.value) params.set(select.name, select.value); else params.delete(select.name);
    params.delete('offset');
    go(params);
  });
  $('clear-filters').addEventListener('click', function () { var params = state(); FILTERS.concat(['offset']).forEach(function (f) { params.delete(f); }); go(params); });
  $('prev').addEventListener('click', function () { var o = Math.max(0, Number(state().get('offset') || 0) - PAGE); setParam('offset', o ? String(o) : ''); });
  $('next').addEventListener('click', function () { setParam('offset', String(Number(state().get('offset') || 0) + PAGE)); });
  $('refresh').addEventListener('click', function () { refresh(); });
  window.addEventListener('popstate', render);
  setInterval(function () { if ($('live').checked && !document.hidden) refresh(); }, REFRESH_MS);
  refresh(true);
})();
`;
