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
