//! SPEC 2.2 password generation: exact length, every required class present, only allowed
//! characters, uniform choice.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::model::password::{charset, generate, generate_with};
use crate::model::rotation::{DEFAULT_SYMBOLS, PasswordRequirements, RequiredChars};

fn requirements(
    length: u32,
    d: u32,
    l: u32,
    u: u32,
    s: u32,
    symbols: &str,
) -> PasswordRequirements {
    PasswordRequirements {
        length,
        required: RequiredChars {
            digits: d,
            lowercase: l,
            uppercase: u,
            symbols: s,
        },
        allowed_symbols: symbols.to_string(),
    }
}

fn count(text: &str, class: impl Fn(char) -> bool) -> u32 {
    text.chars().filter(|c| class(*c)).count() as u32
}

#[test]
fn default_requirements_give_48_letters_and_digits() {
    let password = generate(&PasswordRequirements::default());
    let text = password.expose();
    assert_eq!(text.chars().count(), 48);
    assert!(
        text.chars().all(|c| c.is_ascii_alphanumeric()),
        "no symbol unless asked for"
    );
    assert!(count(text, |c| c.is_ascii_digit()) >= 1);
    assert!(count(text, |c| c.is_ascii_lowercase()) >= 1);
    assert!(count(text, |c| c.is_ascii_uppercase()) >= 1);
}

#[test]
fn symbols_come_only_from_allowed_symbols_and_only_when_required() {
    let with = requirements(64, 1, 1, 1, 1, "@!+");
    assert_eq!(
        charset(&with),
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@!+"
    );
    let without = requirements(64, 1, 1, 1, 0, DEFAULT_SYMBOLS);
    assert!(charset(&without).chars().all(|c| c.is_ascii_alphanumeric()));
    let repeated = requirements(64, 0, 0, 0, 1, "!!!-");
    assert!(
        charset(&repeated).ends_with("9abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!-")
    );
}

#[test]
fn inconsistent_requirements_never_panic() {
    let mut rng = StdRng::seed_from_u64(7);
    let too_many = requirements(8, 5, 5, 5, 5, "!");
    let text = generate_with(&too_many, &mut rng);
    assert_eq!(
        text.expose().len(),
        20,
        "grows to hold every required character"
    );
    let no_symbols = requirements(10, 0, 0, 0, 3, "");
    let text = generate_with(&no_symbols, &mut rng);
    assert_eq!(text.expose().len(), 10);
    assert!(text.expose().chars().all(|c| c.is_ascii_alphanumeric()));
    let huge = requirements(u32::MAX, u32::MAX, 0, 0, 0, "!");
    assert!(
        generate_with(&huge, &mut rng).expose().len() <= 4096,
        "bounded"
    );
    let empty = requirements(0, 0, 0, 0, 0, "");
    assert_eq!(generate_with(&empty, &mut rng).expose(), "");
}

#[test]
fn password_prints_masked() {
    let password = generate(&PasswordRequirements::default());
    assert!(!format!("{password} {password:?}").contains(password.expose()));
}

#[test]
fn characters_are_drawn_uniformly_from_the_pool() {
    // Only the free positions vary by class, so ask for nothing and count every character.
    let req = requirements(250, 0, 1, 0, 0, "");
    let pool: Vec<char> = charset(&req).chars().collect();
    let mut seen = vec![0_u32; 128];
    let mut rng = StdRng::seed_from_u64(2024);
    let rounds = 400;
    for _ in 0..rounds {
        let password = generate_with(&req, &mut rng);
        for b in password.expose().bytes() {
            seen[usize::from(b)] += 1;
        }
    }
    // The one forced lowercase letter per password is spread over 26 letters; ignore it.
    let total = f64::from(rounds * 249);
    let expected = total / pool.len() as f64;
    let chi_square: f64 = pool
        .iter()
        .map(|c| {
            let mut observed = f64::from(seen[*c as usize]);
            if c.is_ascii_lowercase() {
                observed -= f64::from(rounds) / 26.0;
            }
            (observed - expected).powi(2) / expected
        })
        .sum();
    // 61 degrees of freedom: the 99.99th percentile is about 113.
    assert!(chi_square < 113.0, "chi-square {chi_square}");
}

/// Requirements that pass validation: length 8–250, counts summing to at most the length with
/// at least one above zero, a non-empty set of allowed symbols.
fn valid_requirements() -> impl Strategy<Value = PasswordRequirements> {
    (
        8_u32..=250,
        [0_u32, 0, 0, 0].map(|_| 0_u32..=20),
        "[-_.~!*@#$%^&+=:;,?/|<>(){}\\[\\]]{1,12}",
    )
        .prop_filter_map(
            "counts fit the length, one is above zero",
            |(length, [d, l, u, s], symbols)| {
                let sum = d + l + u + s;
                (sum > 0 && sum <= length).then(|| requirements(length, d, l, u, s, &symbols))
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn generated_password_meets_its_requirements_exactly(
        req in valid_requirements(),
        seed in any::<u64>(),
    ) {
        let password = generate_with(&req, &mut StdRng::seed_from_u64(seed));
        let text = password.expose();
        prop_assert_eq!(text.chars().count(), req.length as usize);
        let r = &req.required;
        prop_assert!(count(text, |c| c.is_ascii_digit()) >= r.digits);
        prop_assert!(count(text, |c| c.is_ascii_lowercase()) >= r.lowercase);
        prop_assert!(count(text, |c| c.is_ascii_uppercase()) >= r.uppercase);
        prop_assert!(count(text, |c| req.allowed_symbols.contains(c)) >= r.symbols);
        let allowed = charset(&req);
        prop_assert!(text.chars().all(|c| allowed.contains(c)), "{} not within {}", text, allowed);
        if r.symbols == 0 {
            prop_assert!(text.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }
}
