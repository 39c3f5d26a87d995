//! Several `git log` processes at once, their commits handed to one consumer in order.
//!
//! Workers take the jobs in order, at most a few ahead of the one being consumed (which bounds
//! memory), and send their commits in small batches as they parse them, so the consumer works on
//! the job at the head of the line while its git process is still running.

use std::collections::{BTreeMap, VecDeque};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use super::commit::Commit;
use super::log::run_log;
use crate::git::{Git, GitError};

/// Coordination between the ordered consumer and the workers: workers never run further ahead
/// than `window` jobs past the one being handed out, which bounds memory.
struct Schedule {
    next: usize,
    emitted: usize,
    stop: bool,
}

/// One `git log` process of a parallel read: its arguments and the revisions fed on stdin.
pub(super) struct Job<'a> {
    pub(super) args: Vec<String>,
    pub(super) stdin: Option<&'a [String]>,
}

/// What a worker sends for its job: its commits in small batches as they are parsed (a batch
/// rather than each commit, so the consumer is not woken per commit), then how it ended.
enum Msg {
    Commits(Vec<Commit>),
    Done(Result<(), GitError>),
}

/// Commits per message from a worker.
const BATCH: usize = 64;

/// What arrived for a job that is not being handed out yet.
type Early = (VecDeque<Commit>, Option<Result<(), GitError>>);

/// Runs `jobs` on up to `threads` threads and hands their commits to `f` in job order. The job
/// being handed out streams: its commits reach `f` while its git process is still running.
pub(super) fn run_jobs<F>(
    git: &Git,
    jobs: &[Job<'_>],
    threads: usize,
    mut f: F,
) -> Result<(), GitError>
where
    F: FnMut(Commit) -> ControlFlow<()>,
{
    if jobs.is_empty() {
        return Ok(());
    }
    let threads = threads.clamp(1, jobs.len());
    let window = threads * 2;
    let schedule = Mutex::new(Schedule {
        next: 0,
        emitted: 0,
        stop: false,
    });
    let wake = Condvar::new();
    let stop = AtomicBool::new(false);

    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Msg)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (schedule, wake, stop) = (&schedule, &wake, &stop);
            scope.spawn(move || {
                loop {
                    let index = {
                        let mut s = schedule.lock().unwrap_or_else(|e| e.into_inner());
                        while !s.stop && s.next < jobs.len() && s.next >= s.emitted + window {
                            s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                        }
                        if s.stop || s.next >= jobs.len() {
                            return;
                        }
                        s.next += 1;
                        s.next - 1
                    };
                    let job = &jobs[index];
                    let mut batch = Vec::with_capacity(BATCH);
                    let result = run_log(git, &job.args, job.stdin, stop, |c| {
                        batch.push(c);
                        if batch.len() < BATCH {
                            return ControlFlow::Continue(());
                        }
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        match tx.send((index, Msg::Commits(full))) {
                            Ok(()) => ControlFlow::Continue(()),
                            // The consumer is gone: nobody wants the rest.
                            Err(_) => ControlFlow::Break(()),
                        }
                    });
                    // A failed send means the consumer is gone; the next one fails too.
                    let sent = batch.is_empty() || tx.send((index, Msg::Commits(batch))).is_ok();
                    if !sent || tx.send((index, Msg::Done(result))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let finish = |outcome: Result<(), GitError>| {
            stop.store(true, Ordering::Relaxed);
            schedule.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            wake.notify_all();
            outcome
        };
        let mut early: BTreeMap<usize, Early> = BTreeMap::new();
        for (index, job) in jobs.iter().enumerate() {
            let (mut queue, mut done) = early.remove(&index).unwrap_or_default();
            loop {
                while let Some(commit) = queue.pop_front() {
                    if f(commit).is_break() {
                        return finish(Ok(()));
                    }
                }
                match done.take() {
                    Some(Ok(())) => break,
                    Some(Err(err)) => return finish(Err(err)),
                    None => {}
                }
                match rx.recv() {
                    Ok((i, msg)) => {
                        let (queue, done) = if i == index {
                            (&mut queue, &mut done)
                        } else {
                            let slot = early.entry(i).or_default();
                            (&mut slot.0, &mut slot.1)
                        };
                        match msg {
                            Msg::Commits(commits) => queue.extend(commits),
                            Msg::Done(result) => *done = Some(result),
                        }
                    }
                    Err(_) => {
                        return finish(Err(GitError::Parse {
                            args: job.args.join(" "),
                            detail: format!("a reader thread stopped before part {index}"),
                        }));
                    }
                }
            }
            schedule.lock().unwrap_or_else(|e| e.into_inner()).emitted = index + 1;
            wake.notify_all();
        }
        finish(Ok(()))
    })
}
