//! The one error type of tusk-search. Messages name the parameter at fault.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed search space (an empty `choice`, `uniform(1, 0)`, an unknown distribution).
    #[error("search space: {0}")]
    Space(String),
}

pub type Result<T> = std::result::Result<T, Error>;
