// Starts cmd/micaslapd: a throwaway OpenLDAP (Debian's slapd) with the AD
// schema and generated accounts, for the directory-source tests. Resolves to
// null when slapd is not installed and MICA_TEST_SLAPD is unset (the tests
// skip); scripts/with-slapd sets it, and then a failure to start is an error.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function startDirectory({ entries = 300, tls = true } = {}) {
  if (!process.env.MICA_TEST_SLAPD && !fs.existsSync('/usr/sbin/slapd')) return null;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mica-sdk-slapd-'));
  const bin = path.join(tmp, 'micaslapd');
  const env = { ...process.env };
  if (fs.existsSync('/usr/local/go/bin')) env.PATH = `${env.PATH}:/usr/local/go/bin`;
  execFileSync('go', ['build', '-o', bin, './cmd/micaslapd'], { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const args = ['-entries', String(entries), '-dir', path.join(tmp, 'slapd')];
  if (tls) args.push('-tls');
  fs.mkdirSync(path.join(tmp, 'slapd'));
  // Its standard input is a pipe: closing it (stop, or this process dying) ends slapd.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    child.once('exit', (code) => reject(new Error(`micaslapd exited (${code}) before it was ready`)));
  });
  const info = JSON.parse(line);
  return {
    ...info,
    async stop() {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
