//! Locking the bridge's small shared tables.
//!
//! They are only touched in short, non-async sections. A poisoned lock (a panic while
//! holding it) leaves them usable, so recover the guard rather than spread the panic to
//! every later tool call.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
