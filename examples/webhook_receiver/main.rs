//! A webhook receiver for benchmarks: accepts every POST with 204 and counts them; `GET /count`
//! answers the count so far. Not part of the server:
//! `cargo run --release --example webhook_receiver -- 127.0.0.1:18282`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18282".into());
    let received = web::Data::from(Arc::new(AtomicU64::new(0)));
    HttpServer::new(move || {
        App::new()
            .app_data(received.clone())
            .route(
                "/count",
                web::get().to(|received: web::Data<AtomicU64>| async move {
                    HttpResponse::Ok().body(received.load(Ordering::SeqCst).to_string())
                }),
            )
            .default_service(web::to(|received: web::Data<AtomicU64>| async move {
                received.fetch_add(1, Ordering::SeqCst);
                HttpResponse::NoContent().finish()
            }))
    })
    .workers(1)
    .bind(address)?
    .run()
    .await
}
