//! The sans-IO swarm engine's building blocks: piece sets and the piece
//! picker.

mod picker;
mod piece_set;

pub use picker::{BLOCK_LEN, Block, BlockOutcome, PiecePicker};
pub use piece_set::PieceSet;
