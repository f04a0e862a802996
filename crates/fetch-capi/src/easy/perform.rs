//! `fetch_easy_perform`: one transfer on a private [`Driver`] kept in the
//! handle for connection reuse.

use std::ffi::c_void;
use std::time::Duration;

use fetch_core::{Easy, Events, Multi, Target};
use fetch_poll::Driver;

use super::callbacks::Hooks;
use super::{State, easy_mut, easy_ref, unpin};
use crate::codes::*;
use crate::guard;

/// `fetch_easy_perform`: runs the transfer to completion on a private
/// multi (kept in the handle for connection reuse). A handle added to a
/// multi gives FETCHE_FAILED_INIT (HM-04); one already inside its own
/// perform gives FETCHE_RECURSIVE_API_CALL (CB-05). A handle cleaned up
/// from one of its callbacks (docs/decisions.md 25) ends the transfer, is freed here, and
/// gives FETCHE_ABORTED_BY_CALLBACK.
///
/// # Safety
/// `h` must be NULL or a pointer obtained from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fetch_easy_perform(h: *mut c_void) -> FETCHcode {
    guard(FETCHE_BAD_FUNCTION_ARGUMENT, || {
        // SAFETY: checked against the registry; the reference is dropped
        // before any callback can run.
        let (easy, multi, hooks) = match unsafe { easy_ref(h) } {
            None => return FETCHE_BAD_FUNCTION_ARGUMENT,
            Some(e) => match e.state {
                State::Added { .. } | State::Adding { .. } => return FETCHE_FAILED_INIT,
                State::Performing => return FETCHE_RECURSIVE_API_CALL,
                State::Idle => {
                    e.clear_error();
                    let Ok(multi) = e
                        .perform_multi
                        .take()
                        .map_or_else(|| Driver::new(Multi::new()).map(Box::new), Ok)
                    else {
                        return FETCHE_FAILED_INIT;
                    };
                    let mut multi = multi;
                    // FETCHOPT_MAXCONNECTS sizes the private pool (0: the
                    // multi's default), as upstream copies it over.
                    let max = usize::try_from(e.opts.conn.with(|c| c.maxconnects)).ok();
                    multi.multi_mut().set_max_connects(max.filter(|&n| n != 0));
                    e.state = State::Performing;
                    e.pins += 1;
                    let easy = e.prepare();
                    (easy, multi, e.hooks.clone())
                }
            },
        };
        let mut multi = multi;
        let (easy, outcome) = run_to_completion(&mut multi, easy, &hooks);
        // SAFETY: pinned above, so still ours even if a callback retired it.
        let e = unsafe { easy_mut(h) };
        e.state = State::Idle;
        e.perform_multi = Some(multi);
        if let Some(easy) = easy {
            e.restore(easy);
        }
        let finished = outcome.is_ok();
        let code = match outcome {
            _ if e.retired => FETCHE_ABORTED_BY_CALLBACK,
            Ok(Ok(())) => FETCHE_OK,
            Ok(Err(err)) => {
                e.set_error(err.detail());
                easy_code(err.code())
            }
            Err(code) => code,
        };
        if finished {
            e.last_result = code;
        }
        // SAFETY: pinned above; frees the handle if it was retired.
        unsafe { unpin(h) };
        code
    })
}

/// The engine transfer back (when the engine still had it) and how the
/// transfer ended.
type Outcome = (
    Option<Easy>,
    Result<Result<(), fetch_core::Error>, FETCHcode>,
);

/// Runs one transfer on a private driver. Pauses requested from its
/// callbacks (`hooks.pause`) are applied after each step (CB-06).
fn run_to_completion(driver: &mut Driver, easy: Easy, hooks: &Hooks) -> Outcome {
    let id = match driver.multi_mut().add(easy) {
        Ok(id) => id,
        Err(e) => return (Some(*e.easy), Err(FETCHE_FAILED_INIT)),
    };
    let mut result = None;
    let mut step = driver
        .multi_mut()
        .socket_action(Target::Timeout, Events::NONE);
    loop {
        if step.is_err() {
            break;
        }
        // Bounded: each resume may deliver held data to a callback that
        // pauses again; what is left waits for the next step.
        if hooks.is_detached() {
            // Cleaned up from a callback (docs/decisions.md 25): stop here.
            let easy = driver.multi_mut().remove(id).ok();
            return (easy, Err(FETCHE_ABORTED_BY_CALLBACK));
        }
        for _ in 0..8 {
            match hooks.pause.take() {
                Some(p) => {
                    let _ = driver.multi_mut().pause(id, p);
                }
                None => break,
            }
        }
        while let Some((msg, _)) = driver.multi_mut().info_read() {
            if msg.transfer == id {
                result = Some(msg.result);
            }
        }
        if result.is_some() {
            break;
        }
        if driver.poll(&mut [], Duration::from_secs(1)).is_err() {
            let easy = driver.multi_mut().remove(id).ok();
            return (easy, Err(FETCHE_UNRECOVERABLE_POLL));
        }
        step = driver.perform();
    }
    let easy = driver.multi_mut().remove(id);
    let result = match easy {
        Ok(_) => result.ok_or(FETCHE_FAILED_INIT),
        Err(_) => Err(FETCHE_FAILED_INIT),
    };
    (easy.ok(), result)
}
