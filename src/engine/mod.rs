//! The rotation lifecycle: create, rotate (record → apply → persist → verify → promote,
//! compensate), update, delete, recover; the scheduler; cross-process locks.
