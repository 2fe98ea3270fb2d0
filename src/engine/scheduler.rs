//! The scheduler (SPEC 2.4): placeholder until issue 4.
