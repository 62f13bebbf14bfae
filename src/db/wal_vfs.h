// SQLite's WAL written a commit at a time instead of two system calls per
// frame.
//
// SQLite appends each frame of a commit to the WAL with two writes (its
// 24-byte header, then the page). Under the submission writer that is two
// system calls per changed page, each taking the file's page-cache pages
// again. The VFS registered here wraps the default one and, for WAL files
// only, gathers a connection's contiguous appends in memory and writes them
// at once when the commit frame is complete: no other connection can read a
// frame before its commit is published in the WAL index, which SQLite does
// only after the commit frame is written. Every other operation on the WAL
// (read, sync, size, truncate, close, file control, a write elsewhere)
// writes out what is gathered first, so SQLite sees the file it wrote.
// Other files keep the default VFS's own methods.
#pragma once

#include <cstdint>

namespace xq::db {

// Registers the VFS as SQLite's default (once; later calls do nothing).
// Before the first connection opens.
void UseGatheredWalWrites();

// Writes SQLite asked for on WAL files, and writes made to the file; for
// tests.
struct WalWriteCounts {
  int64_t asked = 0;
  int64_t made = 0;
};
WalWriteCounts GatheredWalWriteCounts();

}  // namespace xq::db
