// The bench's two kinds of client: one request on its own connection (optionally from another
// loopback address), and an upload that sends its headers and a few bytes, then holds.
import { request } from 'node:http';
import { connect } from 'node:net';

/**
 * One request on a fresh connection; never throws. `status` 0 when no answer came (`error` says
 * why), `ms` from the start to the end of the answer.
 */
export function send(base, { method = 'POST', path = '/v1/batch', headers = {}, body, localAddress, timeoutMs = 10_000 } = {}) {
  const url = new URL(path, base);
  const started = performance.now();
  const failed = (error) => ({ status: 0, error: error.code ?? error.message, headers: {}, text: '', ms: performance.now() - started });
  return new Promise((done) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: body === undefined ? headers : { 'content-length': Buffer.byteLength(body), ...headers },
        localAddress,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          done({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        res.on('error', (error) => done(failed(error)));
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error) => done(failed(error)));
    req.end(body);
  });
}

/** `send` of a JSON body to `/v1/batch` (or `path`), with the key in `X-Write-Key` when given. */
export function sendJson(base, payload, { key, headers = {}, ...options } = {}) {
  return send(base, {
    ...options,
    headers: { 'content-type': 'application/json', ...(key && { 'x-write-key': key }), ...headers },
    body: JSON.stringify(payload),
  });
}

/** The answer's JSON, or undefined. */
export function jsonOf(answer) {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

/**
 * A slow upload: the headers of `POST /v1/batch` with `Content-Length: declaredBytes` and no key,
 * then a few bytes of body, then nothing. Resolves once the headers are written (or the connection
 * failed); `status` is the first answer's code when one comes, `answeredMs` when, `closed` once the
 * server closed it. `socket.destroy()` ends it.
 */
export function openSlowUpload(base, { declaredBytes = 100_000, localAddress } = {}) {
  const url = new URL(base);
  return new Promise((done) => {
    const opened = performance.now();
    const upload = { socket: undefined, status: undefined, answeredMs: undefined, closed: false, error: undefined };
    let head = '';
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
    upload.socket = socket;
    socket.on('connect', () => {
      socket.write(`POST /v1/batch HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n{"batch":[`);
      done(upload);
    });
    socket.on('data', (chunk) => {
      if (upload.status !== undefined) return;
      head += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (status) {
        upload.status = Number(status[1]);
        upload.answeredMs = performance.now() - opened;
      }
    });
    socket.on('error', (error) => {
      upload.error ??= error.code ?? error.message;
      done(upload);
    });
    socket.on('close', () => {
      upload.closed = true;
      upload.closedMs = performance.now() - opened;
      done(upload);
    });
  });
}
