//! The parameter server: its state and rules ([`ServerState`]), its settings
//! ([`ServerConfig`]) and its TCP front ([`TcpServer`]).

mod config;
mod connections;
mod lifecycle;
mod registry;
mod settings;
mod state;
mod tcp;

pub use config::{ServerConfig, Timeouts};
pub use connections::MAX_UNAUTHENTICATED;
pub use settings::ServerSettings;
pub use state::ServerState;
pub use tcp::TcpServer;
