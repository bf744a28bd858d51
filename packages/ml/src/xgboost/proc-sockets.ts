// This process's sockets as Linux's /proc shows them; empty where there is no /proc.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** States of /proc/net/tcp's `st` column that the callers look for. */
export const TCP_ESTABLISHED = '01';
export const TCP_CLOSE_WAIT = '08';
export const TCP_LISTEN = '0A';

/** Socket inode -> the file descriptor of this process holding it. */
export function socketFds(): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync('/proc/self/fd')) return out;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.set(m[1]!, Number(fd));
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** Socket inode -> state and local port of every TCP socket in this network namespace (IPv4 and IPv6). */
export function tcpSockets(): Map<string, { state: string; localPort: number }> {
  const out = new Map<string, { state: string; localPort: number }>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9) out.set(f[9]!, { state: f[3]!, localPort: parseInt(f[1]!.split(':')[1]!, 16) });
    }
  }
  return out;
}
