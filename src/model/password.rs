//! The password generator (SPEC 2.2): a cryptographically secure source, unbiased choice, every
//! required class present, only allowed characters.

use rand::{CryptoRng, Rng, TryRngCore};

use super::rotation::PasswordRequirements;
use super::sensitive::Password;

/// Generates a password meeting validated `req` from the operating system's CSPRNG.
pub fn generate(req: &PasswordRequirements) -> Password {
    generate_with(req, &mut rand::rngs::OsRng.unwrap_err())
}

/// Same, from a caller's generator (tests use a seeded one).
pub fn generate_with<R: Rng + CryptoRng + ?Sized>(
    req: &PasswordRequirements,
    rng: &mut R,
) -> Password {
    let _ = (req, rng);
    todo!("model helper")
}
