#![deny(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

use complaint_rate::cmd::Cli;

// mimalloc: polars allocates many small buffers; measured in BENCHMARKS.md.
// Built with `no_thp`: mimalloc otherwise asks for transparent huge pages, and
// its partly used 2 MB pages made up most of the peak memory (measured there).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its number in mimalloc v3's
/// `mi_option_e`): how long freed memory stays with the process before it
/// goes back to the system, 1 s by default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed memory goes back after 20 ms, not 1 s. Counting 200 M
    // deliveries grows a table of millions of customers part by part, and
    // with 1 s the parts' old, smaller tables were still held when the new
    // ones were made (120 MB of the peak). At once (0 ms) cost a page fault
    // for every buffer of every Parquet row group: 0.3 s of 1.4 s at 20 M
    // deliveries. 20 ms keeps both (BENCHMARKS.md).
    // SAFETY: sets an integer option; called before any thread is started,
    // as mimalloc asks (option setting is not thread-safe).
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 20);
    }
    complaint_rate::guard::install();
    let cli = Cli::parse();
    match complaint_rate::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) if complaint_rate::cmd::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("complaint-rate: {}", complaint_rate::cmd::message(&error));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn option_15_is_the_purge_delay() {
        // mimalloc v3's defaults around it: the delay (1000 ms) between the
        // eager-commit delay (1) and the NUMA nodes (0). A renumbered
        // option list fails here rather than setting the wrong option.
        // SAFETY: reads integer options; no option is set in this test binary.
        let get = |option| unsafe { libmimalloc_sys::mi_option_get(option) };
        assert_eq!((get(14), get(MI_OPTION_PURGE_DELAY), get(16)), (1, 1000, 0));
    }
}
