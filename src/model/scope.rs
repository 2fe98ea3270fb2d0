//! The permission-scope grammar (SPEC 2.2): ACL *permission* rules only. Yields the tokens to send
//! as separate `ACL SETUSER` arguments, and warnings for grants of `@admin`, `@dangerous`, `acl`.
//!
//! Parentheses only open and close a selector: `( … )` may span several whitespace-separated
//! pieces and becomes one token; nested selectors, stray parentheses and parentheses inside a rule
//! are refused. Inside a selector every permission rule is accepted, including `resetkeys`,
//! `resetchannels`, `allcommands` and `nocommands`, as Redis accepts them there.

use std::fmt;

use super::rotation::DEFAULT_SCOPE;
use super::scope_commands;
pub(crate) use super::scope_commands::RiskyCommands;
use super::scope_rule::{Grants, UNBALANCED, check_rule, redact};

/// A scope that passed the grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// One `ACL SETUSER` argument each; a selector `( … )` is one argument `(~k +get)`.
    pub(crate) tokens: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

impl Scope {
    /// The scope as one normalised string (tokens joined by single spaces).
    pub(crate) fn normalized(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Why a token is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeError {
    pub(crate) token: String,
    pub(crate) reason: String,
}

impl ScopeError {
    fn new(token: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not allowed: {}", self.token, self.reason)
    }
}

impl std::error::Error for ScopeError {}

/// Parses a scope; empty or whitespace means `~* +@all`. Single risky commands are judged by the
/// built-in table.
pub(crate) fn parse(scope: &str) -> Result<Scope, ScopeError> {
    parse_for(scope, None)
}

/// Parses a scope, judging single risky commands by `server`'s own categories when given.
pub(crate) fn parse_for(scope: &str, server: Option<&RiskyCommands>) -> Result<Scope, ScopeError> {
    let text = if scope.trim().is_empty() {
        DEFAULT_SCOPE
    } else {
        scope
    };
    let mut tokens = Vec::new();
    // The user's own grants, and the union of every selector's grants (a selector adds to them).
    let mut top = Grants::default();
    let mut selectors = Grants::default();
    // The selector being read, when one is open.
    let mut open: Option<Selector> = None;
    // Every accepted rule in order, selectors' included, for the single-command warnings.
    let mut rules: Vec<&str> = Vec::new();

    for piece in text.split_whitespace() {
        let (opens, rest) = match piece.strip_prefix('(') {
            Some(rest) => (true, rest),
            None => (false, piece),
        };
        if let (true, Some(selector)) = (opens, &open) {
            return Err(ScopeError::new(
                redact_selector(&selector.rules, piece),
                "selectors cannot be nested: close the first `(` before opening another",
            ));
        }
        let (rule, closes) = match rest.strip_suffix(')') {
            Some(rule) if opens || open.is_some() => (rule, true),
            _ => (rest, false),
        };
        let mut selector = match (opens, open.take()) {
            (true, _) => Selector::default(),
            (false, Some(selector)) => selector,
            (false, None) => {
                top.apply(check_rule(rule)?);
                rules.push(rule);
                tokens.push(rule.to_string());
                continue;
            }
        };
        if !rule.is_empty() {
            selector.grants.apply(check_rule(rule)?);
            selector.rules.push(rule);
            rules.push(rule);
        }
        if !closes {
            open = Some(selector);
        } else if selector.rules.is_empty() {
            return Err(ScopeError::new(
                "()",
                "an empty selector grants nothing: put rules inside, e.g. `(~cache:* +get)`",
            ));
        } else {
            selectors = selectors.union(selector.grants);
            tokens.push(format!("({})", selector.rules.join(" ")));
        }
    }
    if let Some(selector) = open {
        return Err(ScopeError::new(
            redact_selector(&selector.rules, ""),
            UNBALANCED,
        ));
    }
    let grants = top.union(selectors);
    let mut warnings = grants.warnings();
    warnings.extend(scope_commands::warnings(
        rules,
        grants.admin_and_dangerous(),
        server,
    ));
    Ok(Scope { tokens, warnings })
}

/// A selector whose `)` has not been read yet.
#[derive(Default)]
struct Selector<'a> {
    rules: Vec<&'a str>,
    grants: Grants,
}

/// An unfinished selector as it may be shown in an error: `(` then its rules, secrets masked.
fn redact_selector(rules: &[&str], next: &str) -> String {
    let mut shown: Vec<String> = rules.iter().map(|r| redact(r)).collect();
    if !next.is_empty() {
        shown.push(redact(next));
    }
    format!("({}", shown.join(" "))
}
