// API keys of the HTTP API: `Authorization: Bearer <key>` checked against the keys of --api-keys-file.
// Only SHA-256 digests are kept in memory (a file may hold the digests alone, so it need not be secret),
// and a presented key's digest is compared with every stored one in constant time
// (crypto.timingSafeEqual, no early exit), so response timing tells nothing about the keys.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeys {
  private constructor(private readonly digests: readonly Buffer[]) {}

  /**
   * The keys of a file: one a line, either the key itself or `sha256:<64 hex digits>` of it; blank lines
   * and lines starting with # are skipped. A file without any key is an error (it would open the API).
   */
  static fromFile(path: string): ApiKeys {
    const keys = ApiKeys.parse(readFileSync(path, 'utf8'));
    if (keys.size === 0) throw new Error(`API keys file ${path} holds no key`);
    return keys;
  }

  static parse(text: string): ApiKeys {
    const digests: Buffer[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const hashed = HASHED.exec(line);
      digests.push(hashed ? Buffer.from(hashed[1]!, 'hex') : digest(line));
    }
    return new ApiKeys(digests);
  }

  get size(): number {
    return this.digests.length;
  }

  /** Whether an Authorization header carries one of the keys. */
  accepts(authorization: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return false;
    const presented = digest(m[1]!);
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(presented, d) || ok;
    return ok;
  }
}

/** `printf %s "$KEY" | sha256sum` in code: the line to put in a keys file instead of the key. */
export function hashedKeyLine(key: string): string {
  return `sha256:${digest(key).toString('hex')}`;
}
