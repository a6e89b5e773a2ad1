// A small HTTP service: 200 on /, 404 elsewhere; writes a line per request when a writable
// directory is given (WRITE_DIR), resolves a name as services do.
const http = require('http');
const fs = require('fs');
const dns = require('dns');
const port = Number(process.env.PORT || 3000);
dns.lookup('localhost', () => {});
http.createServer((req, res) => {
  if (process.env.WRITE_DIR) fs.appendFileSync(`${process.env.WRITE_DIR}/requests.log`, `${req.url}\n`);
  if (req.url === '/') { res.writeHead(200); res.end('ok\n'); } else { res.writeHead(404); res.end('not found\n'); }
}).listen(port, () => console.log(`listening on ${port}`));
