//! A fault-injecting TCP proxy in front of a real `redis-server`: it forwards RESP commands one
//! at a time and, when armed, lets one matching command through but loses its reply, resets the
//! connection right after it, or delays its reply. Faults are one-shot, so the retry or the
//! compensation that follows goes through untouched, as after a real network glitch.
//!
//! ```ignore
//! let proxy = FaultProxy::start(server.port);       // 127.0.0.1:<proxy.port> → server
//! proxy.arm("ACL SETUSER", Fault::DropReply);       // the next ACL SETUSER applies, no reply
//! // … run the engine against proxy.port …
//! assert!(proxy.fired(), "the fault really happened");
//! ```
//!
//! The proxy runs on its own thread and runtime, so sync and async tests can use it alike.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What happens to the next command that matches.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// The command reaches the server (and applies); its reply never reaches the client.
    DropReply,
    /// The command reaches the server and is answered; then both sides are closed.
    Reset,
    /// The reply is held back this long before it is forwarded.
    Delay(Duration),
}

#[derive(Default)]
struct Armed {
    /// Upper-case prefix of the command's words, e.g. `ACL SETUSER`.
    pattern: Option<(String, Fault)>,
    fired: usize,
}

pub struct FaultProxy {
    pub port: u16,
    armed: Arc<Mutex<Armed>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards every connection to `127.0.0.1:target`.
    pub fn start(target: u16) -> FaultProxy {
        let armed = Arc::new(Mutex::new(Armed::default()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let shared = armed.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
                port_tx
                    .send(listener.local_addr().expect("proxy addr").port())
                    .expect("send port");
                let accept = async {
                    loop {
                        let Ok((client, _)) = listener.accept().await else {
                            continue;
                        };
                        let armed = shared.clone();
                        tokio::spawn(async move {
                            if let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await {
                                let _ = relay(client, server, armed).await;
                            }
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop => {}
                }
            });
        });
        let port = port_rx.recv().expect("proxy port");
        FaultProxy {
            port,
            armed,
            shutdown: Some(shutdown),
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The next command whose words start with `pattern` (case-insensitive) meets `fault`.
    pub fn arm(&self, pattern: &str, fault: Fault) {
        self.armed.lock().unwrap().pattern = Some((pattern.to_uppercase(), fault));
    }

    /// How many faults have been injected so far.
    pub fn fired(&self) -> usize {
        self.armed.lock().unwrap().fired
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// One command at a time: read a whole command from the client, forward it, read its whole
/// reply from the server, then forward, drop or delay that reply as armed.
async fn relay(
    client: TcpStream,
    server: TcpStream,
    armed: Arc<Mutex<Armed>>,
) -> std::io::Result<()> {
    let (client_r, mut client_w) = client.into_split();
    let (server_r, mut server_w) = server.into_split();
    let mut client_r = BufReader::new(client_r);
    let mut server_r = BufReader::new(server_r);
    loop {
        let mut raw = Vec::new();
        let words = read_command(&mut client_r, &mut raw).await?;
        let line = words.join(" ").to_uppercase();
        let fault = {
            let mut a = armed.lock().unwrap();
            match &a.pattern {
                Some((p, f)) if line.starts_with(p.as_str()) => {
                    let f = *f;
                    a.pattern = None;
                    a.fired += 1;
                    Some(f)
                }
                _ => None,
            }
        };
        server_w.write_all(&raw).await?;
        let mut reply = Vec::new();
        read_value(&mut server_r, &mut reply).await?;
        match fault {
            None => client_w.write_all(&reply).await?,
            Some(Fault::DropReply) => {}
            Some(Fault::Reset) => return Ok(()),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                client_w.write_all(&reply).await?;
            }
        }
    }
}

async fn read_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    raw: &mut Vec<u8>,
) -> std::io::Result<String> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    raw.extend_from_slice(&line);
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

fn number(line: &str) -> std::io::Result<i64> {
    line[1..]
        .parse()
        .map_err(|_| std::io::Error::other(format!("bad RESP length: {line}")))
}

/// A client command: an array of bulk strings (or an inline command). Returns its words.
async fn read_command<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    raw: &mut Vec<u8>,
) -> std::io::Result<Vec<String>> {
    let head = read_line(r, raw).await?;
    if !head.starts_with('*') {
        return Ok(head.split_whitespace().map(str::to_string).collect());
    }
    let mut words = Vec::new();
    for _ in 0..number(&head)?.max(0) {
        let len_line = read_line(r, raw).await?;
        let len = number(&len_line)?;
        let mut buf = vec![0u8; len as usize + 2];
        r.read_exact(&mut buf).await?;
        raw.extend_from_slice(&buf);
        words.push(String::from_utf8_lossy(&buf[..len as usize]).to_string());
    }
    Ok(words)
}

/// One whole RESP2/RESP3 value, appended raw to `raw`.
async fn read_value<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    raw: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let line = read_line(r, raw).await?;
        match line.as_bytes().first() {
            Some(b'$' | b'!' | b'=') => {
                let len = number(&line)?;
                if len >= 0 {
                    let mut buf = vec![0u8; len as usize + 2];
                    r.read_exact(&mut buf).await?;
                    raw.extend_from_slice(&buf);
                }
            }
            Some(b'*' | b'~' | b'>') => pending += number(&line)?.max(0) as u64,
            Some(b'%') => pending += 2 * number(&line)?.max(0) as u64,
            // Attributes come before the value they describe.
            Some(b'|') => pending += 2 * number(&line)?.max(0) as u64 + 1,
            _ => {}
        }
    }
    Ok(())
}
