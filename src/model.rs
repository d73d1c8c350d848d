//! placeholder
#[derive(Debug)]
pub struct Contract;
