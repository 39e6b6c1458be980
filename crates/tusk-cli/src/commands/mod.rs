//! One module per `tusk` subcommand: each has a `run` taking its parsed arguments.

pub mod evaluate;
pub mod predict;
pub mod ps;
pub mod train;
pub mod worker;
