use clap::Parser;

fn main() {
    dsr_scrub::install_panic_hook();
    let cli = dsr_scrub::cli::Cli::parse();
    let code = match dsr_scrub::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dsr-scrub: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
