import GRDB

/// The metadata schema as named, ordered, append-only migrations. Never edit a registered
/// migration: add a new one.
enum MetadataMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(sql: """
            CREATE TABLE dag (
                dag_id TEXT PRIMARY KEY NOT NULL,
                file TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                serialized TEXT NOT NULL,              -- JSON of the validated DagDefinition
                is_paused INTEGER NOT NULL DEFAULT 0,
                is_active INTEGER NOT NULL DEFAULT 1,  -- 0 once its file is gone or broken
                last_parsed_at REAL NOT NULL
            );
            CREATE TABLE import_error (
                file TEXT PRIMARY KEY NOT NULL,
                message TEXT NOT NULL,
                recorded_at REAL NOT NULL
            );
            CREATE TABLE backfill (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                dag_id TEXT NOT NULL,
                from_date REAL NOT NULL,
                to_date REAL NOT NULL,
                reprocess TEXT NOT NULL,               -- none | failed | all
                max_active_runs INTEGER NOT NULL,
                conf TEXT NOT NULL DEFAULT '{}',
                state TEXT NOT NULL,                   -- running | paused | cancelled | completed
                logical_dates TEXT NOT NULL,           -- JSON array of the dates it will run, fixed at creation
                created_at REAL NOT NULL,
                completed_at REAL
            );
            CREATE TABLE dag_run (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                dag_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                run_type TEXT NOT NULL,                -- scheduled | manual | backfill
                state TEXT NOT NULL,                   -- queued | running | success | failed
                logical_date REAL NOT NULL,
                data_interval_start REAL NOT NULL,
                data_interval_end REAL NOT NULL,
                conf TEXT NOT NULL DEFAULT '{}',
                backfill_id INTEGER REFERENCES backfill(id),
                dag_hash TEXT NOT NULL,                -- content hash of the DAG version it runs
                queued_at REAL NOT NULL,
                start_date REAL,
                end_date REAL,
                UNIQUE (dag_id, run_id),
                UNIQUE (dag_id, logical_date)
            );
            CREATE INDEX dag_run_state ON dag_run(state, dag_id);
            CREATE TABLE task_instance (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,
                dag_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                task_id TEXT NOT NULL,
                state TEXT NOT NULL,
                try_number INTEGER NOT NULL DEFAULT 0, -- tries started so far (the current try's number)
                max_tries INTEGER NOT NULL,            -- retries + 1
                next_retry_at REAL,
                pool TEXT NOT NULL,
                pool_slots INTEGER NOT NULL,
                priority_weight INTEGER NOT NULL,
                queue TEXT NOT NULL,
                start_date REAL,
                end_date REAL,
                UNIQUE (run_pk, task_id)
            );
            CREATE INDEX task_instance_state ON task_instance(state, dag_id);
            CREATE TABLE task_try (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                ti_id INTEGER NOT NULL REFERENCES task_instance(id) ON DELETE CASCADE,
                dag_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                task_id TEXT NOT NULL,
                try_number INTEGER NOT NULL,
                state TEXT NOT NULL,                   -- queued | running | success | failed | skipped
                job_id TEXT,                           -- the scheduler (or worker) that owns it
                hostname TEXT,
                pid INTEGER,
                pid_start_ticks INTEGER,               -- /proc start time, to tell a reused pid apart
                queued_at REAL NOT NULL,
                start_date REAL,
                end_date REAL,
                exit_reason TEXT,
                log_path TEXT NOT NULL,
                UNIQUE (ti_id, try_number)
            );
            CREATE INDEX task_try_state ON task_try(state);
            CREATE TABLE xcom (
                run_pk INTEGER NOT NULL REFERENCES dag_run(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,                   -- JSON
                try_number INTEGER NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (run_pk, task_id, key)
            );
            CREATE TABLE pool (
                name TEXT PRIMARY KEY NOT NULL,
                slots INTEGER NOT NULL,
                description TEXT NOT NULL DEFAULT ''
            );
            INSERT INTO pool (name, slots, description) VALUES ('default_pool', 128, 'Default pool');
            CREATE TABLE job (
                id TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,                    -- scheduler
                hostname TEXT NOT NULL,
                pid INTEGER NOT NULL,
                state TEXT NOT NULL,                   -- running | stopped | dead
                started_at REAL NOT NULL,
                latest_heartbeat REAL NOT NULL
            );
            """)
        }
        migrator.registerMigration("v2-job-identity-and-run-state-index") { db in
            try db.execute(sql: """
            ALTER TABLE job ADD COLUMN pid_start_ticks INTEGER;
            CREATE INDEX task_instance_run_state ON task_instance(run_pk, state);
            """)
        }
        migrator.registerMigration("v3-remote-workers-and-api-tokens") { db in
            try db.execute(sql: """
            CREATE TABLE api_token (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,                    -- admin | operator | viewer | worker
                token_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of the token; the token itself is never stored
                prefix TEXT NOT NULL,                  -- its first characters, to recognise it in listings
                created_at REAL NOT NULL,
                last_used_at REAL,
                revoked_at REAL
            );
            CREATE TABLE remote_worker (
                id TEXT PRIMARY KEY NOT NULL,          -- also its row in job (kind 'worker')
                name TEXT NOT NULL,
                hostname TEXT NOT NULL,
                queues TEXT NOT NULL,                  -- JSON array
                capacity INTEGER NOT NULL,
                token_id INTEGER,
                registered_at REAL NOT NULL
            );
            CREATE TABLE workload (
                try_id INTEGER PRIMARY KEY NOT NULL REFERENCES task_try(id) ON DELETE CASCADE,
                queue TEXT NOT NULL,
                priority INTEGER NOT NULL,
                payload TEXT NOT NULL,                 -- JSON: what a worker needs to run the try
                state TEXT NOT NULL,                   -- queued | running | reported | done | lost | cancelled
                worker_id TEXT,
                lease TEXT,                            -- issued at fetch; heartbeats and reports must present it
                queued_at REAL NOT NULL,
                started_at REAL,
                heartbeat_at REAL,
                finished_at REAL,
                result TEXT,                           -- JSON: how the try ended, as its worker reported
                cancel_requested INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX workload_state ON workload(state, queue, priority);
            """)
        }
        return migrator
    }
}
