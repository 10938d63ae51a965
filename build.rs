// `embed_migrations!` reads the migrations when the crate compiles; without this, editing
// an existing migration would leave the old SQL embedded until some Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
