#include "db/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace xq::db {

namespace {

constexpr int kFrameHeader = 24;          // WAL frame header bytes
constexpr size_t kMaxGathered = 4 << 20;  // written out past this
// The unix VFS writes `amount & 0x1ffff` bytes per call (and reports a full
// disk when that is 0), so gathered bytes go out in pieces below 128 KiB.
constexpr size_t kMaxWrite = 124 << 10;

std::atomic<int64_t> g_asked{0};
std::atomic<int64_t> g_made{0};

sqlite3_vfs* g_real = nullptr;  // the default VFS this one wraps
sqlite3_vfs g_vfs;

// A WAL file: the default VFS's file follows this struct in the memory
// SQLite gives xOpen.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* data;  // gathered bytes, to be written at `start`
  size_t len;
  size_t cap;
  sqlite3_int64 start;
  bool commit_header;  // the last write was the header of a commit frame
};

WalFile* W(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
const sqlite3_io_methods* R(WalFile* w) { return w->real->pMethods; }

uint32_t Be32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

bool IsPageSize(int n) { return n >= 512 && n <= 65536 && (n & (n - 1)) == 0; }

int Flush(WalFile* w) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < w->len && rc == SQLITE_OK;) {
    const size_t n = std::min(w->len - done, kMaxWrite);
    rc = R(w)->xWrite(w->real, w->data + done, static_cast<int>(n), w->start + static_cast<sqlite3_int64>(done));
    g_made.fetch_add(1, std::memory_order_relaxed);
    done += n;
  }
  w->len = 0;
  return rc;
}

int Close(sqlite3_file* f) {
  WalFile* w = W(f);
  int rc = Flush(w);
  std::free(w->data);
  w->data = nullptr;
  w->cap = 0;
  const int closed = R(w)->xClose(w->real);
  return rc != SQLITE_OK ? rc : closed;
}

int Write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  WalFile* w = W(f);
  g_asked.fetch_add(1, std::memory_order_relaxed);
  if (w->len > 0 && off != w->start + static_cast<sqlite3_int64>(w->len)) {
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  }
  const size_t n = static_cast<size_t>(amt);
  if (w->len + n > w->cap) {
    size_t cap = w->cap == 0 ? size_t{64} << 10 : w->cap * 2;
    while (cap < w->len + n) cap *= 2;
    void* grown = std::realloc(w->data, cap);
    if (grown == nullptr) {  // out of memory: write it as SQLite asked
      if (int rc = Flush(w); rc != SQLITE_OK) return rc;
      w->commit_header = false;
      g_made.fetch_add(1, std::memory_order_relaxed);
      return R(w)->xWrite(w->real, buf, amt, off);
    }
    w->data = static_cast<char*>(grown);
    w->cap = cap;
  }
  if (w->len == 0) w->start = off;
  std::memcpy(w->data + w->len, buf, n);
  w->len += n;
  // A frame is its header (bytes 4-7: the database size after a commit,
  // zero otherwise) and its page, written together or one after the other.
  // Once a commit frame is whole, it goes out with everything before it.
  bool commit_done = false;
  if (amt == kFrameHeader) {
    w->commit_header = Be32(static_cast<const char*>(buf) + 4) != 0;
  } else {
    if (amt > kFrameHeader && IsPageSize(amt - kFrameHeader))
      commit_done = Be32(static_cast<const char*>(buf) + 4) != 0;
    commit_done = commit_done || w->commit_header;
    w->commit_header = false;
  }
  if (commit_done || w->len >= kMaxGathered) return Flush(w);
  return SQLITE_OK;
}

// The wrapped file's method M, after writing out what is gathered when
// `flush` (anything that reads, sizes, syncs or changes the file) or not
// (locks on shared memory, sector size and the like).
template <auto M, bool flush>
struct Forward;
template <typename Ret, typename... A, Ret (*sqlite3_io_methods::*M)(sqlite3_file*, A...), bool flush>
struct Forward<M, flush> {
  static Ret Call(sqlite3_file* f, A... a) {
    WalFile* w = W(f);
    if constexpr (flush) {
      if (int rc = Flush(w); rc != SQLITE_OK) return rc;
    }
    return (w->real->pMethods->*M)(w->real, a...);
  }
};
template <auto M>
constexpr auto kFlushed = &Forward<M, true>::Call;
template <auto M>
constexpr auto kPlain = &Forward<M, false>::Call;

using Io = sqlite3_io_methods;
const sqlite3_io_methods kWalMethods = {
    3,
    Close,
    kFlushed<&Io::xRead>,
    Write,
    kFlushed<&Io::xTruncate>,
    kFlushed<&Io::xSync>,
    kFlushed<&Io::xFileSize>,
    kFlushed<&Io::xLock>,
    kFlushed<&Io::xUnlock>,
    kPlain<&Io::xCheckReservedLock>,
    kFlushed<&Io::xFileControl>,
    kPlain<&Io::xSectorSize>,
    kPlain<&Io::xDeviceCharacteristics>,
    kPlain<&Io::xShmMap>,
    kPlain<&Io::xShmLock>,
    kPlain<&Io::xShmBarrier>,
    kPlain<&Io::xShmUnmap>,
    kFlushed<&Io::xFetch>,
    kPlain<&Io::xUnfetch>,
};

size_t RealOffset() { return (sizeof(WalFile) + 15) & ~size_t{15}; }

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  // Anything but a WAL: the default VFS's own file, in the same memory.
  if ((flags & SQLITE_OPEN_WAL) == 0) return g_real->xOpen(g_real, name, f, flags, out_flags);
  WalFile* w = W(f);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + RealOffset());
  const int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    w->base.pMethods = nullptr;
    return rc;
  }
  // The wrapped file must offer what kWalMethods forwards to.
  if (w->real->pMethods == nullptr || w->real->pMethods->iVersion < 3) {
    if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
    w->base.pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int Access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* h, const char* sym))(void) { return g_real->xDlSym(g_real, h, sym); }
void DlClose(sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return g_real->xSetSystemCall(g_real, name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) { return g_real->xGetSystemCall(g_real, name); }
const char* NextSystemCall(sqlite3_vfs*, const char* name) { return g_real->xNextSystemCall(g_real, name); }

}  // namespace

void UseGatheredWalWrites() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (real == nullptr || real->iVersion < 3) return;  // keep SQLite's own
    g_real = real;
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 3;
    g_vfs.szOsFile = static_cast<int>(RealOffset()) + real->szOsFile;
    g_vfs.mxPathname = real->mxPathname;
    g_vfs.zName = "xq-gathered-wal";
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = DlOpen;
    g_vfs.xDlError = DlError;
    g_vfs.xDlSym = DlSym;
    g_vfs.xDlClose = DlClose;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    g_vfs.xSetSystemCall = SetSystemCall;
    g_vfs.xGetSystemCall = GetSystemCall;
    g_vfs.xNextSystemCall = NextSystemCall;
    sqlite3_vfs_register(&g_vfs, 1);
  });
}

WalWriteCounts GatheredWalWriteCounts() {
  return {g_asked.load(std::memory_order_relaxed), g_made.load(std::memory_order_relaxed)};
}

}  // namespace xq::db
