/**
 * The live view's page. Everything it shows is written with `textContent`: event names and
 * properties come from clients and may hold markup. The token, when the collector asks for one,
 * stays in this tab's sessionStorage and goes only in the stream request's Authorization header.
 */
export function debugPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Touchpoint live view</title>
<style nonce="${nonce}">
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
  header { background: #1d3557; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  header input { padding: 4px 6px; border-radius: 4px; border: 0; width: 160px; }
  #status { margin-left: auto; font-size: 13px; }
  #status.live::before { content: '● '; color: #7be495; }
  #token-form { padding: 16px 20px; background: #fff3cd; display: none; gap: 8px; align-items: center; }
  #token-form.shown { display: flex; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; padding: 16px 20px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  ol { list-style: none; margin: 0; padding: 0; }
  li { background: #fff; border: 1px solid #dde; border-radius: 6px; margin-bottom: 6px; padding: 6px 10px; }
  #bad li { border-color: #f1b0b7; }
  .name { font-weight: 600; }
  .meta { color: #667; font-size: 12px; }
  .reason { color: #b00020; font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
  pre { font-size: 12px; overflow: auto; max-height: 320px; margin: 6px 0 0; }
</style>
</head>
<body>
<header>
  <h1>Touchpoint live view</h1>
  <label>event <input id="f-event" placeholder="e.g. Order Completed"></label>
  <label>anonymous id <input id="f-anonymousId"></label>
  <label>write key <input id="f-source" placeholder="source name"></label>
  <span id="status">connecting…</span>
</header>
<form id="token-form">
  <span>This collector shows its events only with its admin token.</span>
  <input id="token" type="password" autocomplete="off" placeholder="admin token">
  <button type="submit">Connect</button>
  <span id="token-error" class="reason"></span>
</form>
<main>
  <section><h2>Accepted <span id="good-count">0</span></h2><ol id="good"></ol></section>
  <section><h2>Rejected <span id="bad-count">0</span></h2><ol id="bad"></ol></section>
</main>
<script nonce="${nonce}">
(function () {
  var KEEP = 500, TOKEN_KEY = 'tp:debug:token';
  var items = { good: [], bad: [] }, counts = { good: 0, bad: 0 };
  var fields = ['event', 'anonymousId', 'source'];
  var $ = function (id) { return document.getElementById(id); };
  var filter = {};
  var controller;
  var streamUrl = location.pathname.replace(/\\/?$/, '/stream');

  function nameOf(e) {
    if (!e || typeof e !== 'object') return undefined;
    var candidates = [e.event, e.name, e.type];
    for (var i = 0; i < candidates.length; i++) if (typeof candidates[i] === 'string' && candidates[i]) return candidates[i];
  }
  function contains(value, wanted) {
    return !wanted || (typeof value === 'string' && value.toLowerCase().indexOf(wanted.toLowerCase()) >= 0);
  }
  function shown(item) {
    var e = item.event;
    return contains(item.source, filter.source) && contains(nameOf(e), filter.event) && contains(e && e.anonymousId, filter.anonymousId);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function render(item) {
    var e = item.event || {};
    var li = el('li');
    li.dataset.status = item.status;
    li.appendChild(el('span', 'name', nameOf(e) || '(no name)'));
    var time = item.status === 'good' ? e.receivedAt : item.receivedAt;
    var meta = [e.type, 'key ' + item.source, e.anonymousId && 'anon ' + e.anonymousId, e.userId && 'user ' + e.userId,
      e.context && e.context.session && 'session ' + e.context.session.id, item.stream === 'bots' && 'bot', time].filter(Boolean).join(' · ');
    li.appendChild(el('div', 'meta', meta));
    if (item.status === 'bad') li.appendChild(el('div', 'reason', item.reason));
    var details = el('details');
    details.appendChild(el('summary', 'meta', 'JSON'));
    details.appendChild(el('pre', '', JSON.stringify(item.status === 'good' ? e : (item.event !== undefined ? item.event : item.eventTruncated), null, 2)));
    li.appendChild(details);
    return li;
  }
  function redraw() {
    ['good', 'bad'].forEach(function (side) {
      var list = $(side);
      list.textContent = '';
      items[side].filter(shown).slice(-KEEP).reverse().forEach(function (item) { list.appendChild(render(item)); });
    });
  }
  function add(item) {
    var side = item.status;
    items[side].push(item);
    if (items[side].length > KEEP) items[side].shift();
    counts[side]++;
    $(side + '-count').textContent = String(counts[side]);
    if (!shown(item)) return;
    var list = $(side);
    list.insertBefore(render(item), list.firstChild);
    while (list.children.length > KEEP) list.removeChild(list.lastChild);
  }
  function status(text, live) {
    $('status').textContent = text;
    $('status').className = live ? 'live' : '';
  }
  function onMessage(block) {
    var type = 'message', data = [];
    block.split('\\n').forEach(function (line) {
      if (line.indexOf('event: ') === 0) type = line.slice(7);
      else if (line.indexOf('data: ') === 0) data.push(line.slice(6));
    });
    if (!data.length) return;
    var payload = JSON.parse(data.join('\\n'));
    if (type === 'good' || type === 'bad') add(payload);
    else if (type === 'ready') status('live', true);
    else if (type === 'dropped') status('live (' + payload.count + ' events skipped: too many to show)', true);
  }
  async function connect() {
    if (controller) controller.abort();
    controller = new AbortController();
    var signal = controller.signal;
    var token = sessionStorage.getItem(TOKEN_KEY);
    var query = new URLSearchParams();
    fields.forEach(function (f) { if (filter[f]) query.set(f, filter[f]); });
    status('connecting…');
    try {
      var response = await fetch(streamUrl + '?' + query, { headers: token ? { authorization: 'Bearer ' + token } : {}, signal: signal, cache: 'no-store' });
      if (response.status === 404 || response.status === 401) {
        $('token-form').className = 'shown';
        $('token-error').textContent = token ? 'That token was refused.' : '';
        status('waiting for the admin token');
        return;
      }
      if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
      $('token-form').className = '';
      var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      var buffer = '';
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value;
        var end;
        while ((end = buffer.indexOf('\\n\\n')) >= 0) {
          onMessage(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      throw new Error('stream ended');
    } catch (error) {
      if (signal.aborted) return;
      status('disconnected, retrying…');
      setTimeout(function () { if (!signal.aborted) connect(); }, 2000);
    }
  }
  var timer;
  fields.forEach(function (f) {
    $('f-' + f).addEventListener('input', function () {
      filter[f] = this.value.trim();
      redraw();
      clearTimeout(timer);
      timer = setTimeout(connect, 300);
    });
  });
  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('token').value = '';
    connect();
  });
  connect();
})();
</script>
</body>
</html>`;
}
