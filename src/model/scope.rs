//! The permission-scope grammar (SPEC 2.2): ACL *permission* rules only. Yields the tokens to send
//! as separate `ACL SETUSER` arguments, and warnings for grants of `@admin`, `@dangerous`, `acl`.

use std::fmt;

use super::rotation::DEFAULT_SCOPE;

/// A scope that passed the grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// One `ACL SETUSER` argument each; a selector `( … )` is one argument `(~k +get)`.
    pub tokens: Vec<String>,
    pub warnings: Vec<String>,
}

impl Scope {
    /// The scope as one normalised string (tokens joined by single spaces).
    pub fn normalized(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Why a token is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeError {
    pub token: String,
    pub reason: String,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not allowed: {}", self.token, self.reason)
    }
}

/// Parses a scope; empty or whitespace means `~* +@all`.
pub fn parse(scope: &str) -> Result<Scope, ScopeError> {
    let _ = (scope, DEFAULT_SCOPE);
    todo!("model helper")
}
