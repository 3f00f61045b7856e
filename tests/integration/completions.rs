//! Shell completions and man pages come from the clap definition, so they know every command
//! and flag.

use crate::workdir::Workdir;

#[test]
fn completions_for_every_shell_know_the_commands_and_flags() {
    let wd = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = wd.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.text());
        for word in [
            "dsr-scrub",
            "inspect",
            "emit-map",
            "dry-run",
            "profiles",
            "changes-format",
        ] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let run = wd.run(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains("bash"),
        "lists the shells: {}",
        run.stderr
    );
}

#[test]
fn man_pages_for_the_tool_and_each_command() {
    let wd = Workdir::new();
    let run = wd.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(run.stdout.contains(".TH dsr-scrub 1"), "{}", run.stdout);
    assert!(
        run.stdout.contains("dsr\\-scrub\\-inspect(1)"),
        "{}",
        run.stdout
    );
    let run = wd.run(&["man", "scrub"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stdout.contains(".TH dsr-scrub-scrub 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry\\-run"), "{}", run.stdout);
    assert!(
        run.stdout.contains("changes\\-format")
            && run.stdout.contains("cells: One line per changed cell"),
        "{}",
        run.stdout
    );
    let run = wd.run(&["man", "nope"]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stderr.contains("inspect"), "{}", run.stderr);
    assert!(!run.stderr.contains("help"), "{}", run.stderr);
}
