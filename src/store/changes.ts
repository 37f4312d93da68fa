/**
 * What the current request wrote to rules and account-group memberships. The repositories record
 * into it; the action runner reads and clears it after a write, so that every changed rule is
 * re-evaluated exactly once, whichever action changed it.
 */
import type { ConfigRule } from './rules.js';

export class ChangeSet {
  /**
   * Changed rule ids. The value is the rule as inserted (a new rule, every column written), so the
   * runner need not read it back; `undefined` means "read it from the store" (updated or deleted).
   */
  rules = new Map<string, ConfigRule | undefined>();
  aggregatorMembers = new Set<string>();

  /** Returns what was recorded and starts afresh. */
  take(): { rules: Map<string, ConfigRule | undefined>; aggregatorMembers: Set<string> } {
    const out = { rules: this.rules, aggregatorMembers: this.aggregatorMembers };
    this.rules = new Map();
    this.aggregatorMembers = new Set();
    return out;
  }
}
