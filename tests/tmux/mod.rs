//! Driving the real binary in a real terminal: a private tmux server per test (its own socket),
//! `send-keys` to type and `capture-pane` to read the screen.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
}

fn tmux_bin() -> &'static str {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux not found on PATH: run .ci/run or apt-get install tmux"
    );
    "tmux"
}

impl Tmux {
    /// Starts `command` (run by `sh -c`) in a `width`×`height` terminal, with `env` set.
    pub fn start(
        dir: &Path,
        width: u16,
        height: u16,
        env: &[(&str, String)],
        command: &str,
    ) -> Tmux {
        let socket = dir.join("tmux.sock");
        let mut full = String::from("env");
        for (k, v) in env {
            full.push_str(&format!(" {k}='{}'", v.replace('\'', r"'\''")));
        }
        full.push(' ');
        full.push_str(command);
        // Keep the pane after the program exits so its last screen can still be read.
        let status = Command::new(tmux_bin())
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(&full)
            .status()
            .expect("start tmux");
        assert!(status.success(), "tmux new-session failed");
        let t = Tmux { socket };
        t.run(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        t
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys as tmux names them (`Enter`, `Escape`, `Down`, `C-c`) or literal text.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
        std::thread::sleep(Duration::from_millis(40));
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Waits until the screen contains `text`; panics with the screen when it does not.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < end,
                "screen never showed {text:?}; it shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.run(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// True once the program in the pane has exited.
    pub fn exited(&self) -> bool {
        self.run(&["display-message", "-p", "-t", "t", "#{pane_dead}"])
            .trim()
            == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .status();
    }
}
