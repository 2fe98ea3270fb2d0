//! The six steps of the seed document, in order, and which request fields each one owns.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, strum::VariantArray)]
pub(crate) enum Step {
    Connection,
    Configuration,
    Parameters,
    Mapping,
    Details,
    Review,
}

impl Step {
    pub(crate) fn title(self) -> &'static str {
        match self {
            Step::Connection => "Connection",
            Step::Configuration => "Configuration",
            Step::Parameters => "Parameters",
            Step::Mapping => "Secrets Mapping",
            Step::Details => "Details",
            Step::Review => "Review",
        }
    }

    pub(crate) fn number(self) -> usize {
        self as usize + 1
    }

    pub(crate) fn next(self) -> Step {
        use strum::VariantArray;
        Step::VARIANTS[(self as usize + 1).min(Step::VARIANTS.len() - 1)]
    }

    pub(crate) fn prev(self) -> Option<Step> {
        use strum::VariantArray;
        (self as usize).checked_sub(1).map(|i| Step::VARIANTS[i])
    }

    /// The step whose fields a request path (`rotateAtUtc.hours`) belongs to.
    pub(crate) fn of_path(path: &str) -> Step {
        let is = |p: &str| path == p || path.starts_with(&format!("{p}."));
        if is("connectionId") {
            Step::Connection
        } else if is("rotationInterval") || is("rotateAtUtc") || is("isAutoRotationEnabled") {
            Step::Configuration
        } else if is("parameters") || is("currentPassword") {
            Step::Parameters
        } else if is("environment")
            || is("secretPath")
            || is("secretsMapping")
            || path.starts_with("sinks")
        {
            Step::Mapping
        } else if is("name") || is("description") {
            Step::Details
        } else {
            Step::Review
        }
    }
}
