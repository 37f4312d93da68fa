/**
 * Schema migrations, keyed by `PRAGMA user_version`. Migration N (1-based) brings a database from
 * version N-1 to N inside one IMMEDIATE transaction. Never edit a shipped migration: append one.
 *
 * SQL uses snake_case; the repositories map rows to camelCase domain objects.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: accounts, aggregators, compliance packs, rules, reports, tags, idempotency tokens */ `
  CREATE TABLE accounts (
    account_id      INTEGER PRIMARY KEY,
    account_name    TEXT    NOT NULL DEFAULT '',
    config_enabled  INTEGER NOT NULL DEFAULT 1,
    created_seq     INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE access_keys (
    access_key_id   TEXT    PRIMARY KEY,
    secret          TEXT    NOT NULL,
    account_id      INTEGER NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE
  );
  CREATE TABLE aggregators (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    aggregator_id   TEXT    NOT NULL UNIQUE,
    account_id      INTEGER NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    aggregator_type TEXT    NOT NULL DEFAULT 'CUSTOM',
    folder_id       TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    ready_at        INTEGER NOT NULL
  );
  CREATE INDEX aggregators_by_account ON aggregators(account_id, seq);
  CREATE TABLE aggregator_members (
    aggregator_id   TEXT    NOT NULL REFERENCES aggregators(aggregator_id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    account_id      INTEGER NOT NULL,
    account_name    TEXT    NOT NULL DEFAULT '',
    account_type    TEXT    NOT NULL DEFAULT 'ResourceDirectory',
    PRIMARY KEY (aggregator_id, account_id)
  );
  CREATE INDEX aggregator_members_by_account ON aggregator_members(account_id);
  CREATE TABLE compliance_packs (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    compliance_pack_id  TEXT    NOT NULL UNIQUE,
    account_id          INTEGER NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    aggregator_id       TEXT    NOT NULL DEFAULT '',
    name                TEXT    NOT NULL,
    description         TEXT    NOT NULL DEFAULT '',
    template_id         TEXT    NOT NULL DEFAULT '',
    risk_level          INTEGER NOT NULL DEFAULT 2,
    scope_json          TEXT    NOT NULL DEFAULT '{}',
    template_content    TEXT    NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    ready_at            INTEGER NOT NULL
  );
  CREATE INDEX compliance_packs_by_owner ON compliance_packs(account_id, aggregator_id, seq);
  CREATE TABLE config_rules (
    seq                         INTEGER PRIMARY KEY AUTOINCREMENT,
    config_rule_id              TEXT    NOT NULL UNIQUE,
    account_id                  INTEGER NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
    aggregator_id               TEXT    NOT NULL DEFAULT '',
    compliance_pack_id          TEXT    NOT NULL DEFAULT '',
    name                        TEXT    NOT NULL,
    description                 TEXT    NOT NULL DEFAULT '',
    source_owner                TEXT    NOT NULL DEFAULT 'ALIYUN',
    source_identifier           TEXT    NOT NULL,
    risk_level                  INTEGER NOT NULL DEFAULT 2,
    input_parameters_json       TEXT    NOT NULL DEFAULT '{}',
    scope_json                  TEXT    NOT NULL DEFAULT '{}',
    trigger_types               TEXT    NOT NULL DEFAULT 'ConfigurationItemChangeNotification',
    maximum_execution_frequency TEXT    NOT NULL DEFAULT '',
    state                       TEXT    NOT NULL DEFAULT 'ACTIVE',
    created_at                  INTEGER NOT NULL,
    modified_at                 INTEGER NOT NULL
  );
  CREATE INDEX config_rules_by_owner ON config_rules(account_id, aggregator_id, seq);
  CREATE INDEX config_rules_by_pack ON config_rules(compliance_pack_id, seq);
  CREATE TABLE reports (
    object_key      TEXT    PRIMARY KEY,
    scope_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    account_id      INTEGER NOT NULL,
    aggregator_id   TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    ready_at        INTEGER NOT NULL,
    content_type    TEXT    NOT NULL,
    content         BLOB    NOT NULL,
    etag            TEXT    NOT NULL
  );
  CREATE INDEX reports_by_scope ON reports(scope_id, created_at);
  CREATE TABLE tags (
    resource_id     TEXT    NOT NULL,
    resource_type   TEXT    NOT NULL,
    account_id      INTEGER NOT NULL,
    tag_key         TEXT    NOT NULL,
    tag_value       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (resource_id, tag_key)
  );
  CREATE INDEX tags_by_key ON tags(account_id, tag_key, tag_value);
  CREATE TABLE client_tokens (
    account_id      INTEGER NOT NULL,
    action          TEXT    NOT NULL,
    token           TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    response_json   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, action, token)
  );
  `,
  /* 2 (issue 3b): config-rule extras (ExtendContent, Conditions) and tag listing by resource type */ `
  ALTER TABLE config_rules ADD COLUMN extend_content TEXT NOT NULL DEFAULT '';
  ALTER TABLE config_rules ADD COLUMN conditions     TEXT NOT NULL DEFAULT '';
  CREATE INDEX tags_by_type ON tags(account_id, resource_type);
  `,
  /* 3: resource inventory and evaluation results (compliance engine, src/engine/) */ `
  CREATE TABLE resources (
    account_id          INTEGER NOT NULL,
    region_id           TEXT    NOT NULL,
    resource_type       TEXT    NOT NULL,
    resource_id         TEXT    NOT NULL,
    resource_name       TEXT    NOT NULL DEFAULT '',
    resource_group_id   TEXT    NOT NULL DEFAULT '',
    tags_json           TEXT    NOT NULL DEFAULT '{}',
    configuration_json  TEXT    NOT NULL DEFAULT '{}',
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (account_id, resource_type, resource_id)
  );
  CREATE INDEX resources_by_account_type ON resources(account_id, resource_type);
  CREATE TABLE evaluation_results (
    config_rule_id              TEXT    NOT NULL,
    account_id                  INTEGER NOT NULL,
    resource_type               TEXT    NOT NULL,
    resource_id                 TEXT    NOT NULL,
    resource_name               TEXT    NOT NULL DEFAULT '',
    resource_group_id           TEXT    NOT NULL DEFAULT '',
    region_id                   TEXT    NOT NULL,
    compliance_type             TEXT    NOT NULL,
    annotation                  TEXT    NOT NULL DEFAULT '',
    risk_level                  INTEGER NOT NULL,
    evaluated_at                INTEGER NOT NULL,
    invoking_event_message_type TEXT    NOT NULL DEFAULT 'ConfigurationItemChangeNotification',
    PRIMARY KEY (config_rule_id, account_id, resource_type, resource_id)
  );
  CREATE INDEX evaluation_results_by_rule ON evaluation_results(config_rule_id, compliance_type);
  CREATE INDEX evaluation_results_by_account ON evaluation_results(account_id, config_rule_id);
  `,
  /* 4: pack counts per owner, kept by triggers, so List's TotalCount and Create's limit check
        read one row instead of counting an owner's packs (issue 8: List cost grew with the
        aggregator's size). */ `
  CREATE TABLE compliance_pack_counts (
    account_id      INTEGER NOT NULL,
    aggregator_id   TEXT    NOT NULL,
    n               INTEGER NOT NULL,
    PRIMARY KEY (account_id, aggregator_id)
  ) WITHOUT ROWID;
  INSERT INTO compliance_pack_counts (account_id, aggregator_id, n)
    SELECT account_id, aggregator_id, COUNT(*) FROM compliance_packs GROUP BY account_id, aggregator_id;
  CREATE TRIGGER compliance_pack_counts_insert AFTER INSERT ON compliance_packs BEGIN
    INSERT INTO compliance_pack_counts (account_id, aggregator_id, n) VALUES (NEW.account_id, NEW.aggregator_id, 1)
      ON CONFLICT (account_id, aggregator_id) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER compliance_pack_counts_delete AFTER DELETE ON compliance_packs BEGIN
    UPDATE compliance_pack_counts SET n = n - 1 WHERE account_id = OLD.account_id AND aggregator_id = OLD.aggregator_id;
    DELETE FROM compliance_pack_counts WHERE account_id = OLD.account_id AND aggregator_id = OLD.aggregator_id AND n <= 0;
  END;
  CREATE TRIGGER compliance_pack_counts_move AFTER UPDATE OF account_id, aggregator_id ON compliance_packs BEGIN
    UPDATE compliance_pack_counts SET n = n - 1 WHERE account_id = OLD.account_id AND aggregator_id = OLD.aggregator_id;
    DELETE FROM compliance_pack_counts WHERE account_id = OLD.account_id AND aggregator_id = OLD.aggregator_id AND n <= 0;
    INSERT INTO compliance_pack_counts (account_id, aggregator_id, n) VALUES (NEW.account_id, NEW.aggregator_id, 1)
      ON CONFLICT (account_id, aggregator_id) DO UPDATE SET n = n + 1;
  END;
  `,
  /* 5: each result's history across runs (a run replaces a rule's results): when the resource was
        last found NON_COMPLIANT and when it last went from NON_COMPLIANT to COMPLIANT, for
        ListAggregateConfigRuleEvaluationResults' LastNonCompliantRecordTimestamp and
        LastCompliantFixedTimestamp (0 = never). */ `
  ALTER TABLE evaluation_results ADD COLUMN last_non_compliant_at INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE evaluation_results ADD COLUMN last_fixed_at INTEGER NOT NULL DEFAULT 0;
  UPDATE evaluation_results SET last_non_compliant_at = evaluated_at WHERE compliance_type = 'NON_COMPLIANT';
  `,
];
