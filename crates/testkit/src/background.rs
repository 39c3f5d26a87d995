//! A loopback server on a thread and runtime of its own, so plain `#[test]` functions and async
//! tests alike can run one while the binary under test talks to it over HTTP. Dropping it stops
//! the server and waits for the thread.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub(crate) struct Background {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Binds an ephemeral port on 127.0.0.1 and runs `serve(listener, stop)` on `workers`
    /// runtime threads; `serve` is to return soon after `stop` fires.
    pub(crate) fn start<F, Fut>(name: &str, workers: usize, serve: F) -> Background
    where
        F: FnOnce(TcpListener, oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, stop) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind a loopback port");
                    addr_tx
                        .send(listener.local_addr().expect("the bound address"))
                        .expect("report the address");
                    serve(listener, stop).await;
                });
            })
            .expect("server thread");
        let addr = addr_rx
            .recv()
            .unwrap_or_else(|_| panic!("{name} did not start"));
        Background {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
