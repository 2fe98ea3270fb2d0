//! The password generator (SPEC 2.2): a cryptographically secure source, unbiased choice, every
//! required class present, only allowed characters.
//!
//! A required count of 0 means "not required", not "forbidden", for digits and letters: they are
//! always in the pool. Symbols are the exception: they appear only when `required.symbols > 0`,
//! because they are the class that breaks URLs, shells and config files, so an operator who did not
//! ask for them gets none.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{CryptoRng, Rng, TryRngCore};
use zeroize::Zeroizing;

use super::rotation::PasswordRequirements;
use super::sensitive::Password;

const DIGITS: &[u8] = b"0123456789";
const LOWERCASE: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// No count is taken above this, so an unvalidated request cannot exhaust memory.
const MAX_COUNT: u32 = 1024;

/// Generates a password meeting validated `req` from the operating system's CSPRNG.
pub(crate) fn generate(req: &PasswordRequirements) -> Password {
    generate_with(req, &mut rand::rngs::OsRng.unwrap_err())
}

/// Same, from a caller's generator (tests use a seeded one).
///
/// Never panics: on inconsistent requirements (not possible after validation) the password grows
/// to hold every required character, and symbols are dropped when none is usable.
pub(crate) fn generate_with<R: Rng + CryptoRng + ?Sized>(
    req: &PasswordRequirements,
    rng: &mut R,
) -> Password {
    let symbols = symbol_set(req);
    let mut symbol_count = req.required.symbols.min(MAX_COUNT);
    if symbols.is_empty() {
        symbol_count = 0;
    }
    let classes: [(&[u8], u32); 4] = [
        (DIGITS, req.required.digits.min(MAX_COUNT)),
        (LOWERCASE, req.required.lowercase.min(MAX_COUNT)),
        (UPPERCASE, req.required.uppercase.min(MAX_COUNT)),
        (&symbols, symbol_count),
    ];
    let required: u32 = classes.iter().map(|(_, n)| n).sum();
    let length = req.length.min(MAX_COUNT).max(required) as usize;

    let mut chars = Zeroizing::new(Vec::<u8>::with_capacity(length));
    for (set, count) in classes {
        for _ in 0..count {
            chars.extend(set.choose(rng));
        }
    }
    let pool = pool(&symbols, symbol_count > 0);
    while chars.len() < length {
        chars.extend(pool.choose(rng));
    }
    chars.shuffle(rng);
    let mut text = String::with_capacity(chars.len());
    text.extend(chars.iter().map(|&b| char::from(b)));
    Password::new(text)
}

/// Every character a password generated for `req` may contain (what the property tests check
/// generated passwords against).
#[cfg(test)]
pub(crate) fn charset(req: &PasswordRequirements) -> String {
    let symbols = symbol_set(req);
    let with_symbols = req.required.symbols > 0;
    pool(&symbols, with_symbols)
        .iter()
        .map(|&b| char::from(b))
        .collect()
}

/// `allowedSymbols` reduced to distinct ASCII punctuation, so a symbol listed twice is not twice
/// as likely.
fn symbol_set(req: &PasswordRequirements) -> Vec<u8> {
    let mut set: Vec<u8> = Vec::new();
    for b in req.allowed_symbols.bytes() {
        if b.is_ascii_punctuation() && !set.contains(&b) {
            set.push(b);
        }
    }
    set
}

fn pool(symbols: &[u8], with_symbols: bool) -> Vec<u8> {
    let mut pool = [DIGITS, LOWERCASE, UPPERCASE].concat();
    if with_symbols {
        pool.extend_from_slice(symbols);
    }
    pool
}
