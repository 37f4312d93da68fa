/**
 * Extra access keys from the configuration (`--access-keys` / CONFIG_EMULATOR_ACCESS_KEYS):
 * `id:secret:accountId`, comma separated. They are loaded after the fixtures; an account named
 * here that does not exist yet is created with Config enabled. Error messages never echo secrets.
 */
import { ConfigError, type Config } from '../config.js';
import type { AccessKey, Store } from '../store/index.js';

const WHERE = 'access-keys (CONFIG_EMULATOR_ACCESS_KEYS)';

export function parseAccessKeys(raw: string): AccessKey[] {
  const out: AccessKey[] = [];
  const seen = new Set<string>();
  const entries = raw.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    if (entry === '') return;
    const n = i + 1;
    const parts = entry.split(':');
    if (parts.length !== 3) throw new ConfigError(`${WHERE}: entry ${n} must be id:secret:accountId (found ${parts.length} field${parts.length === 1 ? '' : 's'})`);
    const [accessKeyId, secret, account] = parts.map((p) => p.trim());
    if (!/^[A-Za-z0-9._-]+$/.test(accessKeyId)) throw new ConfigError(`${WHERE}: entry ${n}: the access key id must be non-empty letters, digits, '.', '_' or '-'`);
    if (secret === '' || /\s/.test(secret)) throw new ConfigError(`${WHERE}: entry ${n} (${accessKeyId}): the secret must be non-empty and without spaces`);
    const accountId = Number(account);
    if (!/^\d+$/.test(account) || !Number.isSafeInteger(accountId) || accountId <= 0) {
      throw new ConfigError(`${WHERE}: entry ${n} (${accessKeyId}): the account id must be a positive whole number, got "${account}"`);
    }
    if (seen.has(accessKeyId)) throw new ConfigError(`${WHERE}: access key ${accessKeyId} is listed twice`);
    seen.add(accessKeyId);
    out.push({ accessKeyId, secret, accountId });
  });
  return out;
}

/** The keys of --access-keys / CONFIG_EMULATOR_ACCESS_KEYS, written as every start and reset does. */
export function loadConfiguredKeys(store: Store, config: Pick<Config, 'accessKeys'>): void {
  loadAccessKeys(store, parseAccessKeys(config.accessKeys));
}

/** Writes the keys (replacing same-id keys from the fixtures), creating missing accounts. */
export function loadAccessKeys(store: Store, keys: AccessKey[]): void {
  if (keys.length === 0) return;
  store.transaction(() => {
    for (const k of keys) {
      if (!store.accounts.get(k.accountId)) store.accounts.upsert({ accountId: k.accountId, accountName: '', configEnabled: true });
      store.accounts.upsertAccessKey(k);
    }
  });
}
