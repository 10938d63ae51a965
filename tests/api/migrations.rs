use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use crate::helpers::fresh_database;

#[derive(QueryableByName)]
struct Tables {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn application_tables(url: &str) -> i64 {
    let mut conn = attest::db::connect(url).await.unwrap();
    let tables: Tables = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    tables.n
}

/// A failover deployment's URL (a connect timeout, a writable session wanted) serves the
/// migrations too: their blocking connection runs on a runtime with timers (without them,
/// connecting with a timeout panics).
#[tokio::test]
async fn migrations_run_through_a_failover_url() {
    let url = fresh_database().await;
    let failover = format!("{url} connect_timeout=2 target_session_attrs=read-write");
    assert_eq!(attest::db::migrate(&failover).await.unwrap(), Vec::<String>::new(), "the clone is current");
    assert!(application_tables(&url).await >= 4);
}

#[tokio::test]
async fn every_migration_goes_down_and_up_again() {
    let url = fresh_database().await;
    let before = application_tables(&url).await;
    assert!(before >= 4, "the template has the tables ({before})");

    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    let reverted = attest::db::revert_all(&url).await.unwrap();
    assert_eq!(reverted, migrations);
    assert_eq!(application_tables(&url).await, 0, "down.sql leaves nothing behind");

    let applied = attest::db::migrate(&url).await.unwrap();
    assert_eq!(applied.len(), reverted);
    assert_eq!(application_tables(&url).await, before);
}

#[tokio::test]
async fn a_database_from_before_workspaces_moves_into_the_default_workspace() {
    use diesel_async::SimpleAsyncConnection;
    let url = fresh_database().await;
    let mut conn = attest::db::connect(&url).await.unwrap();
    // Back to the schema before workspaces (every migration since reverted, newest first),
    // with data of that time.
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut since_workspaces: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.as_str() >= "2026-12-02-100010")
        .collect();
    since_workspaces.sort_unstable_by(|a, b| b.cmp(a));
    for name in &since_workspaces {
        let down = std::fs::read_to_string(format!("{directory}/{name}/down.sql")).unwrap();
        conn.batch_execute(&down).await.unwrap();
        let version: String = name.split('_').next().unwrap().chars().filter(char::is_ascii_digit).collect();
        conn.batch_execute(&format!("DELETE FROM __diesel_schema_migrations WHERE version = '{version}'"))
            .await
            .unwrap();
    }
    conn.batch_execute(
        "INSERT INTO users (id, email, display_name, role, password_hash) VALUES
           ('01a00000-0000-7000-8000-000000000001', 'chief@news.example', 'Chief', 'admin', 'x'),
           ('01a00000-0000-7000-8000-000000000002', 'rev@news.example', 'Rev', 'reviewer', 'x');
         INSERT INTO sources (id, url, retrieved_at, kind) VALUES
           ('01a00000-0000-7000-8000-000000000003', 'https://old.example', now(), 'article');
         INSERT INTO speakers (id, name, kind) VALUES ('01a00000-0000-7000-8000-000000000004', 'Old', 'person');
         INSERT INTO quotes (id, source_id, speaker_id, text, kind, status) VALUES
           ('01a00000-0000-7000-8000-000000000005', '01a00000-0000-7000-8000-000000000003',
            '01a00000-0000-7000-8000-000000000004', 'Old words', 'direct', 'verified');
         INSERT INTO reviews (id, quote_id, reviewer_id, status, rating_value, rating_label, item_version) VALUES
           ('01a00000-0000-7000-8000-000000000006', '01a00000-0000-7000-8000-000000000005',
            '01a00000-0000-7000-8000-000000000002', 'verified', 5, 'True', 2);",
    )
    .await
    .unwrap();

    let applied = attest::db::migrate(&url).await.unwrap();
    assert_eq!(applied.len(), since_workspaces.len(), "{applied:?}");
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Moved {
        #[diesel(sql_type = diesel::sql_types::Text)]
        what: String,
    }
    let moved: Vec<Moved> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT format('%s %s %s', u.email, m.role, u.instance_admin) AS what
               FROM users u JOIN memberships m ON m.user_id = u.id
               JOIN workspaces w ON w.id = m.workspace_id AND w.slug = 'default'
             UNION ALL
             SELECT format('%s in %s', t, w.slug) FROM (
                 SELECT 'source' AS t, workspace_id FROM sources UNION ALL
                 SELECT 'speaker', workspace_id FROM speakers UNION ALL
                 SELECT 'quote', workspace_id FROM quotes UNION ALL
                 SELECT format('review rated %s of %s..%s', rating_value, rating_worst, rating_best), workspace_id
                   FROM reviews) r
             JOIN workspaces w ON w.id = r.workspace_id
             ORDER BY 1",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    let moved: Vec<&str> = moved.iter().map(|m| m.what.as_str()).collect();
    assert_eq!(
        moved,
        [
            "chief@news.example admin t",
            "quote in default",
            "rev@news.example reviewer f",
            "review rated 5 of 1..5 in default",
            "source in default",
            "speaker in default",
        ]
    );
}

#[derive(QueryableByName)]
struct Pages {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pages: i64,
}

/// Vacuum truncates an empty tail under a lock that every writer's insert waits for: the
/// queues that writers fill and a server empties keep their pages through it.
#[tokio::test]
async fn a_drained_queue_keeps_its_pages_through_vacuum() {
    use diesel_async::SimpleAsyncConnection;
    let url = fresh_database().await;
    let mut conn = attest::db::connect(&url).await.unwrap();
    conn.batch_execute(
        "INSERT INTO log_pending (event_seq) SELECT 1000000000000 + n FROM generate_series(1, 20000) n; \
         DELETE FROM log_pending WHERE event_seq > 1000000000000; \
         INSERT INTO record_changes (record_id) SELECT NULL FROM generate_series(1, 20000); \
         DELETE FROM record_changes;",
    )
    .await
    .unwrap();
    let pages = |table: &'static str| {
        diesel::sql_query(format!("SELECT (pg_relation_size('{table}') / 8192)::bigint AS pages"))
    };
    for table in ["log_pending", "record_changes"] {
        let before: Pages = pages(table).get_result(&mut conn).await.unwrap();
        conn.batch_execute(&format!("VACUUM {table}")).await.unwrap();
        let after: Pages = pages(table).get_result(&mut conn).await.unwrap();
        assert!(before.pages > 10, "{table} held the rows ({} pages)", before.pages);
        assert_eq!(after.pages, before.pages, "vacuum truncated {table}");
    }
}
