// The baseline: a bare node:http server that reads the body, JSON.parses it, appends one NDJSON
// line per event and answers 200. What any collector must beat is this, on the same machine.
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.env.TOUCHPOINT_DATA_DIR ?? './data';
mkdirSync(dir, { recursive: true });
const out = createWriteStream(join(dir, 'baseline.ndjson'), { flags: 'a' });
createServer((req, res) => {
  if (req.url !== '/v1/batch') return res.end('ok'); // health checks
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    let lines = '';
    for (const event of body.batch) lines += JSON.stringify(event) + '\n';
    out.write(lines);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
