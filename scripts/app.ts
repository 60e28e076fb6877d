/**
 * npm run app [-- --port 8080] [--host 127.0.0.1]
 *
 * Builds the photo editor page (scripts/web-build.ts) and serves web/dist/ on localhost with
 * node:http (static files only; nothing is ever received from the page). Prints the address.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { buildWeb } from './web-build';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg',
};

/** A static file server for `root`; GET and HEAD only. */
export function staticServer(root: string): http.Server {
  const base = path.resolve(root);
  return http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end('this server only serves the page\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });
}

if (require.main === module) {
  runMain(async () => {
    const args = parseArgs(process.argv.slice(2), { options: ['port', 'host'] }, 'app');
    const port = intOption(args, 'port', 'app', 0) ?? 8080;
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const b = await buildWeb(undefined, (l) => process.stderr.write(l + '\n'));
    const server = staticServer(b.dir);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'EADDRINUSE' ? `app: port ${port} is in use; pass --port N` : `app: ${e.message}`)));
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as { port: number };
    console.log(`facegan editor: http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}/  (Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });
}
