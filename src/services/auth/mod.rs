//! Who is calling: passwords, access tokens, API key secrets, the sign-in throttle and the
//! cache of verified callers.

pub mod jwt;
pub mod password;
pub mod principals;
pub mod secret;
pub mod throttle;
