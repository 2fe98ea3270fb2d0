//! "Did you mean …?": the known name closest to a mistyped one.

/// The candidate closest to `typed` by edit distance (case-insensitive), when close enough to be
/// a plausible typo: at most a third of the longer name, and never more than 3 edits.
pub(crate) fn closest<'a>(typed: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&typed_lower, &c.to_lowercase()), *c))
        .filter(|(d, c)| {
            let longer = typed.chars().count().max(c.chars().count());
            *d <= (longer / 3).clamp(1, 3)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance (insert, delete, substitute), with an adjacent swap counted as one edit.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_known_name() {
        let known = ["name", "rotationInterval", "rotateAtUtc", "description"];
        assert_eq!(
            closest("rotationIntervall", &known),
            Some("rotationInterval")
        );
        assert_eq!(closest("nmae", &known), Some("name"));
        assert_eq!(closest("descripton", &known), Some("description"));
        assert_eq!(
            closest("RotationInterval", &known),
            Some("rotationInterval")
        );
        assert_eq!(closest("colour", &known), None);
        assert_eq!(closest("x", &known), None);
    }
}
