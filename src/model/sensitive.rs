//! Secret-bearing values. `Password` holds plaintext in memory only and prints as `••••••`;
//! `Sealed` is the encrypted form kept in the database (`enc:v1:<base64>`), opaque to the model.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// What every secret prints as in `Debug` and `Display`.
pub(crate) const MASK: &str = "••••••";

/// A plaintext secret (password or secret value). Reading it takes a deliberate `expose()`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// A secret encrypted at rest (`enc:v1:<base64(nonce || ciphertext)>`). Only `store::crypto`
/// creates and opens these.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(pub String);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(")?;
        f.write_str(MASK)?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_prints_its_value() {
        let p = Password::new("hunter2-very-secret");
        assert_eq!(format!("{p}"), MASK);
        assert_eq!(format!("{p:?}"), MASK);
        assert_eq!(p.expose(), "hunter2-very-secret");
        let s = Sealed("enc:v1:abc".into());
        assert!(!format!("{s:?}").contains("abc"));
    }
}
