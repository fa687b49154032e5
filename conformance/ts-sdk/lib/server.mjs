// Builds and boots a real mica server for the SDK suite: a fresh data dir, the
// demo tenant, a free loopback port, no rate limit. MICA_BIN skips the build.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** startMica builds cmd/mica (unless MICA_BIN is set) and serves the demo tenant until stop(). */
export async function startMica() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mica-sdk-'));
  let bin = process.env.MICA_BIN;
  if (!bin) {
    bin = path.join(tmp, 'mica');
    const env = { ...process.env };
    if (fs.existsSync('/usr/local/go/bin')) env.PATH = `${env.PATH}:/usr/local/go/bin`;
    execFileSync('go', ['build', '-o', bin, './cmd/mica'], { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const dataDir = path.join(tmp, 'data');
  const logFile = path.join(tmp, 'mica.log');
  const log = fs.openSync(logFile, 'a');

  // A port picked here can be taken before mica binds it: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ['serve', '--demo', '--data-dir', dataDir, '--addr', `127.0.0.1:${port}`, '--rate-limit', '0'],
      { stdio: ['ignore', log, log] });
    let exited = false;
    child.on('exit', () => { exited = true; });
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`${base}/health/ready`);
        if (res.ok) {
          return {
            base, logFile,
            async stop() {
              if (!exited) {
                const gone = new Promise((resolve) => child.once('exit', resolve));
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
                await gone;
                clearTimeout(timer);
              }
              fs.closeSync(log);
              fs.rmSync(tmp, { recursive: true, force: true });
            },
          };
        }
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!exited) child.kill('SIGKILL');
  }
  throw new Error(`mica did not become ready; log:\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
}
