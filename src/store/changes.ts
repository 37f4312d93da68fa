/**
 * What the current request wrote to rules and account-group memberships. The repositories record
 * into it; the action runner reads and clears it after a write, so that every changed rule is
 * re-evaluated exactly once, whichever action changed it.
 */
export class ChangeSet {
  rules = new Set<string>();
  aggregatorMembers = new Set<string>();

  /** Returns what was recorded and starts afresh. */
  take(): { rules: Set<string>; aggregatorMembers: Set<string> } {
    const out = { rules: this.rules, aggregatorMembers: this.aggregatorMembers };
    this.rules = new Set();
    this.aggregatorMembers = new Set();
    return out;
  }
}
