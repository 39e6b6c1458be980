//! The wire: frames ([`frame`]), messages ([`message`]) and delta compression ([`compression`]).

pub mod compression;
mod codec;
pub mod frame;
pub mod message;

pub use compression::{Compression, Compressor, Delta};
pub use frame::{read_frame, write_frame, MAGIC, VERSION};
pub use message::{Commit, Request, Response};
