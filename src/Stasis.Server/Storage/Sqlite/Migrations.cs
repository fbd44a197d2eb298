using Microsoft.Data.Sqlite;

namespace Stasis.Server.Storage;

/// <summary>
/// Ordered schema changes. Each runs once, in its own transaction, and bumps PRAGMA user_version;
/// append new steps at the end, never edit an applied one.
/// </summary>
internal static class Migrations
{
    private static readonly string[] Steps =
    [
        // 1: functions and the instances they ran.
        """
        CREATE TABLE functions (
            name        TEXT PRIMARY KEY,
            spec_json   TEXT NOT NULL,
            version     INTEGER NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE instances (
            id            TEXT PRIMARY KEY,
            function_name TEXT NOT NULL,
            version       INTEGER NOT NULL,
            state         TEXT NOT NULL,
            pid           INTEGER,
            started_at    TEXT NOT NULL,
            ready_at      TEXT,
            stopped_at    TEXT,
            error         TEXT,
            log_path      TEXT
        );
        CREATE INDEX instances_by_function ON instances(function_name, started_at);
        """,

        // 2: provision configs (FC's ProvisionConfig per function and qualifier); instance kind.
        """
        CREATE TABLE provision_configs (
            function_name        TEXT NOT NULL,
            qualifier            TEXT NOT NULL,
            default_target       INTEGER NOT NULL,
            always_allocate_cpu  INTEGER NOT NULL,
            always_allocate_gpu  INTEGER NOT NULL,
            scheduled_actions    TEXT NOT NULL,
            target_tracking      TEXT NOT NULL,
            updated_at           TEXT NOT NULL,
            PRIMARY KEY (function_name, qualifier)
        );
        ALTER TABLE instances ADD COLUMN kind TEXT NOT NULL DEFAULT 'OnDemand';
        """,

        // 3: the meter's ledger. Closed intervals [start_us, end_us) per instance and billing state, and
        // the open ones as of the last heartbeat (a restart closes those at heartbeat_us). Times are
        // whole microseconds since the Unix epoch, UTC.
        """
        CREATE TABLE meter_intervals (
            id             INTEGER PRIMARY KEY,
            instance_id    TEXT NOT NULL,
            function_name  TEXT NOT NULL,
            kind           TEXT NOT NULL,
            state          TEXT NOT NULL,
            start_us       INTEGER NOT NULL,
            end_us         INTEGER NOT NULL,
            vcpu           REAL NOT NULL,
            memory_gb      REAL NOT NULL,
            gpu_memory_gb  REAL NOT NULL,
            CHECK (end_us > start_us),
            CHECK (state IN ('active', 'idle')),
            CHECK (kind IN ('onDemand', 'provisioned'))
        );
        CREATE INDEX meter_intervals_by_function ON meter_intervals(function_name, end_us);
        CREATE INDEX meter_intervals_by_end ON meter_intervals(end_us);
        CREATE TABLE meter_open (
            instance_id    TEXT PRIMARY KEY,
            function_name  TEXT NOT NULL,
            kind           TEXT NOT NULL,
            state          TEXT NOT NULL,
            start_us       INTEGER NOT NULL,
            heartbeat_us   INTEGER NOT NULL,
            vcpu           REAL NOT NULL,
            memory_gb      REAL NOT NULL,
            gpu_memory_gb  REAL NOT NULL
        );
        """,
        // 4: metrics, one row per function and closed interval [start_us, end_us), and one per instance in it.
        // Times are whole microseconds since the Unix epoch, UTC; a null figure is one that was unavailable.
        """
        CREATE TABLE metric_points (
            id                    INTEGER PRIMARY KEY,
            function_name         TEXT NOT NULL,
            start_us              INTEGER NOT NULL,
            end_us                INTEGER NOT NULL,
            invocations           INTEGER NOT NULL,
            errors                INTEGER NOT NULL,
            latency_p50_ms        REAL,
            latency_p90_ms        REAL,
            latency_p99_ms        REAL,
            queue_wait_p50_ms     REAL,
            queue_wait_p90_ms     REAL,
            queue_wait_p99_ms     REAL,
            in_flight_avg         REAL,
            in_flight_max         INTEGER NOT NULL,
            provisioned_util      REAL,
            cpu_util              REAL,
            memory_bytes          INTEGER,
            gpu_memory_util       REAL,
            provisioned_target    INTEGER NOT NULL,
            provisioned_current   INTEGER NOT NULL,
            instances_starting    INTEGER NOT NULL,
            instances_ready       INTEGER NOT NULL,
            instances_busy        INTEGER NOT NULL,
            instances_frozen      INTEGER NOT NULL,
            instances_draining    INTEGER NOT NULL,
            samples               INTEGER NOT NULL,
            CHECK (end_us > start_us)
        );
        CREATE INDEX metric_points_by_function ON metric_points(function_name, start_us);
        CREATE INDEX metric_points_by_end ON metric_points(end_us);
        CREATE TABLE metric_instance_points (
            id                INTEGER PRIMARY KEY,
            function_name     TEXT NOT NULL,
            instance_id       TEXT NOT NULL,
            start_us          INTEGER NOT NULL,
            end_us            INTEGER NOT NULL,
            kind              TEXT NOT NULL,
            state             TEXT NOT NULL,
            slots             INTEGER NOT NULL,
            in_flight_avg     REAL NOT NULL,
            in_flight_max     INTEGER NOT NULL,
            cpu_util          REAL,
            memory_bytes      INTEGER,
            gpu_memory_bytes  INTEGER,
            CHECK (end_us > start_us),
            CHECK (kind IN ('onDemand', 'provisioned'))
        );
        CREATE INDEX metric_instance_points_by_function ON metric_instance_points(function_name, start_us);
        CREATE INDEX metric_instance_points_by_end ON metric_instance_points(end_us);
        """,
        // 5: the autoscaler's decisions, with their inputs (evidence as JSON), for `provision get --history`.
        """
        CREATE TABLE scaling_decisions (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            function_name   TEXT NOT NULL,
            at              TEXT NOT NULL,
            previous_target INTEGER,
            target          INTEGER NOT NULL,
            current         INTEGER NOT NULL,
            reason          TEXT NOT NULL,
            explain         TEXT,
            evidence        TEXT NOT NULL
        );
        CREATE INDEX scaling_decisions_function ON scaling_decisions (function_name, id);
        """,
        // 6: access keys (docs/security.md): the SHA-256 of each secret, never the secret.
        """
        CREATE TABLE access_keys (
            id             TEXT PRIMARY KEY,
            name           TEXT NOT NULL,
            scope          TEXT NOT NULL,
            secret_sha256  BLOB NOT NULL,
            created_at     TEXT NOT NULL,
            revoked_at     TEXT,
            last_used_at   TEXT,
            CHECK (length(secret_sha256) = 32)
        );
        """,
        // 7: the bill's sums (SqliteMeterLedger.Sum) read this index alone, already in GROUP BY order: no table lookups, no sort.
        """
        CREATE INDEX meter_intervals_for_bill ON meter_intervals(function_name, instance_id, state, kind, vcpu, memory_gb, gpu_memory_gb, end_us, start_us);
        """,
        // 8: each key's signing secret sealed with the server key (docs/security.md); secret_sha256 is then all zeros.
        // Keys of an older store are sealed when the server first reads them.
        """
        ALTER TABLE access_keys ADD COLUMN secret_sealed BLOB;
        """,
        // 9: the function catalog's revision, bumped by every change to it (whoever writes it), so that a server
        // learns that the desired state changed without reading it all.
        """
        CREATE TABLE catalog_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
        INSERT INTO catalog_revision (id, revision) VALUES (1, 0);
        """,
    ];

    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var current = CurrentVersion(connection);
        if (current > Steps.Length)
        {
            throw new InvalidOperationException(
                $"The store {connection.DataSource} has schema version {current}, newer than this Stasis knows ({Steps.Length}); use a newer Stasis or another --data directory.");
        }

        for (var i = current; i < Steps.Length; i++)
        {
            using var tx = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = tx;
                command.CommandText = Steps[i] + $"\nPRAGMA user_version = {i + 1};";
                command.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    public static int CurrentVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
