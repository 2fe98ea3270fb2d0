//! Where a database lives: a local JSON database (a path) or a shared PostgreSQL database (a
//! `postgres://` URL), as given to `--db` / `REDIS_ROTATOR_DB`.

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

use super::StoreError;
use super::pg::Target;

#[derive(Clone, Debug)]
pub enum Location {
    File(PathBuf),
    Postgres(Box<Target>),
}

impl Location {
    /// A `--db` value: a `postgres://` or `postgresql://` URL, else a file path.
    pub fn parse(value: &OsStr) -> Result<Location, StoreError> {
        match value.to_str() {
            Some(text) if Target::is_url(text) => {
                Target::parse(text).map(|t| Location::Postgres(Box::new(t)))
            }
            _ => Ok(Location::File(PathBuf::from(value))),
        }
    }

    /// What messages call it: the path, or the URL without its password.
    pub(crate) fn shown(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(target) => target.shown().to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_everything_else_a_file() {
        let pg = Location::parse(OsStr::new("postgres://app:pw@db.example/rotator")).unwrap();
        assert!(matches!(pg, Location::Postgres(_)));
        assert_eq!(pg.shown(), "postgres://app@db.example:5432/rotator");
        let file = Location::parse(OsStr::new("/var/lib/redis-rotator/db.json")).unwrap();
        assert!(
            matches!(file, Location::File(ref p) if p == &PathBuf::from("/var/lib/redis-rotator/db.json"))
        );
        // A relative file that happens to start with "postgres" stays a file.
        assert!(matches!(
            Location::parse(OsStr::new("postgres.json")).unwrap(),
            Location::File(_)
        ));
    }
}
