// Starting workers for the distributed tests: a node process, awaited.
import { spawn } from 'node:child_process';

/** Runs `node ...args`; resolves with its exit code, signal and output (stderr and stdout). */
export function runNode(args: string[], o: { env?: Record<string, string>; expectFailure?: boolean } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (!o.expectFailure && code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code ?? signal}:\n${output}`));
      else resolve({ code, signal, output });
    });
  });
}
