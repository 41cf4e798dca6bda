// Renders a service's pino JSON line as one readable, prefixed line for `npm start`.
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

export function formatLogLine(prefix: string, line: string): string {
  if (!line.startsWith('{')) return `${prefix} ${line}`;
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    const time = typeof rec['time'] === 'string' ? rec['time'].slice(11, 23) : '';
    const level = LEVELS[rec['level'] as number] ?? String(rec['level']);
    const fields = Object.entries(rec)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${prefix} ${time} ${level} ${typeof rec['msg'] === 'string' ? rec['msg'] : JSON.stringify(rec['msg'] ?? '')}${fields ? '  ' + fields : ''}`;
  } catch {
    return `${prefix} ${line}`;
  }
}
