//! What the report says: its facts, computed once and typed (`facts`), and
//! what is built from them alone — the sentences a manager reads
//! (`sentences`) and the machine-readable period table and summary
//! (`summary`). `cmd::report` wires them to the input and the output.

pub mod facts;
pub mod sentences;
pub mod summary;
