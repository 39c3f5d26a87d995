//! One TLS crypto provider for the whole process.
//!
//! octocrab and reqwest both use rustls; rustls refuses to pick a provider when more than one is
//! compiled in, and reqwest is built without one. Installing ring once, before any client is
//! built, keeps the binary free of OpenSSL and of a second crypto library.

use std::sync::Once;

/// Installs ring as the process-wide rustls provider. Safe to call any number of times.
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An Err means a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
